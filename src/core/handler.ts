/**
 * `createFileHandler()`: the one place that knows the order of the steps
 * from a `Request` to a file `Response`.
 *
 * @module
 */

import { type FileHandlerOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { encodePath, isRefused, resolvePath } from "./resolve_path.ts";
import { ALLOW, errorResponse, redirectResponse, reply } from "./responses.ts";
import { joinPath, locate, type Located } from "./locate.ts";
import { fileResponse, type WholeFile } from "./file_response.ts";
import { listingResponse } from "./listing_response.ts";
import { type CachedLookup, FileCache } from "./file_cache.ts";
import { evaluatePreconditions } from "./conditional.ts";
import { selectRepresentation } from "./precompressed.ts";
import { acceptedCodings } from "./accept_encoding.ts";
import type { HeaderReader, RequestView } from "./request_view.ts";
import type { FileInfo } from "./fs.ts";
import {
  CACHED_REPLY,
  type CachedReply,
  clonedResponse,
  HANDLE_VIEW,
  type HandleView,
  type Reply,
} from "./fast_paths.ts";

export { CACHED_REPLY, type CachedReply, HANDLE_VIEW, type HandleView, type Reply };

/** Any function from a web `Request` to a `Response`. */
export type Handler = (request: Request) => Response | Promise<Response>;

/** A function from a web `Request` to a `Response`. */
export type FileHandler = (request: Request) => Promise<Response>;

/**
 * Creates a handler that serves the files under `options.root`.
 *
 * The handler answers GET, HEAD and OPTIONS; it never throws: an unexpected
 * error becomes a bare 500 and is passed to `options.onError` (without it,
 * the first error of each kind is printed once with `console.error`).
 *
 * @param options Where the files are, how to reach them and how to serve them.
 * @returns The handler.
 * @throws {TypeError} when an option is missing or of the wrong type.
 * @throws {RangeError} when a numeric option is out of range.
 *
 * @example Serving a folder with Deno
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { denoFileSystem } from "@seed/fileserver/fs/deno";
 *
 * const handler = createFileHandler({ root: Deno.cwd(), fs: denoFileSystem() });
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
 * ```
 */
export function createFileHandler(
  options: FileHandlerOptions,
): FileHandler & { [CACHED_REPLY]: CachedReply; [HANDLE_VIEW]: HandleView } {
  const resolved = resolveOptions(options);
  const context = new Context(resolved);
  const cachedReply: CachedReply = (method, target, headers) =>
    context.reply(method, pathOf(target), headers);
  const handleView: HandleView = async (view, toRequest) => {
    try {
      const reply = await context.reply(view.method, pathOf(view.url), view.headers);
      if (reply !== null) return reply.response();
      return await handleFresh(view, context);
    } catch (error) {
      context.report(error, toRequest);
      return errorResponse(500, view.method);
    }
  };
  const handler = (request: Request) => handleView(request, () => request);
  return Object.assign(handler, { [CACHED_REPLY]: cachedReply, [HANDLE_VIEW]: handleView });
}

// A file replaced or written to between its lookup and its read (ESTALE
// from the port) is looked up again, a few times; one that keeps changing
// that fast gets 503, never a body that mixes versions.
const STALE_ATTEMPTS = 4;

async function handleFresh(request: RequestView, context: Context): Promise<Response> {
  for (let attempt = 1;; attempt++) {
    try {
      return await handle(request, context);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== "ESTALE") throw error;
      if (attempt === STALE_ATTEMPTS) {
        return errorResponse(503, request.method, { "retry-after": "1" });
      }
    }
  }
}

// The path of an absolute URL as `Request.url` gives it (already
// normalised by the URL parser), or of an origin-form target, without
// building a URL object. A raw target that is not normal (`/a/../b`,
// `/%7e`) matches no cache key, since keys are parser output, and goes the
// full path.
function pathOf(url: string): string {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  let end = url.indexOf("?", start);
  if (end === -1) end = url.indexOf("#", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

class Context {
  readonly options: ResolvedOptions;
  readonly cache: FileCache | null;
  #realRoot: Promise<string> | null = null;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.cache = options.cache === null ? null : new FileCache(options.cache);
  }

  /**
   * The answer for a cached file, or `null` when the full path must run:
   * not cached, changed, or a request the cache does not answer (Range,
   * If-Match, If-Unmodified-Since, other methods).
   */
  async reply(method: string, pathname: string, headers: HeaderReader): Promise<Reply | null> {
    if (this.cache === null || (method !== "GET" && method !== "HEAD")) return null;
    // These take the full path, which would look the file up again.
    if (
      headers.get("range") !== null || headers.get("if-match") !== null ||
      headers.get("if-unmodified-since") !== null
    ) return null;
    const key = cacheKey(pathname, headers, this.options);
    const file = await this.cache.get(key, this.options.fs);
    if (file === null) return null;
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

  /** The cache's callback for a 200 that read a whole file, kept under `key`. */
  keeper(key: string, lookup: CachedLookup | null): ((whole: WholeFile) => void) | undefined {
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
        headers,
        notModifiedHeaders,
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

async function handle(request: RequestView, context: Context): Promise<Response> {
  const { options } = context;
  const method = request.method;
  if (method === "OPTIONS") {
    return reply(null, 204, { allow: ALLOW });
  }
  if (method !== "GET" && method !== "HEAD") {
    return errorResponse(405, method, { allow: ALLOW });
  }
  // Deno.serve and Bun.serve build request.url from the Host field: without
  // an adapter in front, a bad Host makes it no URL ("http://a b/x", "/x").
  const url = URL.parse(request.url);
  if (url === null) return errorResponse(400, method);
  const resolved = resolvePath(url.pathname, options.urlRoot);
  if (isRefused(resolved)) return errorResponse(resolved.status, method);
  const { segments, trailingSlash } = resolved;
  const denied = dotfileStatus(segments, options);
  if (denied !== null) return errorResponse(denied, method);

  const root = await context.realRoot();
  const found = await locate(root, segments, options);
  if (typeof found === "number") return errorResponse(found, method);

  if (found.info.kind === "directory") {
    if (!trailingSlash) {
      return redirectResponse(encodePath(segments, options.urlRoot) + "/" + url.search, method);
    }
    for (const [i, name] of options.index.entries()) {
      const indexSegments = [...segments, name];
      const index = await locate(root, indexSegments, options);
      if (typeof index !== "number" && index.info.kind === "file") {
        // Only the first index name is cached: a hit checks that file alone,
        // and could not see an earlier name appear.
        const lookup = i === 0 ? cachedLookup(root, indexSegments, index, options) : null;
        return await serveFile(request, context, { root, segments: indexSegments, found: index }, {
          pathname: url.pathname,
          lookup,
        });
      }
    }
    if (options.listing) {
      return await listingResponse(request, found.path, segments, { root, options });
    }
    return errorResponse(404, method);
  }
  // FIFOs, sockets and devices are never opened, and a file is not a folder.
  if (found.info.kind !== "file" || trailingSlash) return errorResponse(404, method);
  const lookup = cachedLookup(root, segments, found, options);
  return await serveFile(request, context, { root, segments, found }, {
    pathname: url.pathname,
    lookup,
  });
}

// The file, or the precompressed sidecar the client accepts best. Either is
// cached under the URL's path and the client's ranking of codings, guarded
// by the folder's version (taken before the sidecars are looked for, so
// that one appearing since is seen) and, for a sidecar, the original's.
async function serveFile(
  request: RequestView,
  context: Context,
  file: { root: string; segments: readonly string[]; found: Located },
  cache: { pathname: string; lookup: CachedLookup | null },
): Promise<Response> {
  const { options } = context;
  const { root, segments, found } = file;
  const key = cacheKey(cache.pathname, request.headers, options);
  // The cache policy's globs see the original's path, for a sidecar too.
  const relative = segments.join("/");
  const plain = { path: found.path, info: found.info, relative };
  if (options.precompressed.length === 0) {
    const onWhole = context.keeper(key, cache.lookup);
    return await fileResponse(request, { ...plain, onWhole }, options);
  }
  const folder = cache.lookup === null ? null : await folderGuard(root, segments, context);
  const selected = await selectRepresentation(root, segments, found, request, options);
  if (selected.kind === "none") {
    return errorResponse(406, request.method, { vary: "accept-encoding" });
  }
  if (selected.kind === "identity") {
    const lookup = folder === null ? null : { ...cache.lookup!, guards: [folder] };
    const onWhole = context.keeper(key, lookup);
    return await fileResponse(request, { ...plain, onWhole }, options);
  }
  const { path, info } = selected.file;
  const sidecar = cachedLookup(root, selected.segments, selected.file, options);
  const original = { path: cache.lookup?.path ?? "", info: found.info };
  const lookup = folder === null || sidecar === null
    ? null
    : { ...sidecar, guards: [folder, original] };
  const onWhole = context.keeper(key, lookup);
  const coded = { path, info, coding: selected.coding, typePath: found.path, relative, onWhole };
  return await fileResponse(request, coded, options);
}

// The version of the folder that holds the file, or null when it cannot be
// read (then nothing is cached).
async function folderGuard(
  root: string,
  segments: readonly string[],
  context: Context,
): Promise<{ path: string; info: FileInfo } | null> {
  const path = joinPath(root, segments.slice(0, -1));
  const { fs, symlinks } = context.options;
  try {
    return { path, info: symlinks === "always" ? await fs.stat(path) : await fs.lstat(path) };
  } catch {
    return null;
  }
}

// Without sidecars the URL's path; with them, the path and the codings the
// request ranks (Chrome's and Firefox's fields rank the same, and share an
// entry).
function cacheKey(pathname: string, headers: HeaderReader, options: ResolvedOptions): string {
  if (options.precompressed.length === 0) return pathname;
  const { codings, identity } = acceptedCodings(
    headers.get("accept-encoding"),
    options.precompressed,
  );
  return `${pathname}\0${codings.join(",")}${identity ? "+identity" : ""}`;
}

// How a hit re-checks the path: lstat along real directories, or a plain
// stat when every link is followed anyway. A path through a link under the
// other policies is not cached: a hit could not see the link retargeted
// without resolving it again.
function cachedLookup(
  root: string,
  segments: readonly string[],
  found: Located,
  options: ResolvedOptions,
): CachedLookup | null {
  const joined = joinPath(root, segments);
  if (options.symlinks === "always") return { directories: [], path: joined, follow: true };
  if (found.path !== joined) return null;
  const directories: string[] = [];
  for (let i = 1; i < segments.length; i++) directories.push(joinPath(root, segments.slice(0, i)));
  return { directories, path: joined, follow: false };
}

function dotfileStatus(segments: readonly string[], options: ResolvedOptions): 403 | 404 | null {
  if (options.dotfiles === "allow") return null;
  for (let i = 0; i < segments.length; i++) {
    // RFC 8615: /.well-known/ is for the site's metadata and is always served.
    if (segments[i].startsWith(".") && !(i === 0 && segments[i] === ".well-known")) {
      return options.dotfiles === "deny" ? 403 : 404;
    }
  }
  return null;
}
