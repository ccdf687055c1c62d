/**
 * The file-system port for Bun. Ranges up to 64 KiB are read at once; a
 * larger one is a stream over a descriptor opened and checked at once
 * (never a path that Bun would open again later, which a link swapped in
 * meanwhile could redirect), and the Bun adapter hands that descriptor to
 * Bun to send natively (`takeBunFileSource()`).
 *
 * @example Serving a folder with Bun.serve
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { bunFileSystem } from "@seed/fileserver/fs/bun";
 *
 * const handler = createFileHandler({ root: process.cwd(), fs: bunFileSystem() });
 * Bun.serve({ hostname: "127.0.0.1", port: 8000, fetch: handler });
 * ```
 *
 * @module
 */

import type { ByteRange, FileBody, FileSystem, OpenOptions } from "../core/fs.ts";
import { type DescriptorSource, NODE_LOOKUPS, openRange, takeDescriptor } from "./_node_fs.ts";
import { hashFile } from "./hash_file.ts";

/**
 * Creates the file-system port for Bun.
 *
 * @returns The port, to pass as `fs` to `createFileHandler()`.
 * @throws {TypeError} when not running on Bun.
 *
 * @example Outside Bun
 * ```ts
 * import assert from "node:assert/strict";
 * import { bunFileSystem } from "./bun.ts";
 *
 * if (!("Bun" in globalThis)) assert.throws(() => bunFileSystem(), TypeError);
 * ```
 */
export function bunFileSystem(): FileSystem {
  if (!("Bun" in globalThis)) {
    throw new TypeError("Cannot create Bun file system: not running on Bun");
  }
  return {
    ...NODE_LOOKUPS,
    open: (path: string, range: ByteRange, options: OpenOptions = {}): Promise<FileBody> =>
      openRange(path, range, options, CHUNK_SIZE),
    hash: hashFile,
  };
}

/** An open, checked file range that the Bun adapter may send natively. */
export type BunFileSource = DescriptorSource;

/**
 * Takes the open file behind a body made by {@linkcode bunFileSystem}, so
 * that the Bun adapter can have Bun send it (sendfile) instead of pulling
 * it through a web stream, which Bun 1.4.5 sends without its
 * Content-Length (oven-sh/bun#10507). The body must not be read
 * afterwards: the caller owns (and must close) the descriptor.
 *
 * @param body A response body.
 * @returns The file range, or `null` for any other body, or one already read.
 *
 * @example Any other body
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeBunFileSource } from "./bun.ts";
 *
 * assert.equal(takeBunFileSource(new Response("hi").body), null);
 * ```
 */
export function takeBunFileSource(body: ReadableStream<Uint8Array> | null): BunFileSource | null {
  return takeDescriptor(body);
}

// Reads of 1 MiB, as the Node bridge's, when the body is read in
// JavaScript (multipart parts, or a handler used without the adapter).
const CHUNK_SIZE = 1024 * 1024;
