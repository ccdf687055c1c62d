/**
 * The {@linkcode Compressor} port over `node:zlib`, which Deno, Bun and Node
 * all provide (br, zstd and gzip on Deno 2.9, Bun 1.4 and Node 22.15+).
 *
 * @module
 */

import { promisify } from "node:util";
import * as zlib from "node:zlib";
import type { ContentCoding } from "../core/accept_encoding.ts";
import type { Compressor } from "../core/compression.ts";

// Each file version is compressed once and kept, but a file changed in the
// last 2 s (not cached yet) or reached through a link (never cached) is
// compressed on every request: levels of about 5 ms for 64 KiB of
// JavaScript (Node 24). Brotli 6 gives 12.9 KB where 9 gives 12.7 KB in
// 31 ms and 11 gives 8.6 KB in 100 ms: a build that wants those bytes
// writes .br sidecars.
const BROTLI_QUALITY = 6;
const GZIP_LEVEL = 9;
const ZSTD_LEVEL = 12;

type Compress = (bytes: Uint8Array, options: object) => Promise<Uint8Array>;
type Streaming = (options: object) => zlib.Gzip;

/**
 * A compressor over `node:zlib`, offering the codings this runtime's zlib
 * has (zstd only where `zstdCompress` exists).
 *
 * @returns The compressor.
 *
 * @example Compressing and decompressing
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipSync } from "node:zlib";
 * import { zlibCompressor } from "./zlib_compressor.ts";
 *
 * const text = new TextEncoder().encode("hello ".repeat(100));
 * const gzipped = await zlibCompressor().compress(text, "gzip");
 * assert.deepEqual(new Uint8Array(gunzipSync(gzipped)), text);
 * ```
 */
export function zlibCompressor(): Compressor {
  const z = zlib as unknown as Record<string, unknown>;
  const methods: Partial<Record<ContentCoding, [Compress, object, Streaming]>> = {
    br: [
      promisify(zlib.brotliCompress) as Compress,
      { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
      zlib.createBrotliCompress as unknown as Streaming,
    ],
    gzip: [promisify(zlib.gzip) as Compress, { level: GZIP_LEVEL }, zlib.createGzip],
  };
  const constants = zlib.constants as unknown as Record<string, number>;
  if (
    typeof z.zstdCompress === "function" && typeof z.createZstdCompress === "function" &&
    constants.ZSTD_c_compressionLevel !== undefined
  ) {
    methods.zstd = [
      promisify(z.zstdCompress as (...args: unknown[]) => void) as Compress,
      { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } },
      z.createZstdCompress as Streaming,
    ];
  }
  const codings = (["br", "zstd", "gzip"] as const).filter((c) => methods[c] !== undefined);
  return {
    codings,
    async compress(bytes, coding) {
      const method = methods[coding];
      if (method === undefined) throw new TypeError(`Cannot compress with ${coding}`);
      const out = await method[0](bytes, method[1]);
      return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
    },
    compressStream(body, coding) {
      const method = methods[coding];
      if (method === undefined) throw new TypeError(`Cannot compress with ${coding}`);
      return zlibStream(body, method[2](streamOptions(coding, method[1])));
    },
  };
}

// A stream is compressed on every request: the faster levels (brotli 5,
// zstd 3, gzip 6, each its library's usual choice for traffic) keep a
// large file from costing more time than it saves.
function streamOptions(coding: ContentCoding, whole: object): object {
  if (coding === "br") return { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } };
  if (coding === "gzip") return { level: 6 };
  const level = (zlib.constants as unknown as Record<string, number>).ZSTD_c_compressionLevel;
  return level === undefined ? whole : { params: { [level]: 3 } };
}

/**
 * `body` through a zlib stream, pulled as the reader asks: one chunk of
 * input per pull, so a slow client holds back the file reads; cancelling
 * the result cancels `body` and frees the compressor.
 */
function zlibStream(body: ReadableStream<Uint8Array>, z: zlib.Gzip): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const output: Uint8Array[] = [];
  let ended = false;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  z.on("data", (chunk: Uint8Array) => {
    output.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    notify();
  });
  z.on("end", () => {
    ended = true;
    notify();
  });
  z.on("error", (error) => {
    failed = error;
    notify();
  });
  let input = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (output.length === 0 && !ended && failed === null) {
        if (input) {
          // All written: what is left comes with the end.
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const { done, value } = await reader.read();
        if (done) {
          input = true;
          z.end();
        } else {
          // The callback comes once zlib has taken the chunk in, its output
          // (if any) emitted: one chunk in flight at a time.
          await new Promise<void>((resolve) => z.write(value, () => resolve()));
        }
      }
      if (failed !== null) return controller.error(failed);
      if (output.length > 0) return controller.enqueue(output.shift()!);
      controller.close();
    },
    cancel(reason) {
      z.destroy();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
