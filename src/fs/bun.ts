/**
 * The file-system port for Bun: ranges over 64 KiB are
 * `Bun.file(...).slice(...)` blobs, which `Bun.serve` sends with
 * sendfile(2); smaller ones are read at once.
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
import {
  fsError,
  lstatPath,
  readDir,
  readSmallRange,
  realPath,
  realStat,
  sameVersion,
  SMALL_READ,
  statPath,
} from "./_node_fs.ts";

// The one Bun API used here, declared locally so that type-checking this
// module does not need Bun's global types.
interface BunGlobal {
  file(path: string): Blob;
}

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
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun === undefined) {
    throw new TypeError("Cannot create Bun file system: not running on Bun");
  }
  return {
    stat: statPath,
    lstat: lstatPath,
    realPath,
    realStat,
    readDir,
    async open(path: string, range: ByteRange, options: OpenOptions = {}): Promise<FileBody> {
      if (range.end - range.start < SMALL_READ) return await readSmallRange(path, range, options);
      const expected = options.expected;
      // Bun.file() opens lazily, at send time; check now that the path is
      // still a regular file of the expected version, so that a FIFO or a
      // deleted file is a 404. A file replaced between this check and the
      // send is the one window left: Bun 1.4.5 resets the connection when a
      // Bun.file() made from a descriptor is sliced, so the body cannot be
      // pinned to the descriptor checked here.
      const info = await statPath(path);
      if (info.kind !== "file") throw fsError("ENOENT", "not a regular file");
      if (expected !== undefined && !sameVersion(info, expected)) {
        throw fsError("ESTALE", "file changed since it was looked up");
      }
      return bun.file(path).slice(range.start, range.end + 1);
    },
  };
}
