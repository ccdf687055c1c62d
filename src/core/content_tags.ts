/**
 * Entity tags from a file's bytes (`etag: "content"`): equal on every
 * replica that holds the same bytes, whatever the times a copy gave them.
 *
 * @module
 */

import type { FileInfo, FileSystem, OpenOptions } from "./fs.ts";
import { sameVersion, SETTLE_MS } from "./file_cache.ts";

/**
 * Versions whose tags are kept: 10,000 entries of about 200 bytes each
 * (path included), some 2 MB at most.
 */
export const MAX_CONTENT_TAGS = 10_000;

/**
 * Files up to this size (what the ports read at once) are hashed from the
 * bytes read for the first answer, with the web's `crypto.subtle`: one read
 * serves the hash, the body and the small-file cache. Larger ones go
 * through the port's incremental `hash()`.
 */
export const MAX_READ_HASHED = 64 * 1024;

/** A tag, and the whole file when it was read to make it. */
export interface Tagged {
  /** The quoted entity tag. */
  etag: string;
  /** The bytes hashed (a file up to {@linkcode MAX_READ_HASHED}), or `null`. */
  bytes: Uint8Array<ArrayBuffer> | null;
}

/**
 * Bytes of the SHA-256 digest that go into a tag: 128 bits, 22 base64url
 * characters, as collision-proof for a site's files as the whole digest.
 */
export const TAG_DIGEST_BYTES = 16;

/**
 * The strong entity tag of a SHA-256 digest: its first
 * {@linkcode TAG_DIGEST_BYTES} bytes in base64url, quoted.
 *
 * @param digest A SHA-256 digest (32 bytes).
 * @returns The quoted entity tag.
 *
 * @example The tag of the empty file
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentEtag } from "./content_tags.ts";
 *
 * const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(0)));
 * assert.equal(contentEtag(digest), '"47DEQpj8HBSa-_TImW-5JA"');
 * ```
 */
export function contentEtag(digest: Uint8Array): string {
  let binary = "";
  for (const byte of digest.subarray(0, TAG_DIGEST_BYTES)) binary += String.fromCharCode(byte);
  const base64 = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `"${base64}"`;
}

/**
 * The content tags of one handler: each file version (path, device, inode,
 * size, mtime, ctime: what the small-file cache calls a version) is hashed
 * once, through the port's `hash()`, and its tag kept in a bounded map
 * (least recently used out first). Requests that arrive while a version is
 * being hashed wait for that one computation. A version changed less than
 * `SETTLE_MS` ago is hashed for each request and not kept.
 */
export class ContentTags {
  #fs: FileSystem;
  #hash: NonNullable<FileSystem["hash"]>;
  #max: number;
  #tags = new Map<string, Promise<string>>();

  /**
   * @param fs A port with `hash()`.
   * @param max The most versions kept.
   */
  constructor(fs: FileSystem, max = MAX_CONTENT_TAGS) {
    this.#fs = fs;
    this.#hash = fs.hash!.bind(fs);
    this.#max = max;
  }

  /**
   * The tag of the version `info` of the file at `path`, hashed now unless
   * known. Rejects with `ESTALE` when the file is no longer that version
   * after it was read, so that no tag ever names bytes it was not made
   * from (the handler then looks the file up again).
   */
  async tag(path: string, info: FileInfo, options: OpenOptions): Promise<Tagged> {
    // A version changed within the file system's timestamp granularity
    // (whole seconds for Deno 2.9's ctime) may be followed by another with
    // the very same metadata: its tag is neither kept nor shared until it
    // has been still for SETTLE_MS, as the small-file cache does.
    const changed = info.ctimeMs ?? info.mtimeMs;
    if (changed === null || Date.now() - changed <= SETTLE_MS) {
      return this.#make(path, info, options);
    }
    const key = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${path}`;
    const known = this.#tags.get(key);
    if (known !== undefined) {
      // Least recently used goes first: a hit moves to the back.
      this.#tags.delete(key);
      this.#tags.set(key, known);
      return { etag: await known, bytes: null };
    }
    const made = this.#make(path, info, options);
    // Those who share the computation get the tag; the bytes are this
    // request's body alone.
    const etag = made.then((tagged) => tagged.etag);
    this.#tags.set(key, etag);
    if (this.#tags.size > this.#max) this.#tags.delete(this.#tags.keys().next().value!);
    etag.catch(() => {
      if (this.#tags.get(key) === etag) this.#tags.delete(key);
    });
    return await made;
  }

  async #make(path: string, info: FileInfo, options: OpenOptions): Promise<Tagged> {
    const checked = { ...options, expected: info };
    let bytes: Uint8Array<ArrayBuffer> | null = null;
    let digest: Uint8Array;
    if (info.size <= MAX_READ_HASHED) {
      const body = info.size === 0
        ? new Uint8Array(0)
        : await this.#fs.open(path, { start: 0, end: info.size - 1 }, checked);
      bytes = body instanceof Uint8Array
        ? body
        : new Uint8Array(await new Response(body).arrayBuffer());
      digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    } else {
      digest = await this.#hash(path, checked);
    }
    // The port checks the descriptor it read; this checks the path as well,
    // so that a port without that check, or a file renamed over meanwhile,
    // never leaves the old tag on the new bytes.
    const now = await this.#fs.stat(path);
    if (!sameVersion(now, info)) {
      throw Object.assign(new Error("ESTALE: file changed while being hashed"), { code: "ESTALE" });
    }
    return { etag: contentEtag(digest), bytes };
  }
}
