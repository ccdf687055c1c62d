/**
 * The file-system port for Node, over `node:fs` file handles.
 *
 * @example Serving a folder with node:http
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { nodeFileSystem } from "@seed/fileserver/fs/node";
 *
 * const handler = createFileHandler({ root: process.cwd(), fs: nodeFileSystem() });
 * ```
 *
 * @module
 */

import type { ByteRange, FileBody, FileSystem, OpenOptions } from "../core/fs.ts";
import { type DescriptorSource, NODE_LOOKUPS, openRange, takeDescriptor } from "./_node_fs.ts";
import { hashFile } from "./hash_file.ts";

// 64 KiB reads: large enough to amortise a syscall, small enough that a slow
// reader holds little memory per connection.
const CHUNK_SIZE = 64 * 1024;

/**
 * Creates the file-system port for Node.
 *
 * @returns The port, to pass as `fs` to `createFileHandler()`.
 *
 * @example Reading a byte range
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeFileSystem } from "./node.ts";
 *
 * const fs = nodeFileSystem();
 * const info = await fs.stat(import.meta.filename!);
 * assert.equal(info.kind, "file");
 * ```
 */
export function nodeFileSystem(): FileSystem {
  return { ...NODE_LOOKUPS, open, hash: hashFile };
}

function open(path: string, range: ByteRange, options: OpenOptions = {}): Promise<FileBody> {
  return openRange(path, range, options, CHUNK_SIZE);
}

/** An open file range that a Node server may send without web streams. */
export type FileSource = DescriptorSource;

/**
 * Takes the open file behind a body made by {@linkcode nodeFileSystem}, so
 * that a `node:http` bridge can write it straight to the socket instead of
 * pulling through a web stream. The body must not be read afterwards: the
 * caller owns (and must close) the descriptor.
 *
 * @param body A response body.
 * @returns The file range, or `null` for any other body, or one already read.
 *
 * @example Any other body
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeFileSource } from "./node.ts";
 *
 * assert.equal(takeFileSource(new Response("hi").body), null);
 * ```
 */
export function takeFileSource(body: ReadableStream<Uint8Array> | null): FileSource | null {
  return takeDescriptor(body);
}
