/**
 * A [Hono](https://hono.dev) middleware over {@linkcode createFileHandler}:
 * the core's full HTTP semantics (validators, conditionals, ranges,
 * precompressed sidecars, compression, listing, dotfiles, symlink
 * containment) on Deno, Bun and Node, with Hono's conventions: a path that
 * is not a file falls through to the next handler.
 *
 * This module imports nothing from `hono`: the middleware is typed by the
 * few members of Hono's `Context` it reads, so any Hono 4 accepts it.
 *
 * @example Serving ./public under /static
 * ```ts ignore
 * import { Hono } from "hono";
 * import { serveStatic } from "@seed/fileserver/hono";
 *
 * const app = new Hono();
 * // GET /static/app.js serves ./public/static/app.js, as Hono's own does.
 * app.use("/static/*", serveStatic({ root: "./public" }));
 * app.get("/", (c) => c.text("home"));
 * export default app;
 * ```
 *
 * @module
 */

import { createFileHandler, type FileHandler } from "./core/handler.ts";
import { type FileHandlerOptions, resolveOptions } from "./core/options.ts";
import type { FileSystem } from "./core/fs.ts";
import { runtimeFileSystem } from "./fs/runtime.ts";
import { resolve } from "node:path";

/** The members of Hono's `Context` that {@linkcode serveStatic} reads. */
export interface HonoContext {
  /** Hono's request wrapper. */
  req: {
    /** The web request. */
    raw: Request;
    /** The request's URL path, as Hono routes it. */
    path: string;
  };
}

/** Hono's `Next`: runs the handlers after this one. */
export type HonoNext = () => Promise<void>;

/** A Hono `MiddlewareHandler`, in the shape that any Hono 4 accepts. */
export type HonoMiddleware = (c: HonoContext, next: HonoNext) => Promise<Response | void>;

/**
 * Options of {@linkcode serveStatic}: the core's options, with `fs` optional
 * and `root` relative to the working directory allowed, as in Hono.
 */
export interface ServeStaticOptions extends Omit<FileHandlerOptions, "fs"> {
  /**
   * The file system; without it, the running runtime's own port
   * (`denoFileSystem`, `bunFileSystem` or `nodeFileSystem`) is loaded on the
   * first request.
   * @default {the running runtime's port}
   */
  fs?: FileSystem;
  /**
   * Maps the request path (the whole path, mount prefix included) to the
   * path looked up under `root`, as in Hono's own `serveStatic`. A folder
   * redirect is mapped back to the path the client asked for.
   * @default {undefined}
   */
  rewriteRequestPath?: (path: string, c: HonoContext) => string;
  /**
   * What a path that is not a file gets: `"next"` falls through to the
   * handlers after this one (Hono's convention), `"404"` answers the core's
   * 404. A method other than GET and HEAD always falls through, as in Hono.
   * @default {"next"}
   */
  onNotFound?: "next" | "404";
}

/**
 * Creates a Hono middleware that serves the files under `options.root`.
 *
 * As with Hono's own `serveStatic`, the whole request path is looked up
 * under `root`: `app.use("/static/*", serveStatic({ root: "./public" }))`
 * serves `/static/a.css` from `./public/static/a.css`. To drop the mount
 * prefix, pass the core's `urlRoot: "/static"` (its folder redirects keep
 * the prefix) or a `rewriteRequestPath`.
 *
 * One core handler is built for the middleware, so its caches live as long
 * as the app. Without `options.fs`, the runtime's file-system port is
 * loaded on the first request; the options are checked at once all the
 * same.
 *
 * @param options The core's options, plus `fs`, `rewriteRequestPath` and
 * `onNotFound`.
 * @returns The middleware.
 * @throws {TypeError} for a missing, conflicting or mistyped option.
 * @throws {RangeError} for a value out of range.
 *
 * @example A path that is not a file falls through
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveStatic } from "./hono.ts";
 *
 * const middleware = serveStatic({ root: import.meta.dirname ?? "." });
 * const c = { req: { raw: new Request("http://x/no-such-file"), path: "/no-such-file" } };
 * let fellThrough = false;
 * const answer = await middleware(c, async () => {
 *   fellThrough = true;
 * });
 * assert.equal(answer, undefined);
 * assert.ok(fellThrough);
 * ```
 */
export function serveStatic(options: ServeStaticOptions): HonoMiddleware {
  const { fs, rewriteRequestPath, onNotFound = "next", ...core } = options;
  if (onNotFound !== "next" && onNotFound !== "404") {
    throw new TypeError(`Cannot serve "${core.root}": onNotFound must be "next" or "404"`);
  }
  if (rewriteRequestPath !== undefined && typeof rewriteRequestPath !== "function") {
    throw new TypeError(`Cannot serve "${core.root}": rewriteRequestPath must be a function`);
  }
  // The core's own checks, now rather than on the first request, which
  // builds the handler once the port has loaded: a port of the right shape
  // stands in for it.
  resolveOptions({ ...core, root: absolute(core.root), fs: fs ?? STAND_IN });
  const handler: Promise<FileHandler> =
    (fs === undefined ? runtimeFileSystem() : Promise.resolve(fs))
      .then((fileSystem) =>
        createFileHandler({ ...core, root: absolute(core.root), fs: fileSystem })
      );
  // Seen by the first request; until then, no unhandled rejection.
  handler.catch(() => {});

  return async (c, next) => {
    const raw = c.req.raw;
    // As Hono's own: other methods (OPTIONS too, so that a CORS preflight
    // route after this one is reached) are not ours to answer.
    if (raw.method !== "GET" && raw.method !== "HEAD") return next();
    const rewritten = rewriteRequestPath?.(c.req.path, c);
    const request = rewritten === undefined ? raw : withPath(raw, rewritten);
    const response = await (await handler)(request);
    if (response.status === 404 && onNotFound === "next") {
      await response.body?.cancel();
      await next();
      return;
    }
    if (rewritten !== undefined && isRedirect(response.status)) {
      return redirectBack(response, request, raw);
    }
    return response;
  };
}

const unused = () => Promise.reject(new Error("not loaded yet"));
const STAND_IN = {
  stat: unused,
  lstat: unused,
  realPath: unused,
  realStat: unused,
  readDir: unused,
  open: unused,
  // Every runtime's port can hash, so `etag: "content"` passes the check.
  hash: unused,
} as unknown as FileSystem;

// Hono's own takes a root relative to the working directory ("./public").
function absolute(root: string): string {
  return typeof root === "string" && root !== "" && !root.startsWith("/") ? resolve(root) : root;
}

function withPath(request: Request, path: string): Request {
  const url = new URL(request.url);
  url.pathname = path;
  return new Request(url, request);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 307 || status === 308;
}

// The core redirects a folder to the rewritten path plus "/"; the client
// must be sent to the path it asked for plus "/".
function redirectBack(response: Response, rewritten: Request, original: Request): Response {
  const location = response.headers.get("location");
  if (location === null) return response;
  const base = new URL(rewritten.url);
  const target = new URL(location, base);
  if (target.origin !== base.origin || target.pathname !== `${base.pathname}/`) return response;
  const back = new URL(original.url);
  back.pathname = `${back.pathname}/`;
  back.search = target.search;
  const headers = new Headers(response.headers);
  headers.set("location", location.startsWith("/") ? back.pathname + back.search : back.href);
  return new Response(response.body, { status: response.status, headers });
}
