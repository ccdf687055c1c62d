/**
 * `createFileHandler()`: the one place that knows the order of the steps
 * from a `Request` to a file `Response`.
 *
 * @module
 */

import { type FileHandlerOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { encodePath, isRefused, resolvePath } from "./resolve_path.ts";
import { addVary, ALLOW, errorResponse, redirectResponse, reply } from "./responses.ts";
import { locate, type ServeLocated } from "./locate.ts";
import { listingResponse } from "./listing_response.ts";
import { archiveResponse } from "./archive_response.ts";
import { isNavigation, SHELL_KEY, shellFields, spaFallback } from "./spa_fallback.ts";
import { notFoundPage } from "./not_found_page.ts";
import { cleanUrlResponse } from "./clean_urls.ts";
import type { RequestView } from "./request_view.ts";
import { cachedLookup, serveFile } from "./serve_file.ts";
import { Context } from "./context.ts";
import {
  CACHED_REPLY,
  type CachedReply,
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
  const cachedReply: CachedReply = (method, target, headers) => {
    const pathname = pathOf(target);
    const now = context.replyNow(method, pathname, headers);
    return now !== undefined ? now : context.reply(method, pathname, headers);
  };
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
  // A hidden path gets what any missing path gets, but never the SPA shell
  // (isNavigation() refuses dot-segments).
  if (denied === 404) return await missing(request, context, segments);
  if (denied !== null) return errorResponse(denied, method);

  const root = await context.realRoot();
  // A path known to name nothing skips the lookup, and the clean-URL page
  // too (its absence was seen with the path's); the fallbacks still run.
  const known = await context.isAbsent(url.pathname);
  const found = known ? 404 : await locate(root, segments, options);
  if (options.cleanUrls && !known) {
    const serve = serveUncached(context, root);
    const target = { root, segments, trailingSlash, found, search: url.search, serve };
    const clean = await cleanUrlResponse(request, target, options);
    if (clean !== null) return clean;
  }
  if (found === 404) {
    if (!known) await context.noteAbsent(url.pathname, { root, segments, trailingSlash });
    return await missing(request, context, segments);
  }
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
        const place = { root, segments: indexSegments, found: index };
        return await serveFile(request, place, context.cacheSlot(url.pathname, lookup), options);
      }
    }
    if (options.listing) {
      const archive = options.archive;
      if (archive !== null && url.searchParams.get("download") === archive.extension) {
        return await archiveResponse(request, found.path, segments, { root, options });
      }
      return await listingResponse(request, found.path, segments, {
        root,
        search: url.search,
        options,
      });
    }
    return await missing(request, context, segments);
  }
  // FIFOs, sockets and devices are never opened, and a file is not a folder.
  if (found.info.kind !== "file" || trailingSlash) {
    return await missing(request, context, segments);
  }
  // With clean URLs, whether `/about.html` redirects hangs on a file
  // `about` that a cache hit would not look at.
  const cacheable = !options.cleanUrls || !segments.at(-1)?.endsWith(".html");
  const lookup = cacheable ? cachedLookup(root, segments, found, options) : null;
  const slot = context.cacheSlot(url.pathname, lookup);
  return await serveFile(request, { root, segments, found }, slot, options);
}

// What a path that names nothing gets: the SPA shell for a navigation,
// else the 404 page for a client that wants HTML, else the plain 404. The
// answer then depends on `Accept`, which caches must key on (RFC 9110
// §12.5.5).
async function missing(
  request: RequestView,
  context: Context,
  segments: readonly string[],
): Promise<Response> {
  const { options } = context;
  if (options.spa === null && options.notFound === null) return errorResponse(404, request.method);
  const spa = options.spa !== null && isNavigation(request, segments);
  const root = await context.realRoot();
  if (spa) {
    // The shell's answer is kept under SHELL_KEY, as a deep link gets it
    // (spaFallback() marks it so), for the next deep link the negative
    // cache knows to name nothing.
    const shell = await spaFallback(request, { root, serve: serveShell(context, root) }, options);
    if (shell !== null) return shell;
  }
  const place = { root, serve: serveUncached(context, root) };
  const response = await notFoundPage(request, place, options) ??
    errorResponse(404, request.method);
  addVary(response.headers, "Accept");
  return response;
}

function serveShell(context: Context, root: string): ServeLocated {
  const { options } = context;
  return (request, segments, found) => {
    const lookup = cachedLookup(root, segments, found, options);
    const slot = context.cacheSlot(SHELL_KEY, lookup, shellFields);
    return serveFile(request, { root, segments, found }, slot, options);
  };
}

// How the fallbacks serve a file: as any file, never cached under the
// request's path (a file that appears there later must win).
function serveUncached(context: Context, root: string): ServeLocated {
  const slot = context.cacheSlot("", null);
  return (request, segments, found) =>
    serveFile(request, { root, segments, found }, slot, context.options);
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
