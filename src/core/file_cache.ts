/**
 * The small-file cache: whole files with their answers ready, each served
 * only after one metadata call per path component shows the file is still
 * the version that was read.
 *
 * @module
 */

import type { FileInfo, FileSystem } from "./fs.ts";

/** How much the cache may hold. */
export interface FileCacheLimits {
  /**
   * The most memory held at once, in bytes: each file counts twice its size
   * (its bytes, and the ready answer that holds a copy of them).
   * @default {33554432} (32 MiB)
   */
  maxBytes?: number;
  /**
   * The most files held at once; also the most paths the negative cache
   * holds as known to name nothing.
   * @default {4096}
   */
  maxFiles?: number;
}

/** How a cached path is checked before each use. */
export interface CachedLookup {
  /**
   * The directories between the root and the file, each of which must still
   * be a directory and not a link (`lstat`). Empty when `follow` is set.
   */
  directories: readonly string[];
  /** The file's path: `lstat`ed, or `stat`ed when `follow` is set. */
  path: string;
  /** Whether links are followed (the `"always"` policy): then only `stat`. */
  follow: boolean;
  /**
   * Other paths whose version the answer depends on, checked the same way
   * (`lstat`, or `stat` when `follow` is set): for a precompressed sidecar,
   * the original file (a newer one makes the sidecar stale) and the folder
   * (whose times move when a sidecar appears, goes or is renamed).
   */
  guards?: ReadonlyArray<{ path: string; info: FileInfo }>;
}

/** One cached file: its version, its bytes and its two header sets. */
export interface CachedFile extends CachedLookup {
  /** The version that was read. */
  info: FileInfo;
  /** The whole file. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The entity tag, or `null` for none. */
  etag: string | null;
  /** Last-Modified in whole seconds, or `null`. */
  lastModified: number | null;
  /** Headers of a 200, Content-Length included. */
  headers: ReadonlyArray<[string, string]>;
  /** Headers of a 304. */
  notModifiedHeaders: ReadonlyArray<[string, string]>;
  /** Each answer as a `Response` to clone, built on first use. */
  responses: { get?: Response; head?: Response; notModified?: Response };
}

/**
 * A file changed this recently may change again within the file system's
 * timestamp granularity (coarse kernel clock ticks, whole seconds on Deno
 * 2.9's `ctime`, two seconds on FAT) without its metadata showing it, so
 * it is not cached until it has been still for this long. Git's index has
 * the same "racily clean" rule.
 */
export const SETTLE_MS = 2000;

interface Slot {
  file: CachedFile;
  used: boolean;
}

/**
 * A bounded map from URL path to {@linkcode CachedFile}, evicting by the
 * second-chance clock (cheap on every hit: one flag set, no reordering).
 */
export class FileCache {
  #maxBytes: number;
  #maxFiles: number;
  #slots = new Map<string, Slot>();
  #bytes = 0;

  constructor(limits: Required<FileCacheLimits>) {
    this.#maxBytes = limits.maxBytes;
    this.#maxFiles = limits.maxFiles;
  }

  /**
   * The entry for `key` if the file it names is still the version read,
   * checked now through `fs`; a changed or vanished file is dropped.
   */
  async get(key: string, fs: FileSystem): Promise<CachedFile | null> {
    const now = this.getNow(key, fs);
    if (now !== undefined) return now;
    const slot = this.#slots.get(key);
    if (slot === undefined) return null;
    const file = slot.file;
    let current = false;
    try {
      // A port without synchronous lookups: each lookup is made first, then
      // judged as getNow() judges them.
      const infos = await Promise.all(
        lookups(file).map(([path, follow]) => follow ? fs.stat(path) : fs.lstat(path)),
      );
      let next = 0;
      current = isCurrent(file, () => infos[next++]);
    } catch {
      // Vanished or unreadable: the full path gives the right status.
    }
    return this.#settle(key, slot, current);
  }

  /**
   * {@linkcode FileCache.get}, at once, when the port has synchronous
   * lookups (`lstatSync`, and `statSync` for followed links); `undefined`
   * when it has not and only `get()` can tell.
   */
  getNow(key: string, fs: FileSystem): CachedFile | null | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return null;
    if (fs.lstatSync === undefined || fs.statSync === undefined) return undefined;
    let current = false;
    try {
      current = isCurrent(
        slot.file,
        (path, follow) => follow ? fs.statSync!(path) : fs.lstatSync!(path),
      );
    } catch {
      // Vanished or unreadable: the full path gives the right status.
    }
    return this.#settle(key, slot, current);
  }

  #settle(key: string, slot: Slot, current: boolean): CachedFile | null {
    if (current) {
      slot.used = true;
      return slot.file;
    }
    if (this.#slots.get(key) === slot) this.delete(key);
    return null;
  }

  /**
   * Keeps `file` under `key` when it is small enough and settled (see
   * {@linkcode SETTLE_MS}); `now` is the time its bytes were read.
   */
  set(key: string, file: CachedFile, now: number): void {
    if (!isSettled(file.info, now)) return;
    if (file.guards?.some((guard) => !isSettled(guard.info, now))) return;
    const size = footprint(file);
    if (size > this.#maxBytes) return;
    this.delete(key);
    while (this.#slots.size >= this.#maxFiles || this.#bytes + size > this.#maxBytes) {
      this.#evictOne();
    }
    this.#slots.set(key, { file, used: false });
    this.#bytes += size;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#bytes -= footprint(slot.file);
  }

  // The oldest entry not used since it was last passed over; used ones get
  // a second chance at the back of the line. Ends within two passes.
  #evictOne(): void {
    for (const [key, slot] of this.#slots) {
      this.#slots.delete(key);
      if (slot.used) {
        slot.used = false;
        this.#slots.set(key, slot);
      } else {
        this.#bytes -= footprint(slot.file);
        return;
      }
    }
  }
}

/**
 * Whether an entry has been still for longer than {@linkcode SETTLE_MS} at
 * `now`, so that a later change cannot hide behind the same timestamp.
 *
 * @param info The entry's metadata.
 * @param now The time of the observation, in milliseconds since the epoch.
 * @returns `false` also when the entry has no time at all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSettled, SETTLE_MS } from "./file_cache.ts";
 *
 * const info = { kind: "file", size: 0, mtimeMs: 0, ctimeMs: 1000, dev: 1, ino: 2 } as const;
 * assert.equal(isSettled(info, 1000 + SETTLE_MS + 1), true);
 * assert.equal(isSettled(info, 1000 + SETTLE_MS), false);
 * ```
 */
export function isSettled(info: FileInfo, now: number): boolean {
  const changed = info.ctimeMs ?? info.mtimeMs;
  return changed !== null && now - changed > SETTLE_MS;
}

// What a hit looks up, in order, and whether it follows links: each folder
// along the way, the file, then each guard.
function lookups(file: CachedFile): Array<[path: string, follow: boolean]> {
  const paths: Array<[string, boolean]> = file.directories.map((path) => [path, false]);
  paths.push([file.path, file.follow]);
  for (const guard of file.guards ?? []) paths.push([guard.path, file.follow]);
  return paths;
}

// Whether the path still leads, through real directories, to the very
// version that was read, with `look` giving each of lookups() in turn. Any
// write, truncation, rename, link change or permission change moves ctime
// (and a replacement changes the inode), and any entry added, removed or
// swapped for a link along the way changes what lstat sees. This runs on
// every hit.
function isCurrent(file: CachedFile, look: (path: string, follow: boolean) => FileInfo): boolean {
  for (const directory of file.directories) {
    if (look(directory, false).kind !== "directory") return false;
  }
  if (!sameVersion(look(file.path, file.follow), file.info)) return false;
  if (file.guards === undefined) return true;
  for (const guard of file.guards) {
    if (!sameVersion(look(guard.path, file.follow), guard.info)) return false;
  }
  return true;
}

// The bytes are held twice: once as bytes, and once inside the GET answer
// built from them (a Response copies its body).
function footprint(file: CachedFile): number {
  return 2 * file.bytes.byteLength;
}

/**
 * Whether two metadata records describe the same version of one file.
 *
 * @param a One record.
 * @param b The other.
 * @returns `true` when inode, device, size and both times agree.
 */
export function sameVersion(a: FileInfo, b: FileInfo): boolean {
  return a.kind === b.kind && a.ino === b.ino && a.dev === b.dev && a.size === b.size &&
    a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
