/**
 * The `hash()` of the file-system ports: SHA-256 over `node:crypto`, which
 * Deno, Bun and Node all provide, fed from a checked descriptor (web
 * crypto has no incremental digest, and a 1 GiB file must not be held in
 * memory to hash it).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { closeSync, fstatSync } from "node:fs";
import type { OpenOptions } from "../core/fs.ts";
import { checkVersion, clockAt, openChecked, readAt, toFileInfo } from "./_node_fs.ts";

// 256 KiB reads: four times the bodies' chunk, since nothing waits on a
// socket between them.
const HASH_CHUNK = 256 * 1024;

/**
 * The SHA-256 digest of the whole regular file at `path`, opened and
 * checked as `FileSystem.open` opens (`options.expected`, `canonical`,
 * `notBefore`), read in chunks off the main thread, and checked again after
 * the last read: a file written to meanwhile rejects with `ESTALE`.
 *
 * @param path The file's absolute path.
 * @param options As for `FileSystem.open`.
 * @returns The 32-byte digest.
 *
 * @example Hashing this very file
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashFile } from "./hash_file.ts";
 *
 * const digest = await hashFile(new URL(import.meta.url).pathname);
 * assert.equal(digest.byteLength, 32);
 * ```
 */
export async function hashFile(path: string, options: OpenOptions = {}): Promise<Uint8Array> {
  const { fd, stats } = openChecked(path, options);
  try {
    if (options.notBefore !== undefined) await clockAt(options.notBefore);
    const hash = createHash("sha256");
    const buffer = new Uint8Array(Math.min(HASH_CHUNK, Math.max(stats.size, 1)));
    let position = 0;
    while (position < stats.size) {
      const count = await readAt(fd, buffer, position);
      if (count === 0) break;
      hash.update(buffer.subarray(0, count));
      position += count;
    }
    // Shorter or longer than its size, or any write since the open (which
    // moves mtime and ctime): the digest is of no one version.
    const after = fstatSync(fd);
    if (position !== stats.size) throw staleError();
    checkVersion(after, options.expected ?? toFileInfo(stats));
    return new Uint8Array(hash.digest());
  } finally {
    closeSync(fd);
  }
}

function staleError(): Error {
  return Object.assign(new Error("ESTALE: file changed while being hashed"), { code: "ESTALE" });
}
