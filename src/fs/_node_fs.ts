/**
 * The parts of the file-system port that Node and Bun share: metadata and
 * directory reads through `node:fs`, which both implement natively.
 *
 * @module
 */

import { promises as fsp, type Stats } from "node:fs";
import type { DirEntry, FileInfo } from "../core/fs.ts";

/** Metadata of `path`, following symbolic links. */
export async function statPath(path: string): Promise<FileInfo> {
  return toFileInfo(await fsp.stat(path));
}

/** Converts `node:fs` stats into the port's shape. */
export function toFileInfo(stats: Stats): FileInfo {
  const kind = stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
  return { kind, size: kind === "file" ? stats.size : 0, mtimeMs: stats.mtimeMs };
}

/** The canonical path of `path`. */
export function realPath(path: string): Promise<string> {
  return fsp.realpath(path);
}

/** The entries of a directory. */
export async function readDir(path: string): Promise<DirEntry[]> {
  const entries = await fsp.readdir(path, { withFileTypes: true });
  return entries.map((entry) => ({ name: entry.name, isSymlink: entry.isSymbolicLink() }));
}

/** An error shaped like the ones `node:fs` throws, for the core to classify. */
export function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}
