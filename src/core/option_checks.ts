/**
 * The checks behind {@linkcode resolveOptions}: one per option, each
 * throwing a `TypeError` (or `RangeError`) that names the option.
 *
 * @module
 */

import type { FileSystem } from "./fs.ts";
import type { FileCacheLimits } from "./file_cache.ts";
import { defaultOnError } from "./default_on_error.ts";
import { type CacheControlOptions, type CachePolicy, createCachePolicy } from "./cache_policy.ts";
import { CONTENT_CODINGS, type ContentCoding } from "./accept_encoding.ts";
import type { Compressor } from "./compression.ts";
import type { Archiver } from "./archive.ts";
import type { DotfilePolicy, EtagSource } from "./options.ts";

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

export function fail(name: string, reason: string): never {
  throw new TypeError(`Cannot create file handler: "${name}" ${reason}`);
}

export function resolveRoot(root: unknown): string {
  if (typeof root !== "string" || root === "") fail("root", "must be a non-empty string");
  if (!root.startsWith("/")) fail("root", "must be an absolute path");
  if (root.includes("\0")) fail("root", "must not contain NUL");
  const trimmed = root.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

export function resolveFs(fs: unknown): FileSystem {
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

export function resolveUrlRoot(urlRoot: unknown): string {
  if (typeof urlRoot !== "string") fail("urlRoot", "must be a string");
  if (urlRoot === "" || urlRoot === "/") return "";
  if (!urlRoot.startsWith("/")) fail("urlRoot", 'must start with "/"');
  const segments = urlRoot.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === ".." || s.includes("\\"))) {
    fail("urlRoot", "must not contain dot-segments or backslashes");
  }
  return segments.map((s) => "/" + encodeURIComponent(s)).join("");
}

export function resolveIndex(index: unknown): readonly string[] {
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
export function relativeFile(
  name: string,
  value: unknown,
  dotfiles: DotfilePolicy,
): readonly string[] {
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

export function oneOf<T>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    fail(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  }
  return value as T;
}

export function resolveHeaders(init: unknown): ReadonlyArray<readonly [string, string]> {
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

export function resolveCompress(value: unknown): Compressor | null {
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

export function resolveEtag(value: unknown, fs: FileSystem): EtagSource {
  const source = oneOf<EtagSource>("etag", value, ["mtime", "content"]);
  if (source === "content" && typeof fs.hash !== "function") {
    fail("etag", '"content" needs a file system with hash(), as the built-in ones have');
  }
  return source;
}

export function resolveArchive(value: unknown, listing: unknown): Archiver | null {
  if (value === false) return null;
  const archiver = value as Partial<Archiver> | null;
  if (
    typeof archiver !== "object" || archiver === null ||
    typeof archiver.archive !== "function" || typeof archiver.mediaType !== "string" ||
    typeof archiver.extension !== "string" || !/^[a-z0-9]+$/.test(archiver.extension)
  ) {
    fail("archive", "must be false or an archiver such as zipArchiver()");
  }
  if (listing !== true) fail("archive", 'needs "listing": true (the download is a listing\'s)');
  return archiver as Archiver;
}

export function resolvePrecompressed(value: unknown): readonly ContentCoding[] {
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

export function resolveMaxRanges(value: unknown): number {
  if (typeof value !== "number") fail("maxRanges", "must be a number");
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new RangeError(
      'Cannot create file handler: "maxRanges" must be an integer from 1 to 1000',
    );
  }
  return value;
}

export function resolveCache(cache: unknown): Required<FileCacheLimits> | null {
  if (cache === false) return null;
  if (typeof cache !== "object" || cache === null) fail("cache", "must be an object or false");
  const { maxBytes = 32 * 1024 * 1024, maxFiles = 4096 } = cache as FileCacheLimits;
  return {
    maxBytes: count("cache.maxBytes", maxBytes),
    maxFiles: count("cache.maxFiles", maxFiles),
  };
}

export function resolveCacheControl(option: unknown, headers: unknown): CachePolicy | null {
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

export function count(name: string, value: unknown): number {
  if (typeof value !== "number") fail(name, "must be a number");
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot create file handler: "${name}" must be a positive integer`);
  }
  return value;
}

export function resolveOnError(
  onError: unknown,
): (error: unknown, request: () => Request) => void {
  if (onError === undefined) return defaultOnError();
  if (typeof onError !== "function") fail("onError", "must be a function");
  return (error, request) => onError(error, request());
}
