/**
 * Compression on the fly: the port a runtime's zlib enters through, and
 * which answers are worth compressing.
 *
 * @module
 */

import type { ContentCoding } from "./accept_encoding.ts";

/**
 * Compresses bytes: the runtime's zlib, reached as the file system is,
 * through a port (`zlibCompressor()` from an adapter).
 */
export interface Compressor {
  /** The codings it can produce. */
  readonly codings: readonly ContentCoding[];
  /**
   * Compresses `bytes` with `coding`.
   *
   * @param bytes The bytes.
   * @param coding One of {@linkcode Compressor.codings}.
   * @returns The compressed bytes.
   */
  compress(bytes: Uint8Array, coding: ContentCoding): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Compresses a stream with `coding`, for files too large to compress at
   * once. Without it, such files go out as they are.
   *
   * @param body The bytes, as a stream (cancelled when the result is).
   * @param coding One of {@linkcode Compressor.codings}.
   * @returns The compressed stream.
   */
  compressStream?(
    body: ReadableStream<Uint8Array>,
    coding: ContentCoding,
  ): ReadableStream<Uint8Array>;
}

/**
 * Files smaller than this are sent as they are: a few hundred bytes saved
 * are lost again in the extra header and the client's work.
 */
export const MIN_COMPRESSED_SIZE = 1024;

/**
 * Files up to this size (what the ports read whole at once) are compressed
 * once per file version and kept in the small-file cache; larger ones are
 * compressed as a stream, on every request, up to
 * {@linkcode MAX_STREAMED_SIZE}.
 */
export const MAX_COMPRESSED_SIZE = 64 * 1024;

/**
 * Files larger than this are sent as they are (or from a sidecar): a build
 * that ships such text should write a sidecar, compressed once at build
 * time, rather than have every request pay for it.
 */
export const MAX_STREAMED_SIZE = 64 * 1024 * 1024;

/**
 * Whether a media type is worth compressing: text, JavaScript, JSON, XML,
 * SVG, wasm, web manifests and uncompressed fonts; not images, audio,
 * video, archives, PDF or woff/woff2, which are compressed already.
 *
 * @param type A Content-Type value, parameters allowed.
 * @returns `true` when compressing it pays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCompressible } from "./compression.ts";
 *
 * assert.equal(isCompressible("text/javascript; charset=utf-8"), true);
 * assert.equal(isCompressible("image/svg+xml"), true);
 * assert.equal(isCompressible("font/woff2"), false);
 * assert.equal(isCompressible("image/png"), false);
 * ```
 */
export function isCompressible(type: string): boolean {
  const essence = type.split(";")[0].trim().toLowerCase();
  if (essence.startsWith("text/")) return true;
  if (essence.endsWith("+json") || essence.endsWith("+xml")) return true;
  return COMPRESSIBLE.has(essence);
}

const COMPRESSIBLE = new Set([
  "application/javascript",
  "application/x-javascript",
  "application/json",
  "application/xml",
  "application/wasm",
  "application/x-ndjson",
  "application/vnd.ms-fontobject",
  "font/ttf",
  "font/otf",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "image/bmp",
]);
