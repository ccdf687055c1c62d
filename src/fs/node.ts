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

import { promises as fsp } from "node:fs";
import type { ByteRange, FileBody, FileSystem, OpenOptions } from "../core/fs.ts";
import {
  checkPlace,
  checkVersion,
  chunkedBody,
  lstatPath,
  openFlags,
  readDir,
  readSmallRange,
  realPath,
  realStat,
  SMALL_READ,
  staleOnLink,
  statPath,
} from "./_node_fs.ts";

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
  return { stat: statPath, lstat: lstatPath, realPath, realStat, readDir, open: openRange };
}

async function openRange(
  path: string,
  range: ByteRange,
  options: OpenOptions = {},
): Promise<FileBody> {
  if (range.end - range.start < SMALL_READ) return await readSmallRange(path, range, options);
  // The same checks as openChecked(), on an async handle that the Node
  // bridge can stream from.
  const handle = await fsp.open(path, openFlags(options)).catch(staleOnLink(options));
  try {
    const stats = await handle.stat();
    checkVersion(stats, options.expected);
    if (options.canonical) checkPlace(handle.fd, path, stats);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return rangeStream(handle, range);
}

/** An open file range that a Node server may send without web streams. */
export interface FileSource {
  /** The open handle; whoever takes the source must close it. */
  handle: fsp.FileHandle;
  /** First byte offset. */
  start: number;
  /** Last byte offset, inclusive. */
  end: number;
}

const sources = new WeakMap<ReadableStream<Uint8Array>, () => FileSource | null>();

/**
 * Takes the open file behind a body made by {@linkcode nodeFileSystem}, so
 * that a `node:http` bridge can pipe a file stream straight to the socket
 * instead of pulling through a web stream. The body must not be read
 * afterwards: the caller owns (and must close) the handle.
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
  if (body === null) return null;
  const take = sources.get(body);
  sources.delete(body);
  return take === undefined ? null : take();
}

function rangeStream(handle: fsp.FileHandle, range: ByteRange): ReadableStream<Uint8Array> {
  const { body, take } = chunkedBody(
    {
      read: async (buffer, position) =>
        (await handle.read(buffer, 0, buffer.byteLength, position)).bytesRead,
      close: () => handle.close(),
    },
    range,
    CHUNK_SIZE,
  );
  sources.set(body, () => take() ? { handle, start: range.start, end: range.end } : null);
  return body;
}
