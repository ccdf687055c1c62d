/**
 * A drop-in for Deno std's `@std/http/file-server`: {@linkcode serveDir}
 * and {@linkcode serveFile} with std's signatures and option names, over
 * {@linkcode createFileHandler}, on Deno, Bun and Node. A Deno user
 * switches by changing one import line; the answers follow std wherever
 * std follows HTTP, and the core where std has a known defect (HEAD, a
 * conditional HEAD's 304, `Allow` on 405, 400 for a malformed `%`); the
 * README's "Deno std drop-in" lists every difference.
 *
 * @example Serving ./public under /static
 * ```ts ignore
 * import { serveDir } from "@seed/fileserver/std"; // was "@std/http/file-server"
 *
 * Deno.serve((req) => serveDir(req, { fsRoot: "public", urlRoot: "static" }));
 * ```
 *
 * @module
 */

import { resolve } from "node:path";
import { createFileHandler, type FileHandler } from "./core/handler.ts";
import type { FileHandlerOptions } from "./core/options.ts";
import { runtimeFileSystem } from "./fs/runtime.ts";
import { fail, oneOf } from "./core/option_checks.ts";
import { errorResponse } from "./core/responses.ts";
import { withCors } from "./core/cors.ts";

/**
 * A Web Crypto digest name or algorithm object, as std's `etagAlgorithm`
 * takes (`AlgorithmIdentifier`, spelled out here because Node's types lack
 * that DOM name).
 */
export type EtagAlgorithm = string | { name: string };

/** Options of {@linkcode serveDir}, named as in `@std/http/file-server`. */
export interface ServeDirOptions {
  /**
   * The folder to serve, absolute or relative to the working directory.
   * @default {"."}
   */
  fsRoot?: string;
  /**
   * A URL path prefix stripped before lookup, such as `"static"` (a leading
   * `/` is allowed). Requests outside it get 404; folder redirects keep it.
   * @default {undefined}
   */
  urlRoot?: string;
  /**
   * List a folder that has no `index.html`.
   * @default {false}
   */
  showDirListing?: boolean;
  /**
   * Serve (and list) names that start with `.`; otherwise they get 404.
   * @default {false}
   */
  showDotfiles?: boolean;
  /**
   * Serve `index.html` for a folder URL.
   * @default {true}
   */
  showIndex?: boolean;
  /**
   * Let any origin read the files (`Access-Control-Allow-Origin: *`) and
   * answer CORS preflights.
   * @default {false}
   */
  enableCors?: boolean;
  /**
   * Print no request log line (std's `[date] [METHOD] /path status`, with
   * `console.debug`) and report no unexpected error.
   * @default {false}
   */
  quiet?: boolean;
  /**
   * Accepted for std's sake, and not used: the core's ETag is derived from
   * the file's identity (inode, size, mtime), hashed once per version, and
   * its strength is what matters to clients, not the hash.
   * @default {"SHA-256"}
   */
  etagAlgorithm?: EtagAlgorithm;
  /**
   * Headers added to every file, listing and 304 answer, each as
   * `"Name: value"`. Framing and validator fields are refused.
   * @default {[]}
   */
  headers?: string[];
  /**
   * Clean URLs: `/about` serves `about.html` when there is no `about`, and
   * `/about.html` redirects to `/about`.
   * @default {false}
   */
  cleanUrls?: boolean;
}

/** Options of {@linkcode serveFile}, named as in `@std/http/file-server`. */
export interface ServeFileOptions {
  /**
   * Accepted for std's sake, and not used (see
   * {@linkcode ServeDirOptions.etagAlgorithm}).
   * @default {"SHA-256"}
   */
  etagAlgorithm?: EtagAlgorithm;
  /**
   * Accepted for std's sake, and not used: the file is looked up as it is
   * when the request comes (an old `Deno.FileInfo` could name a version
   * that is gone).
   * @default {undefined}
   */
  fileInfo?: unknown;
}

// A handler per options object; options built afresh on every call (the
// usual `serveDir(req, { fsRoot: "public" })`) share one by their values,
// and at most MAX_SHARED such sets are kept (least recently used goes).
const byObject = new WeakMap<ServeDirOptions, Promise<FileHandler>>();
const byValue = new Map<string, Promise<FileHandler>>();
const MAX_SHARED = 64;

/**
 * Serves the files under `opts.fsRoot`, as std's `serveDir` does, with the
 * core's HTTP semantics: validators and conditionals (HEAD too), ranges,
 * symlink containment, 400 for a malformed path.
 *
 * One handler (with its caches) is built per distinct set of options and
 * reused; an options object is read and checked on its first use, so a
 * change made to it later is not seen (pass a new object instead).
 *
 * @param req The request.
 * @param opts std's options.
 * @returns The response.
 * @throws {TypeError} (as a rejection) for a mistyped option.
 *
 * @example A folder URL is redirected to its slash, prefix kept
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveDir } from "./std.ts";
 *
 * const opts = { fsRoot: import.meta.dirname, urlRoot: "static", quiet: true };
 * const response = await serveDir(new Request("http://localhost/static/core"), opts);
 * assert.equal(response.status, 301);
 * assert.equal(response.headers.get("location"), "/static/core/");
 * ```
 */
export async function serveDir(req: Request, opts: ServeDirOptions = {}): Promise<Response> {
  const handler = await dirHandler(opts);
  const response = await handler(req);
  if (opts.quiet !== true) logRequest(req, response.status);
  return response;
}

function dirHandler(opts: ServeDirOptions): Promise<FileHandler> {
  const known = byObject.get(opts);
  if (known !== undefined) return known;
  const core = coreOptions(opts);
  // `onError` is a function, which JSON leaves out: `quiet` stands for it.
  const key = JSON.stringify([core, opts.enableCors === true, opts.quiet === true]);
  let handler = byValue.get(key);
  if (handler === undefined) {
    handler = build(core, opts.enableCors === true);
    // A failed build is not kept: the next call checks the options again.
    handler.catch(() => {
      byValue.delete(key);
      byObject.delete(opts);
    });
    byValue.set(key, handler);
    if (byValue.size > MAX_SHARED) byValue.delete(byValue.keys().next().value!);
  } else {
    byValue.delete(key);
    byValue.set(key, handler);
  }
  byObject.set(opts, handler);
  return handler;
}

// std's option names onto the core's; `fs` is filled in by build().
function coreOptions(opts: ServeDirOptions): Omit<FileHandlerOptions, "fs"> {
  if (typeof opts !== "object" || opts === null) fail("opts", "must be an object");
  const flag = (name: keyof ServeDirOptions, fallback: boolean) =>
    oneOf<boolean>(name, opts[name] ?? fallback, [true, false]);
  const fsRoot = opts.fsRoot ?? ".";
  if (typeof fsRoot !== "string" || fsRoot === "") fail("fsRoot", "must be a non-empty string");
  const urlRoot = opts.urlRoot ?? "";
  if (typeof urlRoot !== "string") fail("urlRoot", "must be a string");
  flag("quiet", false);
  flag("enableCors", false);
  checkAlgorithm(opts.etagAlgorithm);
  const quiet = opts.quiet === true;
  return {
    root: resolve(fsRoot),
    // std writes "static" for "/static".
    urlRoot: urlRoot === "" || urlRoot.startsWith("/") ? urlRoot : `/${urlRoot}`,
    listing: flag("showDirListing", false),
    dotfiles: flag("showDotfiles", false) ? "allow" : "ignore",
    index: flag("showIndex", true) ? ["index.html"] : false,
    headers: headerPairs(opts.headers),
    cleanUrls: flag("cleanUrls", false),
    // Quiet means no output at all; otherwise the core's default reporter.
    ...(quiet ? { onError: () => {} } : {}),
  };
}

async function build(core: Omit<FileHandlerOptions, "fs">, cors: boolean): Promise<FileHandler> {
  const handler = createFileHandler({ ...core, fs: await runtimeFileSystem() });
  if (!cors) return handler;
  const open = withCors(handler);
  return async (request) => await open(request);
}

// std's `"Name: value"` strings, split at the first colon.
function headerPairs(headers: unknown): Array<[string, string]> {
  if (headers === undefined) return [];
  if (!Array.isArray(headers)) fail("headers", 'must be an array of "Name: value" strings');
  return headers.map((header) => {
    const colon = typeof header === "string" ? header.indexOf(":") : -1;
    if (colon < 1) {
      fail("headers", `must hold "Name: value" strings, not ${JSON.stringify(header)}`);
    }
    return [header.slice(0, colon).trim(), header.slice(colon + 1).trim()];
  });
}

function checkAlgorithm(algorithm: unknown): void {
  if (
    algorithm !== undefined && typeof algorithm !== "string" &&
    (typeof algorithm !== "object" || algorithm === null)
  ) fail("etagAlgorithm", 'must be an algorithm name such as "SHA-256"');
}

// std's request log line, on the same channel (console.debug, which a
// browser inspector can hide).
function logRequest(req: Request, status: number): void {
  const now = new Date().toISOString();
  const url = URL.parse(req.url);
  const target = url === null ? req.url : url.pathname + url.search;
  console.debug(`[${now.slice(0, 10)} ${now.slice(11, 19)}] [${req.method}] ${target} ${status}`);
}

let fileHandler: Promise<FileHandler> | null = null;

/**
 * Serves the one file at `filePath` (absolute, or relative to the working
 * directory), as std's `serveFile` does, with the core's validators,
 * conditionals (HEAD too) and ranges; a missing path or a folder gets 404.
 * The file is served as named, dotfile or not, through any symbolic link.
 *
 * @param req The request.
 * @param filePath The file.
 * @param options std's options (accepted, not used).
 * @returns The response.
 * @throws {TypeError} (as a rejection) for a mistyped option.
 *
 * @example A range of one file
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveFile } from "./std.ts";
 *
 * const path = `${import.meta.dirname}/std.ts`;
 * const request = new Request("http://localhost/any", { headers: { range: "bytes=0-2" } });
 * const response = await serveFile(request, path);
 * assert.equal(response.status, 206);
 * assert.equal(await response.text(), "/**");
 * ```
 */
export async function serveFile(
  req: Request,
  filePath: string,
  options?: ServeFileOptions,
): Promise<Response> {
  if (typeof filePath !== "string" || filePath === "") {
    fail("filePath", "must be a non-empty string");
  }
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    fail("options", "must be an object");
  }
  checkAlgorithm(options?.etagAlgorithm);
  // One handler rooted at "/" serves every path, so that its cache is
  // shared and bounded by the core's limits; a missing parent folder is a
  // 404 like any missing path, never a failed root.
  fileHandler ??= runtimeFileSystem().then((fs) =>
    createFileHandler({
      root: "/",
      fs,
      index: false,
      dotfiles: "allow",
      symlinks: "always",
    })
  );
  const handler = await fileHandler;
  const method = req.method;
  // Another method never reaches the path: the core answers 405 at once.
  if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") return await handler(req);
  const segments = resolve(filePath).split("/").filter((s) => s !== "");
  const url = URL.parse(req.url) ?? new URL("http://localhost/");
  url.pathname = "/" + segments.map(encodeURIComponent).join("/");
  url.search = "";
  const request = new Request(url, { method, headers: req.headers, signal: req.signal });
  const response = await handler(request);
  // A folder is not a file: std answers 404 where the core would redirect.
  if (response.status === 301) {
    await response.body?.cancel();
    return errorResponse(404, method);
  }
  return response;
}
