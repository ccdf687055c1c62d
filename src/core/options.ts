/**
 * The options of {@linkcode createFileHandler}, validated once at
 * construction.
 *
 * @module
 */

import type { FileSystem } from "./fs.ts";
import type { FileCacheLimits } from "./file_cache.ts";
import { defaultOnError } from "./default_on_error.ts";
import { type CacheControlOptions, type CachePolicy, createCachePolicy } from "./cache_policy.ts";
import { CONTENT_CODINGS, type ContentCoding } from "./accept_encoding.ts";
import type { Compressor } from "./compression.ts";

/** How dotfiles (names starting with `.`) are treated. */
export type DotfilePolicy = "ignore" | "deny" | "allow";

/** Which symbolic links are followed. */
export type SymlinkPolicy = "inside" | "always" | "never";

/** Options of {@linkcode createFileHandler}. */
export interface FileHandlerOptions {
  /** The folder to serve: an absolute path. */
  root: string;
  /** The runtime's file system, e.g. `denoFileSystem()` from `@seed/fileserver/fs/deno`. */
  fs: FileSystem;
  /**
   * A URL path prefix under which the root is served, such as `/static`.
   * Requests outside it get 404.
   * @default {""}
   */
  urlRoot?: string;
  /**
   * The files tried, in order, for a directory URL; `false` or `[]` for none.
   * @default {["index.html"]}
   */
  index?: readonly string[] | false;
  /**
   * Whether a directory without an index file is listed (HTML, or JSON when
   * the client prefers `application/json`).
   * @default {false}
   */
  listing?: boolean;
  /**
   * Dotfiles: `"ignore"` answers 404, `"deny"` 403, `"allow"` serves them.
   * `/.well-known/` is always served.
   * @default {"ignore"}
   */
  dotfiles?: DotfilePolicy;
  /**
   * Symbolic links: `"inside"` follows a link only when its real path stays
   * under the root's real path, `"never"` follows none, `"always"` follows
   * every link (the root's own path may still be a link in every mode).
   * @default {"inside"}
   */
  symlinks?: SymlinkPolicy;
  /**
   * Extra headers on every file, listing and 304 response, such as
   * `Cache-Control`. Framing and validator headers are refused.
   * @default {{}}
   */
  headers?: HeadersInit;
  /**
   * The most ranges (after coalescing) one request may ask for; more are
   * answered with the whole file.
   * @default {10}
   */
  maxRanges?: number;
  /**
   * Files up to 64 KiB (what the ports read at once) are kept in memory with
   * their headers ready, within these limits, or `false` for no cache. The
   * cache is never stale: before each use one `lstat` per path component
   * checks that the file is still the version read (same inode, size, mtime
   * and ctime, reached through real directories). A file is cached only
   * once it has not changed for 2 s, and paths through symbolic links are
   * not cached (unless `symlinks` is `"always"`).
   * @default {{ maxBytes: 33554432, maxFiles: 4096 }}
   */
  cache?: FileCacheLimits | false;
  /**
   * Single-page app fallback: a navigation (GET or HEAD whose `Accept`
   * names `text/html`, for a path whose last segment has no extension and
   * no segment starts with `.`) that matches no file gets this file, a path
   * relative to the root, with 200 and `Cache-Control: no-cache`; `true`
   * for `"index.html"`. A missing asset (`/assets/x.js`) still gets 404.
   * When the shell itself is missing, the request gets 404.
   * @default {false}
   */
  spa?: boolean | string;
  /**
   * A page, relative to the root, sent with status 404 for a path that
   * names nothing, to a client that accepts `text/html` and does not
   * prefer `application/json`; others get the plain 404. When the page is
   * missing, the plain 404 is sent.
   * @default {undefined}
   */
  notFound?: string;
  /**
   * Clean URLs: `/about` serves `about.html` when there is no file
   * `about` (order: exact file, `.html`, folder index), and `/about.html`
   * redirects to `/about` with 301 (query kept).
   * @default {false}
   */
  cleanUrls?: boolean;
  /**
   * Which `Cache-Control` each file's 200, 206, HEAD and 304 answers carry:
   * `true` for the preset (fingerprinted names such as `index-BxT3k9Qa.js`
   * a year and `immutable`, everything else `no-cache`), or
   * `{ rules: [[glob, value], …], preset }` with rules tried first (first
   * match wins). Off by default, so that an app embedding the handler keeps
   * its own caching; the CLI turns the preset on. A `Cache-Control` in
   * `headers` as well is a `TypeError`: say it in one place.
   * @default {false}
   */
  cacheControl?: boolean | CacheControlOptions;
  /**
   * Serve precompressed sidecars (`app.js.br`, `app.js.zst`, `app.js.gz`
   * beside `app.js`) to clients that accept the coding: `true` for all
   * three, or the codings to use in the server's order of preference. A
   * sidecar older than its file is never used; every file answer then
   * carries `Vary: Accept-Encoding`.
   * @default {false}
   */
  precompressed?: boolean | readonly ContentCoding[];
  /**
   * Compress on the fly what has no sidecar: text, JavaScript, JSON, SVG,
   * XML, wasm and the like from 1 KiB to 64 KiB, for clients that accept
   * one of the compressor's codings, once per file version (the compressed
   * bytes are kept in the small-file cache). Never images, archives or
   * woff2, nor an answer to a Range request. The compressor is the
   * runtime's zlib: `zlibCompressor()` from an adapter (`serve()` also
   * takes `true`).
   * @default {false}
   */
  compress?: Compressor | false;
  /**
   * Called with any unexpected error (the client then gets a bare 500).
   * Without it, the first error of each kind is printed as one line with
   * `console.error` (Deno without `--allow-read`, for one, shows that way),
   * and later ones of that kind are not.
   * @default {undefined}
   */
  onError?: (error: unknown, request: Request) => void;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  root: string;
  fs: FileSystem;
  urlRoot: string;
  index: readonly string[];
  listing: boolean;
  dotfiles: DotfilePolicy;
  symlinks: SymlinkPolicy;
  headers: ReadonlyArray<readonly [string, string]>;
  maxRanges: number;
  cache: Required<FileCacheLimits> | null;
  /** The shell's segments under the root, or `null` for no SPA fallback. */
  spa: readonly string[] | null;
  /** The 404 page's segments under the root, or `null`. */
  notFound: readonly string[] | null;
  cleanUrls: boolean;
  cacheControl: CachePolicy | null;
  /** The sidecar codings to look for, best first; empty for none. */
  precompressed: readonly ContentCoding[];
  /** The compressor for compression on the fly, or `null` for none. */
  compress: Compressor | null;
  /** `onError`, or the default; `request` builds the Request when called. */
  onError: (error: unknown, request: () => Request) => void;
}

// The handler computes these itself; a user value would break framing or
// make validators lie.
const RESERVED_HEADERS = new Set([
  "content-encoding",
  "content-length",
  "content-range",
  "transfer-encoding",
  "etag",
  "last-modified",
  "connection",
]);

/**
 * Validates options and fills in defaults.
 *
 * @param options The user's options.
 * @returns The resolved options.
 * @throws {TypeError} for a missing or mistyped option.
 * @throws {RangeError} for a value out of range.
 *
 * @example Defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveOptions } from "./options.ts";
 * import type { FileSystem } from "./fs.ts";
import type { FileCacheLimits } from "./file_cache.ts";
 *
 * const resolved = resolveOptions({ root: "/srv/www/", fs: {} as FileSystem });
 * assert.equal(resolved.root, "/srv/www");
 * assert.deepEqual(resolved.index, ["index.html"]);
 * assert.throws(() => resolveOptions({ root: "www", fs: {} as FileSystem }), TypeError);
 * ```
 */
export function resolveOptions(options: FileHandlerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot create file handler: options must be an object");
  }
  const dotfiles = oneOf<DotfilePolicy>("dotfiles", options.dotfiles ?? "ignore", [
    "ignore",
    "deny",
    "allow",
  ]);
  const spa = options.spa ?? false;
  if (typeof spa !== "boolean" && typeof spa !== "string") {
    fail("spa", "must be a boolean or a file name");
  }
  return {
    root: resolveRoot(options.root),
    fs: resolveFs(options.fs),
    urlRoot: resolveUrlRoot(options.urlRoot ?? ""),
    index: resolveIndex(options.index ?? ["index.html"]),
    listing: oneOf("listing", options.listing ?? false, [true, false]),
    dotfiles,
    symlinks: oneOf("symlinks", options.symlinks ?? "inside", [
      "inside",
      "always",
      "never",
    ]),
    headers: resolveHeaders(options.headers ?? {}),
    maxRanges: resolveMaxRanges(options.maxRanges ?? 10),
    cache: resolveCache(options.cache ?? {}),
    spa: spa === false ? null : relativeFile("spa", spa === true ? "index.html" : spa, dotfiles),
    notFound: options.notFound === undefined
      ? null
      : relativeFile("notFound", options.notFound, dotfiles),
    cleanUrls: oneOf("cleanUrls", options.cleanUrls ?? false, [true, false]),
    cacheControl: resolveCacheControl(options.cacheControl ?? false, options.headers),
    precompressed: resolvePrecompressed(options.precompressed ?? false),
    compress: resolveCompress(options.compress ?? false),
    onError: resolveOnError(options.onError),
  };
}

function fail(name: string, reason: string): never {
  throw new TypeError(`Cannot create file handler: "${name}" ${reason}`);
}

function resolveRoot(root: unknown): string {
  if (typeof root !== "string" || root === "") fail("root", "must be a non-empty string");
  if (!root.startsWith("/")) fail("root", "must be an absolute path");
  if (root.includes("\0")) fail("root", "must not contain NUL");
  const trimmed = root.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

function resolveFs(fs: unknown): FileSystem {
  const port = fs as Partial<FileSystem> | null;
  const methods = ["stat", "lstat", "realPath", "realStat", "readDir", "open"] as const;
  if (
    typeof port !== "object" || port === null ||
    methods.some((m) => typeof port[m] !== "function")
  ) {
    fail("fs", "must implement stat, lstat, realPath, realStat, readDir and open");
  }
  return port as FileSystem;
}

function resolveUrlRoot(urlRoot: unknown): string {
  if (typeof urlRoot !== "string") fail("urlRoot", "must be a string");
  if (urlRoot === "" || urlRoot === "/") return "";
  if (!urlRoot.startsWith("/")) fail("urlRoot", 'must start with "/"');
  const segments = urlRoot.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === ".." || s.includes("\\"))) {
    fail("urlRoot", "must not contain dot-segments or backslashes");
  }
  return segments.map((s) => "/" + encodeURIComponent(s)).join("");
}

function resolveIndex(index: unknown): readonly string[] {
  if (index === false) return [];
  if (!Array.isArray(index)) fail("index", "must be an array of file names or false");
  for (const name of index) {
    if (
      typeof name !== "string" || name === "" || name === "." || name === ".." ||
      name.includes("/") || name.includes("\\") || name.includes("\0")
    ) fail("index", "must hold plain file names");
  }
  return Object.freeze([...index]);
}

// A file the handler serves in place of another goes through the same
// containment, dotfile and symlink rules as a URL: a name is checked here
// like a URL's segments, and its lookup is locate()'s.
function relativeFile(name: string, value: unknown, dotfiles: DotfilePolicy): readonly string[] {
  if (typeof value !== "string" || value === "") fail(name, "must be a non-empty file name");
  if (value.startsWith("/")) {
    fail(name, 'must be a path relative to the root, such as "index.html"');
  }
  const segments = value.split("/");
  for (const segment of segments) {
    if (
      segment === "" || segment === "." || segment === ".." || segment.includes("\\") ||
      segment.includes("\0")
    ) fail(name, "must be a plain path under the root");
    if (segment.startsWith(".") && dotfiles !== "allow") {
      fail(name, 'must not name a dotfile unless "dotfiles" is "allow"');
    }
  }
  return Object.freeze(segments);
}

function oneOf<T>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    fail(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  }
  return value as T;
}

function resolveHeaders(init: unknown): ReadonlyArray<readonly [string, string]> {
  let headers: Headers;
  try {
    headers = new Headers(init as HeadersInit);
  } catch (error) {
    fail("headers", `are invalid: ${(error as Error).message}`);
  }
  const pairs: Array<readonly [string, string]> = [];
  for (const [name, value] of headers) {
    if (RESERVED_HEADERS.has(name)) fail("headers", `must not set ${name}`);
    pairs.push([name, value]);
  }
  return Object.freeze(pairs);
}

function resolveCompress(value: unknown): Compressor | null {
  if (value === false) return null;
  const compressor = value as Partial<Compressor> | null;
  if (
    typeof compressor !== "object" || compressor === null ||
    typeof compressor.compress !== "function" || !Array.isArray(compressor.codings) ||
    compressor.codings.some((c) => !CONTENT_CODINGS.includes(c))
  ) {
    fail("compress", "must be false or a compressor such as zlibCompressor()");
  }
  return compressor as Compressor;
}

function resolvePrecompressed(value: unknown): readonly ContentCoding[] {
  if (value === true) return CONTENT_CODINGS;
  if (value === false) return [];
  const codings = Array.isArray(value) ? value : null;
  if (
    codings === null ||
    codings.some((c) => !CONTENT_CODINGS.includes(c)) ||
    new Set(codings).size !== codings.length
  ) {
    fail(
      "precompressed",
      `must be a boolean or a list of distinct codings from ${CONTENT_CODINGS.join(", ")}`,
    );
  }
  return [...codings];
}

function resolveMaxRanges(value: unknown): number {
  if (typeof value !== "number") fail("maxRanges", "must be a number");
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new RangeError(
      'Cannot create file handler: "maxRanges" must be an integer from 1 to 1000',
    );
  }
  return value;
}

function resolveCache(cache: unknown): Required<FileCacheLimits> | null {
  if (cache === false) return null;
  if (typeof cache !== "object" || cache === null) fail("cache", "must be an object or false");
  const { maxBytes = 32 * 1024 * 1024, maxFiles = 4096 } = cache as FileCacheLimits;
  return {
    maxBytes: count("cache.maxBytes", maxBytes),
    maxFiles: count("cache.maxFiles", maxFiles),
  };
}

function resolveCacheControl(option: unknown, headers: unknown): CachePolicy | null {
  let policy: CachePolicy | null;
  try {
    policy = createCachePolicy(option as boolean | CacheControlOptions);
  } catch (error) {
    fail("cacheControl", (error as Error).message);
  }
  // Two sources for one field would leave the reader guessing which wins.
  if (policy !== null && new Headers(headers as HeadersInit).has("cache-control")) {
    fail("cacheControl", 'cannot be used with a "Cache-Control" in "headers": pick one');
  }
  return policy;
}

function count(name: string, value: unknown): number {
  if (typeof value !== "number") fail(name, "must be a number");
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot create file handler: "${name}" must be a positive integer`);
  }
  return value;
}

function resolveOnError(
  onError: unknown,
): (error: unknown, request: () => Request) => void {
  if (onError === undefined) return defaultOnError();
  if (typeof onError !== "function") fail("onError", "must be a function");
  return (error, request) => onError(error, request());
}
