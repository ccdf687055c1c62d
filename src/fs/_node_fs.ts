/**
 * The parts of the file-system port that Node and Bun share, through
 * `node:fs`, which both implement natively.
 *
 * Metadata calls are synchronous on purpose: on the machines we measure,
 * an async `stat` or `realpath` costs 40–70 µs of thread-pool round trip
 * against 2–6 µs for the same call made synchronously (bench/README.md),
 * and a static server makes two of them per request. They touch only
 * inode metadata, which the kernel answers from its caches.
 *
 * @module
 */

import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  promises as fsp,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import type { ByteRange, DirEntry, FileInfo } from "../core/fs.ts";

/** Ranges up to this size are read at once into memory instead of streamed. */
export const SMALL_READ = 64 * 1024;

/** Metadata of `path`, following symbolic links. */
export function statPath(path: string): Promise<FileInfo> {
  try {
    return Promise.resolve(toFileInfo(statSync(path)));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Metadata of `path` itself, not following a final symbolic link. */
export function lstatPath(path: string): Promise<FileInfo> {
  try {
    return Promise.resolve(toFileInfo(lstatSync(path)));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Converts `node:fs` stats into the port's shape. */
function toFileInfo(stats: Stats): FileInfo {
  const kind = stats.isFile()
    ? "file"
    : stats.isDirectory()
    ? "directory"
    : stats.isSymbolicLink()
    ? "symlink"
    : "other";
  return {
    kind,
    size: kind === "file" ? stats.size : 0,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    dev: stats.dev,
    ino: stats.ino,
  };
}

/**
 * Rejects an open file that is not the version `expected` describes (see
 * `FileSystem.open`): another inode, size or time means it was replaced or
 * written to after the core built its headers.
 */
export function checkVersion(stats: Stats, expected: FileInfo | undefined): void {
  if (!stats.isFile()) throw fsError("ENOENT", "not a regular file");
  if (expected !== undefined && !sameVersion(toFileInfo(stats), expected)) {
    throw fsError("ESTALE", "file changed since it was looked up");
  }
}

/** Whether two metadata records describe the same version of one file. */
export function sameVersion(a: FileInfo, b: FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs;
}

/** The canonical path of `path`. */
export function realPath(path: string): Promise<string> {
  try {
    // A missing path is the common failure (every 404), and a thrown error
    // is its dearest part: realpath's ENOENT costs 3 µs on Bun and 12 µs on
    // Node 24, a non-throwing lstat 1–2 µs.
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return Promise.reject(NOT_FOUND);
    return Promise.resolve(realpathSync.native(path));
  } catch (error) {
    return Promise.reject(error);
  }
}

// Shared: the core reads only its code, and a 404 is never reported.
const NOT_FOUND = Object.freeze(fsError("ENOENT", "no such file or directory"));

/** The entries of a directory. */
export async function readDir(path: string): Promise<DirEntry[]> {
  const entries = await fsp.readdir(path, { withFileTypes: true });
  return entries.map((entry) => ({ name: entry.name, isSymlink: entry.isSymbolicLink() }));
}

/**
 * Reads a small range at once. O_NONBLOCK: if a FIFO was swapped in after
 * stat, open() returns at once instead of waiting for a writer, and fstat
 * then refuses it. The file is checked against `expected` before the read
 * and again after it, so the bytes are one version of the file.
 */
export function readSmallRange(
  path: string,
  range: ByteRange,
  expected?: FileInfo,
): Promise<Uint8Array<ArrayBuffer>> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return Promise.reject(error);
  }
  try {
    const before = fstatSync(fd);
    checkVersion(before, expected);
    const length = range.end - range.start + 1;
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const read = readSync(fd, bytes, done, length - done, range.start + done);
      // Truncated since the fstat: nothing is sent yet, so the core can
      // look again and answer with the file as it is now.
      if (read === 0) throw fsError("ESTALE", "file shrank while being read");
      done += read;
    }
    // Written to while being read: the bytes may mix two versions.
    checkVersion(fstatSync(fd), expected ?? toFileInfo(before));
    return Promise.resolve(bytes);
  } catch (error) {
    return Promise.reject(error);
  } finally {
    closeSync(fd);
  }
}

/** An error shaped like the ones `node:fs` throws, for the core to classify. */
export function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}
