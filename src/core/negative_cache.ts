/**
 * The negative cache: URL paths known to name nothing, each answered 404
 * only after one `lstat` shows that the folder where the path stops is
 * still the version in which its next name was seen missing.
 *
 * @module
 */

import { sameVersion } from "./file_cache.ts";
import type { FileInfo, FileSystem } from "./fs.ts";

/**
 * What makes a path name nothing: the deepest folder on it that exists,
 * and that folder's version when the next name was seen missing from it
 * (see `observeAbsence()`).
 */
export interface Absence {
  /** The folder's path under the root's real path. */
  folder: string;
  /** Its version (a real directory, not a link) when the name was missing. */
  info: FileInfo;
}

/**
 * Longer URL paths are not kept: scanners send paths of kilobytes, and a
 * site's own missing paths (old links, `favicon.ico`) are far shorter. At
 * this length an entry, with its folder's path and metadata, holds about
 * 1.5 KiB at most.
 */
export const MAX_ABSENT_KEY_LENGTH = 512;

interface Slot {
  absence: Absence;
  used: boolean;
}

/**
 * A bounded map from URL path to {@linkcode Absence}, evicting by the
 * second-chance clock, as `FileCache` does.
 *
 * Why one `lstat` is enough: a folder's ctime and mtime move whenever an
 * entry is added, removed or renamed in it, and a folder renamed or
 * replaced is another inode or another ctime. When the path of the folder
 * leads (through whatever ancestors) to that very version, any name under
 * it resolves in it, and the name is still missing; the answer is 404
 * under every symlink policy, so the ancestors need no check of their own.
 *
 * @example A kept path, until its folder changes
 * ```ts
 * import assert from "node:assert/strict";
 * import { NegativeCache } from "./negative_cache.ts";
 * import type { FileInfo, FileSystem } from "./fs.ts";
 *
 * let folder: FileInfo = { kind: "directory", size: 0, mtimeMs: 1, ctimeMs: 1, dev: 1, ino: 2 };
 * const fs = { lstat: () => Promise.resolve(folder) } as unknown as FileSystem;
 * const cache = new NegativeCache(4096);
 * cache.set("/favicon.ico", { folder: "/srv/www", info: folder });
 * assert.equal(await cache.has("/favicon.ico", fs), true);
 * folder = { ...folder, mtimeMs: 2, ctimeMs: 2 };
 * assert.equal(await cache.has("/favicon.ico", fs), false);
 * ```
 */
export class NegativeCache {
  #maxEntries: number;
  #slots = new Map<string, Slot>();

  /**
   * Makes an empty cache.
   *
   * @param maxEntries The most paths held at once.
   */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The number of paths held. */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * Whether an entry is held for `key`, unchecked: lets a caller skip
   * {@linkcode NegativeCache.has}'s await when there is none.
   */
  holds(key: string): boolean {
    return this.#slots.has(key);
  }

  /**
   * Whether `key` still names nothing, checked now through `fs`; an entry
   * whose folder changed, vanished or cannot be read is dropped.
   */
  async has(key: string, fs: FileSystem): Promise<boolean> {
    const now = this.hasNow(key, fs);
    if (now !== undefined) return now;
    const slot = this.#slots.get(key)!;
    let current = false;
    try {
      current = sameVersion(await fs.lstat(slot.absence.folder), slot.absence.info);
    } catch {
      // Vanished or unreadable: the full path gives the right status.
    }
    return this.#settle(key, slot, current);
  }

  /**
   * {@linkcode NegativeCache.has}, at once when the port has `lstatSync`;
   * `undefined` when it has not and only `has()` can tell.
   */
  hasNow(key: string, fs: FileSystem): boolean | undefined {
    if (key.length > MAX_ABSENT_KEY_LENGTH) return false;
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    if (fs.lstatSync === undefined) return undefined;
    let current = false;
    try {
      current = sameVersion(fs.lstatSync(slot.absence.folder), slot.absence.info);
    } catch {
      // Vanished or unreadable: the full path gives the right status.
    }
    return this.#settle(key, slot, current);
  }

  #settle(key: string, slot: Slot, current: boolean): boolean {
    if (current) {
      slot.used = true;
      return true;
    }
    if (this.#slots.get(key) === slot) this.#slots.delete(key);
    return false;
  }

  /** Keeps `absence` under `key`, unless the key is over {@linkcode MAX_ABSENT_KEY_LENGTH}. */
  set(key: string, absence: Absence): void {
    if (key.length > MAX_ABSENT_KEY_LENGTH || this.#maxEntries === 0) return;
    this.#slots.delete(key);
    while (this.#slots.size >= this.#maxEntries) this.#evictOne();
    this.#slots.set(key, { absence, used: false });
  }

  // The oldest entry not used since it was last passed over; used ones get
  // a second chance at the back of the line. Ends within two passes.
  #evictOne(): void {
    for (const [key, slot] of this.#slots) {
      this.#slots.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.#slots.set(key, slot);
    }
  }
}
