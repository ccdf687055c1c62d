/**
 * What a file handler keeps between requests, and the answers it gives
 * from that alone: a cached file (200 or 304), a path known to name
 * nothing (the plain 404), or a deep link's SPA shell.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import { reply } from "./responses.ts";
import type { WholeFile } from "./file_response.ts";
import { isNavigationPath, SHELL_KEY } from "./spa_fallback.ts";
import { cleanUrlPageName } from "./clean_urls.ts";
import { type CachedFile, type CachedLookup, FileCache } from "./file_cache.ts";
import { MAX_ABSENT_KEY_LENGTH, NegativeCache } from "./negative_cache.ts";
import { observeAbsence } from "./observe_absence.ts";
import { evaluatePreconditions } from "./conditional.ts";
import type { HeaderReader } from "./request_view.ts";
import { cacheKey, type CacheSlot } from "./serve_file.ts";
import { clonedResponse, notFoundReply, type Reply } from "./fast_paths.ts";

/**
 * A file handler's state between requests: its options, the small-file
 * cache, the negative cache and the root's real path, and the answers
 * given from them without the full path.
 */
export class Context {
  readonly options: ResolvedOptions;
  readonly cache: FileCache | null;
  // Paths known to name nothing. As many as the file cache holds files:
  // an entry is at most about 1.5 KiB (MAX_ABSENT_KEY_LENGTH), so the
  // default 4,096 hold at most 6 MiB, and the one option that turns the
  // cache off turns this off too.
  readonly absent: NegativeCache | null;
  // Whether a known-missing path gets the plain 404: no fallback answers it.
  readonly #plainNotFound: boolean;
  #realRoot: Promise<string> | null = null;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.cache = options.cache === null ? null : new FileCache(options.cache);
    this.absent = options.cache === null ? null : new NegativeCache(options.cache.maxFiles);
    this.#plainNotFound = options.spa === null && options.notFound === null;
  }

  /**
   * The answer for a cached file, or the plain 404 for a path known to name
   * nothing when no fallback (`spa`, `notFound`) would answer it instead;
   * or `null` when the full path must run: not cached, changed, or a
   * request the cache does not answer (Range, If-Match,
   * If-Unmodified-Since, other methods).
   */
  async reply(method: string, pathname: string, headers: HeaderReader): Promise<Reply | null> {
    if (this.cache === null || (method !== "GET" && method !== "HEAD")) return null;
    const { fs } = this.options;
    const missing = this.#missingAnswer(method, pathname, headers);
    if (missing !== null && await this.absent!.has(pathname, fs)) {
      if (missing === "plain") return notFoundReply(method);
      const key = this.#cacheKey(SHELL_KEY, headers);
      const shell = key === null ? null : await this.cache.get(key, fs);
      return shell === null ? null : cachedAnswer(shell, method, headers);
    }
    const key = this.#cacheKey(pathname, headers);
    if (key === null) return null;
    const file = await this.cache.get(key, fs);
    return file === null ? null : cachedAnswer(file, method, headers);
  }

  /**
   * {@linkcode Context.reply}, at once; `undefined` when only `reply()`
   * can tell (the port has no synchronous lookups).
   */
  replyNow(method: string, pathname: string, headers: HeaderReader): Reply | null | undefined {
    if (this.cache === null || (method !== "GET" && method !== "HEAD")) return null;
    const { fs } = this.options;
    const missing = this.#missingAnswer(method, pathname, headers);
    if (missing !== null) {
      const absent = this.absent!.hasNow(pathname, fs);
      if (absent === undefined) return undefined;
      if (absent && missing === "plain") return notFoundReply(method);
      if (absent) {
        const key = this.#cacheKey(SHELL_KEY, headers);
        const shell = key === null ? null : this.cache.getNow(key, fs);
        return shell == null ? shell : cachedAnswer(shell, method, headers);
      }
    }
    const key = this.#cacheKey(pathname, headers);
    if (key === null) return null;
    const file = this.cache.getNow(key, fs);
    return file == null ? file : cachedAnswer(file, method, headers);
  }

  // What a path held as missing gets without the full path: the plain 404
  // (read before any field, as the full path answers a missing path before
  // it reads one: Range, conditionals, codings), or the SPA shell for a
  // navigation, from the cache; null when the full path must tell.
  #missingAnswer(
    method: string,
    pathname: string,
    headers: HeaderReader,
  ): "plain" | "shell" | null {
    if (!this.absent!.holds(pathname)) return null;
    if (this.#plainNotFound) return "plain";
    const shell = this.options.spa !== null && isNavigationPath(method, pathname, headers);
    return shell ? "shell" : null;
  }

  // The cache key of a request the cache may answer, or null.
  #cacheKey(pathname: string, headers: HeaderReader): string | null {
    // These take the full path, which would look the file up again.
    if (
      headers.get("range") !== null || headers.get("if-match") !== null ||
      headers.get("if-unmodified-since") !== null
    ) return null;
    return cacheKey(pathname, headers, this.options);
  }

  /**
   * Whether the URL path `pathname` is known to name nothing now. A 404
   * does not depend on Accept-Encoding, so the key is the path alone.
   */
  isAbsent(pathname: string): Promise<boolean> {
    return this.absent === null
      ? Promise.resolve(false)
      : this.absent.has(pathname, this.options.fs);
  }

  /** Keeps `pathname` as naming nothing, when a walk down it sees that (observeAbsence()). */
  async noteAbsent(
    pathname: string,
    place: { root: string; segments: readonly string[]; trailingSlash: boolean },
  ): Promise<void> {
    if (this.absent === null || pathname.length > MAX_ABSENT_KEY_LENGTH) return;
    const { root, segments, trailingSlash } = place;
    // With clean URLs `name.html` would be served for `name`: it must be missing too.
    const sibling = cleanUrlPageName(segments, trailingSlash, this.options) ?? undefined;
    const now = Date.now();
    const absence = await observeAbsence(root, segments, { fs: this.options.fs, now, sibling });
    if (absence !== null) this.absent.set(pathname, absence);
  }

  /**
   * Where an answer for `pathname`, found by `lookup`, may be cached;
   * `fields` turns the file's own header fields into the answer's.
   */
  cacheSlot(
    pathname: string,
    lookup: CachedLookup | null,
    fields?: (list: ReadonlyArray<[string, string]>) => ReadonlyArray<[string, string]>,
  ): CacheSlot {
    return { pathname, lookup, keep: (key, found) => this.keeper(key, found, fields) };
  }

  /** The cache's callback for a 200 that read a whole file, kept under `key`. */
  keeper(
    key: string,
    lookup: CachedLookup | null,
    fields = (list: ReadonlyArray<[string, string]>) => list,
  ): ((whole: WholeFile) => void) | undefined {
    const cache = this.cache;
    if (cache === null || lookup === null) return undefined;
    return (whole) => {
      const { info, bytes, validators, headers, notModifiedHeaders } = whole;
      cache.set(key, {
        ...lookup,
        info,
        bytes,
        etag: validators.etag,
        lastModified: validators.lastModified,
        headers: fields(headers),
        notModifiedHeaders: fields(notModifiedHeaders),
        responses: {},
      }, Date.now());
    };
  }

  // The root's real path is what containment is checked against; it is
  // looked up once, and again after a failure (the root may appear later).
  realRoot(): Promise<string> {
    this.#realRoot ??= this.options.fs.realPath(this.options.root).catch((error) => {
      this.#realRoot = null;
      throw error;
    });
    return this.#realRoot;
  }

  report(error: unknown, request: () => Request): void {
    try {
      this.options.onError(error, request);
    } catch {
      // A failing hook must not turn a 500 into a crash.
    }
  }
}

// A cached file's answer to a GET or HEAD: 304 when a precondition says so.
function cachedAnswer(file: CachedFile, method: string, headers: HeaderReader): Reply {
  const status = evaluatePreconditions(method, headers, file) === 304 ? 304 : 200;
  const fields = status === 304 ? file.notModifiedHeaders : file.headers;
  const body = status === 304 || method === "HEAD" ? null : file.bytes;
  return {
    status,
    headers: fields,
    body,
    response: () => reply(body, status, fields),
    clonedResponse: () => clonedResponse(file, status, method),
  };
}
