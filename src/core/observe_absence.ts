/**
 * Seeing, in one self-consistent observation, that a path under the root
 * names nothing: what the negative cache may keep.
 *
 * @module
 */

import { isSettled, sameVersion } from "./file_cache.ts";
import type { FileInfo, FileSystem } from "./fs.ts";
import { joinPath } from "./locate.ts";
import type { Absence } from "./negative_cache.ts";

/** Where to look, and how. */
export interface AbsenceOptions {
  /** The port. */
  fs: FileSystem;
  /** The time the observation starts, in milliseconds since the epoch. */
  now: number;
  /**
   * A name that must be missing beside the last segment too: the page
   * `name.html` that clean URLs would serve for a missing `name`.
   */
  sibling?: string;
}

/**
 * Walks from `root` down `segments` with `lstat` and returns the deepest
 * folder that exists with its version, when the next name is missing from
 * it; or `null` when the walk sees anything else: a link, a file or other
 * entry in the middle, an error other than ENOENT, the whole path existing
 * (it may have appeared since the lookup), a folder changed too recently to
 * trust its times (see `SETTLE_MS`), or any folder on the way changed during
 * the walk.
 *
 * Each folder is read before the name below it is seen missing and read
 * again after: unchanged (and settled) in between, each folder held the
 * same entries at the moment the name was missing, so that moment's lookup
 * went through these very folders. A check of the deepest one alone later
 * then proves the name still missing (see `NegativeCache`).
 *
 * @param root The root's real path (no link in it).
 * @param segments The decoded segments under the root.
 * @param options The port, the time, and the clean-URL sibling.
 * @returns The absence to keep, or `null` to keep nothing.
 *
 * @example A missing file in an existing folder
 * ```ts
 * import assert from "node:assert/strict";
 * import { observeAbsence } from "./observe_absence.ts";
 * import type { FileInfo, FileSystem } from "./fs.ts";
 *
 * const folder: FileInfo = { kind: "directory", size: 0, mtimeMs: 0, ctimeMs: 0, dev: 1, ino: 2 };
 * const enoent = () => Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
 * const lstat = (path: string) => path === "/srv" ? Promise.resolve(folder) : enoent();
 * const fs = { lstat } as unknown as FileSystem;
 * const absence = await observeAbsence("/srv", ["a.txt"], { fs, now: Date.now() });
 * assert.deepEqual(absence, { folder: "/srv", info: folder });
 * ```
 */
export async function observeAbsence(
  root: string,
  segments: readonly string[],
  options: AbsenceOptions,
): Promise<Absence | null> {
  const { fs, now } = options;
  const paths = [root];
  const versions: FileInfo[] = [];
  try {
    for (let depth = 0;; depth++) {
      const info = await absentOrInfo(fs, paths[depth]);
      if (info === null) {
        // The root itself, or the whole path, is not what was asked about.
        if (depth === 0) return null;
        break;
      }
      if (depth === segments.length) return null;
      if (info.kind !== "directory" || !isSettled(info, now)) return null;
      versions.push(info);
      paths.push(joinPath(root, segments.slice(0, depth + 1)));
    }
    const folder = versions.length - 1;
    // Clean URLs would serve `name.html` from the same folder: it must be
    // missing too. A folder higher up holds neither.
    if (options.sibling !== undefined && folder === segments.length - 1) {
      if (await absentOrInfo(fs, joinPath(paths[folder], [options.sibling])) !== null) return null;
    }
    for (let depth = 0; depth <= folder; depth++) {
      if (!sameVersion(await fs.lstat(paths[depth]), versions[depth])) return null;
    }
    return { folder: paths[folder], info: versions[folder] };
  } catch {
    // Unreadable, or not a folder: nothing is known.
    return null;
  }
}

// The entry's metadata, or null when there is none (ENOENT); any other
// failure (ENOTDIR, EACCES, ELOOP...) is thrown.
async function absentOrInfo(fs: FileSystem, path: string): Promise<FileInfo | null> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === "ENOENT") return null;
    throw error;
  }
}
