/**
 * The file-system port for Deno: bodies are `Deno.FsFile.readable` streams,
 * which `Deno.serve` can send without copying through JavaScript.
 *
 * @example Serving a folder with Deno.serve
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { denoFileSystem } from "@seed/fileserver/fs/deno";
 *
 * const handler = createFileHandler({ root: Deno.cwd(), fs: denoFileSystem() });
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
 * ```
 *
 * @module
 */

import { closeSync } from "node:fs";
import type {
  ByteRange,
  DirEntry,
  FileBody,
  FileInfo,
  FileSystem,
  OpenOptions,
} from "../core/fs.ts";
import {
  chunkedBody,
  descriptorBody,
  fsError,
  openChecked,
  promised,
  provesPlaces,
  readDir as readCheckedDir,
  readSmallRange,
  realStat,
  sameVersion,
  SMALL_READ,
} from "./_node_fs.ts";
import { hashFile } from "./hash_file.ts";

/**
 * Creates the file-system port for Deno.
 *
 * @returns The port, to pass as `fs` to `createFileHandler()`.
 *
 * @example Reading metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoFileSystem } from "./deno.ts";
 *
 * if ("Deno" in globalThis) {
 *   const info = await denoFileSystem().stat(new URL(import.meta.url).pathname);
 *   assert.equal(info.kind, "file");
 * }
 * ```
 */
export function denoFileSystem(): FileSystem {
  return {
    stat: promised(statNow),
    lstat: promised(lstatNow),
    statSync: statNow,
    lstatSync: lstatNow,
    realPath: promised(Deno.realPathSync),
    realStat,
    readDir,
    open: openRange,
    hash: hashFile,
  };
}

function toFileInfo(info: Deno.FileInfo): FileInfo {
  const kind = info.isFile
    ? "file"
    : info.isDirectory
    ? "directory"
    : info.isSymlink
    ? "symlink"
    : "other";
  return {
    kind,
    size: kind === "file" ? info.size : 0,
    mtimeMs: info.mtime?.getTime() ?? null,
    // Whole seconds on Deno 2.9, which the cache's settling time allows for.
    ctimeMs: info.ctime?.getTime() ?? null,
    dev: info.dev ?? 0,
    ino: info.ino ?? 0,
  };
}

// Synchronous underneath, as in _node_fs.ts: Deno.stat's round trip costs
// about 25 times Deno.statSync's on the machines we measure.
const statNow = (path: string) => toFileInfo(Deno.statSync(path));
const lstatNow = (path: string) => toFileInfo(Deno.lstatSync(path));

// A canonical folder is read through node:fs, which can prove where it is
// (see _node_fs.ts).
async function readDir(path: string, options: OpenOptions = {}): Promise<DirEntry[]> {
  if (options.canonical) return await readCheckedDir(path, options);
  const entries: DirEntry[] = [];
  for await (const entry of Deno.readDir(path)) {
    entries.push({ name: entry.name, isSymlink: entry.isSymlink });
  }
  return entries;
}

async function openRange(
  path: string,
  range: ByteRange,
  options: OpenOptions = {},
): Promise<FileBody> {
  // Small ranges are read at once through node:fs, whose open() takes
  // O_NONBLOCK and O_NOFOLLOW (Deno.open takes neither).
  if (range.end - range.start < SMALL_READ) return await readSmallRange(path, range, options);
  // The file is opened and checked through node:fs first (never blocking on
  // a FIFO, proven to be the file at `path`). With /proc it is then opened
  // again as an FsFile through that descriptor, whose reads are faster, and
  // kept only if it is the same inode. Without /proc (Deno refuses it
  // without --allow-all) a second open could only go by path, where a FIFO
  // swapped in meanwhile would block it: the checked descriptor is read
  // through node:fs instead.
  const checked = openChecked(path, options);
  if (!provesPlaces()) {
    return descriptorBody(checked.fd, range, checked.stats.size, CHUNK_SIZE);
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(`/proc/self/fd/${checked.fd}`, { read: true });
  } finally {
    closeSync(checked.fd);
  }
  let size: number;
  try {
    const info = await file.stat();
    const now = toFileInfo(info);
    const same = now.ino === checked.stats.ino && now.dev === checked.stats.dev &&
      (options.expected === undefined || sameVersion(now, options.expected));
    if (now.kind !== "file" || !same) {
      throw fsError("ESTALE", "file changed since it was looked up");
    }
    size = info.size;
    if (range.start > 0) await file.seek(range.start, Deno.SeekMode.Start);
  } catch (error) {
    file.close();
    throw error;
  }
  return fileStream(file, { start: range.start, end: Math.min(range.end, size - 1) });
}

// Reads of 256 KiB. FsFile.readable is faster still, but Deno 2.9 sends it
// without JavaScript, so nothing could cut it when a grace period ends
// (src/fs/cuttable_body.ts). With chunks detached once sent, 256 KiB cost
// the server about half the CPU per byte that 1 MiB did (bench/README.md,
// "Large files on Deno").
const CHUNK_SIZE = 256 * 1024;

// Reads follow the FsFile's own position (sought to the range's start), so
// the position chunkedBody() passes is not needed.
function fileStream(file: Deno.FsFile, range: ByteRange): ReadableStream<Uint8Array> {
  return chunkedBody(
    {
      read: async (buffer) => (await file.read(buffer)) ?? 0,
      close: () => file.close(),
    },
    range,
    CHUNK_SIZE,
  ).body;
}
