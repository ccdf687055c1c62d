/**
 * `createFileHandler()`: the one place that knows the order of the steps
 * from a `Request` to a file `Response`.
 *
 * @module
 */

import { type FileHandlerOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { encodePath, isRefused, resolvePath } from "./resolve_path.ts";
import { ALLOW, errorResponse, redirectResponse } from "./responses.ts";
import { locate } from "./locate.ts";
import { fileResponse } from "./file_response.ts";
import { listingResponse } from "./listing_response.ts";

/** Any function from a web `Request` to a `Response`. */
export type Handler = (request: Request) => Response | Promise<Response>;

/** A function from a web `Request` to a `Response`. */
export type FileHandler = (request: Request) => Promise<Response>;

/**
 * Creates a handler that serves the files under `options.root`.
 *
 * The handler answers GET, HEAD and OPTIONS; it never throws: an unexpected
 * error becomes a bare 500 and is passed to `options.onError`.
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
export function createFileHandler(options: FileHandlerOptions): FileHandler {
  const resolved = resolveOptions(options);
  const context = new Context(resolved);
  return async (request) => {
    try {
      return await handle(request, context);
    } catch (error) {
      context.report(error, request);
      return errorResponse(500, request.method);
    }
  };
}

class Context {
  readonly options: ResolvedOptions;
  #realRoot: Promise<string> | null = null;

  constructor(options: ResolvedOptions) {
    this.options = options;
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

  report(error: unknown, request: Request): void {
    try {
      this.options.onError(error, request);
    } catch {
      // A failing hook must not turn a 500 into a crash.
    }
  }
}

async function handle(request: Request, context: Context): Promise<Response> {
  const { options } = context;
  const method = request.method;
  if (method === "OPTIONS") {
    return new Response(null, { status: 204, headers: { allow: ALLOW } });
  }
  if (method !== "GET" && method !== "HEAD") {
    return errorResponse(405, method, { allow: ALLOW });
  }
  const url = new URL(request.url);
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
    for (const name of options.index) {
      const index = await locate(root, [...segments, name], options);
      if (typeof index !== "number" && index.info.kind === "file") {
        return await fileResponse(request, index.path, index.info, options);
      }
    }
    if (options.listing) {
      return await listingResponse(request, found.path, segments, { root, options });
    }
    return errorResponse(404, method);
  }
  // FIFOs, sockets and devices are never opened, and a file is not a folder.
  if (found.info.kind !== "file" || trailingSlash) return errorResponse(404, method);
  return await fileResponse(request, found.path, found.info, options);
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
