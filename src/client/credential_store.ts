/**
 * The protection spaces a client has authenticated to, so that later
 * requests into the same space send credentials without waiting for a 401.
 *
 * @module
 */

import type { Credentials } from "./credentials.ts";
import type { DigestChallenge } from "./digest.ts";

/** The Digest state of a space: the server's nonce and our count for it. */
export interface DigestState {
  /** The challenge being answered. */
  challenge: DigestChallenge;
  /** Our client nonce for this server nonce. */
  cnonce: string;
  /** The last nonce count sent (0 before the first request). */
  nc: number;
}

/**
 * A protection space (RFC 9110 §11.5): an origin and a realm, with the
 * credentials that answer it and where under the origin they apply.
 */
export interface Space {
  /** The origin, e.g. `http://127.0.0.1:8000`. */
  origin: string;
  /** The realm, "" when the challenge had none. */
  realm: string;
  /** The scheme the credentials are sent with. */
  scheme: "Basic" | "Digest";
  /** The credentials. */
  credentials: Credentials;
  /** For Digest, the nonce state; null for Basic. */
  digest: DigestState | null;
  /**
   * Path prefixes under the origin where credentials are sent before any
   * 401: for Basic the folders of the URLs that succeeded (RFC 7617 §2.2),
   * for Digest the challenge's `domain` on this origin or the whole origin
   * (RFC 7616 §3.3).
   */
  paths: string[];
}

/**
 * The key of a protection space.
 *
 * @param origin The origin.
 * @param realm The realm.
 * @returns A string that differs whenever either part does.
 *
 * @example Realms that could collide in a naive key
 * ```ts
 * import assert from "node:assert/strict";
 * import { spaceKey } from "./credential_store.ts";
 *
 * assert.notEqual(spaceKey("http://a.test", "x y"), spaceKey("http://a.test x", "y"));
 * ```
 */
export function spaceKey(origin: string, realm: string): string {
  return JSON.stringify([origin, realm]);
}

/**
 * The folder of a path, which Basic credentials then cover (RFC 7617
 * §2.2: "all paths at or deeper than the last symbolic element").
 *
 * @param pathname A URL path.
 * @returns The path up to and including its last `/`.
 *
 * @example A file and a folder
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderOf } from "./credential_store.ts";
 *
 * assert.equal(folderOf("/docs/a.html"), "/docs/");
 * assert.equal(folderOf("/docs"), "/");
 * ```
 */
export function folderOf(pathname: string): string {
  return pathname.slice(0, pathname.lastIndexOf("/") + 1) || "/";
}

/**
 * A client's spaces. Credentials are chosen per request by its URL, and a
 * space is only ever used on its own origin.
 *
 * @example Basic credentials cover the folder of the URL that succeeded
 * ```ts
 * import assert from "node:assert/strict";
 * import { CredentialStore } from "./credential_store.ts";
 *
 * const store = new CredentialStore();
 * store.remember({
 *   origin: "http://a.test", realm: "r", scheme: "Basic",
 *   credentials: { username: "u", password: "p" }, digest: null, paths: [],
 * }, new URL("http://a.test/docs/a.html"));
 * assert.equal(store.lookup(new URL("http://a.test/docs/b/c"))?.realm, "r");
 * assert.equal(store.lookup(new URL("http://a.test/other")), undefined);
 * assert.equal(store.lookup(new URL("http://b.test/docs/a.html")), undefined);
 * ```
 */
export class CredentialStore {
  #spaces = new Map<string, Space>();

  /**
   * The space whose paths cover `url` on its origin, the longest prefix
   * winning.
   *
   * @param url The request URL.
   * @returns The space, if any.
   */
  lookup(url: URL): Space | undefined {
    let found: Space | undefined;
    let length = -1;
    for (const space of this.#spaces.values()) {
      if (space.origin !== url.origin) continue;
      for (const path of space.paths) {
        if (path.length > length && url.pathname.startsWith(path)) {
          found = space;
          length = path.length;
        }
      }
    }
    return found;
  }

  /**
   * Keeps `space` after a request to `url` carrying its credentials got an
   * answer other than 401.
   *
   * @param space The space.
   * @param url The URL that succeeded.
   */
  remember(space: Space, url: URL): void {
    const key = spaceKey(space.origin, space.realm);
    const known = this.#spaces.get(key);
    if (known !== undefined && known !== space && sameCredentials(known, space)) {
      space.paths = shortestPrefixes([...space.paths, ...known.paths]);
    }
    if (space.scheme === "Basic") addPath(space, folderOf(url.pathname));
    this.#spaces.set(key, space);
  }

  /**
   * Drops the space of `origin` and `realm` (its credentials were refused).
   *
   * @param origin The origin.
   * @param realm The realm.
   */
  forget(origin: string, realm: string): void {
    this.#spaces.delete(spaceKey(origin, realm));
  }
}

function sameCredentials(a: Space, b: Space): boolean {
  return a.scheme === b.scheme && a.credentials.username === b.credentials.username &&
    a.credentials.password === b.credentials.password;
}

// The paths that no other path in `paths` is a prefix of: what addPath()
// keeps, found with one sort instead of a scan per path, since a Digest
// `domain` may list any number of URIs (merging 32,000 one by one took
// seconds). Once sorted, a path is covered by a kept prefix only if it is
// covered by the last one kept.
function shortestPrefixes(paths: readonly string[]): string[] {
  const kept: string[] = [];
  for (const path of paths.toSorted()) {
    if (kept.length === 0 || !path.startsWith(kept[kept.length - 1])) kept.push(path);
  }
  return kept;
}

function addPath(space: Space, path: string): void {
  if (space.paths.some((known) => path.startsWith(known))) return;
  space.paths = [...space.paths.filter((known) => !known.startsWith(path)), path];
}
