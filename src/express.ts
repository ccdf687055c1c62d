/**
 * A `(req, res, next)` middleware over {@linkcode createFileHandler} for
 * Node's servers and the frameworks on them (Express 5, Connect, Polka):
 * the core's full HTTP semantics with serve-static's conventions. A path
 * that is not a file, and a method other than GET and HEAD, fall through
 * to `next()`; an unexpected error goes to `next(err)`; a mount path is
 * honoured, folder redirects included.
 *
 * Responses are written to `res` by the Node adapter's bridge: a cached
 * file is sent with no web `Request` or `Response` built.
 *
 * @example Serving ./public under /static
 * ```ts ignore
 * import express from "express";
 * import { serveFiles } from "@seed/fileserver/express";
 *
 * const app = express();
 * // GET /static/app.js serves ./public/app.js, as serve-static does.
 * app.use("/static", serveFiles({ root: "./public" }));
 * app.listen(8000);
 * ```
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { createFileHandler } from "./core/handler.ts";
import type { FileHandlerOptions } from "./core/options.ts";
import type { FileSystem } from "./core/fs.ts";
import { nodeFileSystem } from "./fs/node.ts";
import {
  type BridgeState,
  nodeHeaderReader,
  requestUrl,
  toRequest,
  writeReply,
  writeResponse,
} from "./adapters/_node_bridge.ts";
import { cachedReplyOf, handleViewOf } from "./adapters/_serve_options.ts";

/** The request as Express, Connect and Polka hand it over. */
export interface ExpressRequest extends IncomingMessage {
  /** The path the middleware is mounted on (Express). */
  baseUrl?: string;
  /** The URL before the mount path was taken off it (Express, Connect). */
  originalUrl?: string;
}

/**
 * The `next` of Express, Connect and Polka: no argument goes on, an error
 * fails. Typed with `Error` so that each framework's own `next` type fits.
 */
export type NextFunction = (error?: Error) => void;

/** A Connect-style middleware. */
export type NodeMiddleware = (
  req: ExpressRequest,
  res: ServerResponse,
  next: NextFunction,
) => void;

/**
 * Options of {@linkcode serveFiles}: the core's options, with `fs` optional
 * and a `root` relative to the working directory allowed, plus serve-static's
 * `fallthrough`.
 */
export interface ServeFilesOptions extends Omit<FileHandlerOptions, "fs"> {
  /**
   * The file system.
   * @default {nodeFileSystem()}
   */
  fs?: FileSystem;
  /**
   * As in serve-static: `true` sends a 404, and a method other than GET and
   * HEAD, to `next()`; `false` answers them (404, 405 with `Allow`).
   * Unexpected errors go to `next(err)` either way.
   * @default {true}
   */
  fallthrough?: boolean;
}

// Never shuts down on its own: the framework's server owns the connection.
const STATE: BridgeState = {
  secure: false,
  closing: false,
  onRequest: () => {},
  onResponseEnd: () => {},
  onResponseDone: null,
};

/**
 * Creates a middleware that serves the files under `options.root`.
 *
 * The path looked up is `req.url`, which Express and Connect give without
 * the mount path; a folder redirect puts the mount path back. One core
 * handler is built, so its caches live as long as the middleware.
 *
 * @param options The core's options, plus `fs` and `fallthrough`.
 * @returns The middleware.
 * @throws {TypeError} for a missing, conflicting or mistyped option.
 * @throws {RangeError} for a value out of range.
 *
 * @example A path that is not a file falls through
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IncomingMessage, ServerResponse } from "node:http";
 * import { serveFiles } from "./express.ts";
 *
 * const middleware = serveFiles({ root: import.meta.dirname ?? "." });
 * const req = { method: "GET", url: "/no-such-file", headers: { host: "x" }, socket: {} };
 * const fellThrough = await new Promise((done) => {
 *   middleware(req as IncomingMessage, {} as ServerResponse, (error) => done(error === undefined));
 * });
 * assert.ok(fellThrough);
 * ```
 */
export function serveFiles(options: ServeFilesOptions): NodeMiddleware {
  const { fs, fallthrough = true, onError, ...core } = options;
  if (typeof fallthrough !== "boolean") {
    throw new TypeError(`Cannot serve "${core.root}": fallthrough must be a boolean`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`Cannot serve "${core.root}": onError must be a function`);
  }
  // The error of each request whose web Request was built for onError.
  const failures = new WeakMap<Request, { error?: unknown }>();
  const handler = createFileHandler({
    ...core,
    root: absolute(core.root),
    fs: fs ?? nodeFileSystem(),
    onError(error, request) {
      const failure = failures.get(request);
      if (failure !== undefined) failure.error = error ?? new Error("unknown error");
      onError?.(error, request);
    },
  });
  const cached = cachedReplyOf(handler)!;
  const view = handleViewOf(handler)!;

  async function serve(req: ExpressRequest, res: ServerResponse, next: NextFunction) {
    const method = req.method ?? "";
    const target = req.url ?? "/";
    if (method !== "GET" && method !== "HEAD" && fallthrough) return next();
    const headers = nodeHeaderReader(req);
    if (target.startsWith("/") && (method === "GET" || method === "HEAD")) {
      const reply = await cached(method, target, headers);
      // A path known to name nothing is the next middleware's, as below.
      if (reply !== null && reply.status === 404 && fallthrough) return next();
      if (reply !== null) return writeReply(reply, req, res, STATE);
    }
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    const failure: { error?: unknown } = {};
    const response = await view({ method, url: requestUrl(req, secure), headers }, () => {
      const request = toRequest(req, res, secure) ?? new Request("http://invalid/");
      failures.set(request, failure);
      return request;
    });
    if ("error" in failure) {
      await response.body?.cancel();
      return next(asError(failure.error));
    }
    if (fallthrough && (response.status === 404 || response.status === 405)) {
      await response.body?.cancel();
      return next();
    }
    await writeResponse(mounted(response, req), req, res, STATE);
  }

  return (req, res, next) => {
    serve(req, res, next).catch((error) => {
      if (res.headersSent) res.destroy(error as Error);
      else next(asError(error));
    });
  };
}

// What the framework's error handler gets: what was thrown, as an Error.
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/**
 * serve-static's signature over {@linkcode serveFiles}: `serveStatic(root,
 * options)`, for a one-line switch.
 *
 * @param root The folder to serve.
 * @param options The other options of {@linkcode serveFiles}.
 * @returns The middleware.
 *
 * @example Same as serveFiles({ root })
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveStatic } from "./express.ts";
 *
 * assert.equal(typeof serveStatic(import.meta.dirname ?? "."), "function");
 * ```
 */
export function serveStatic(
  root: string,
  options: Omit<ServeFilesOptions, "root"> = {},
): NodeMiddleware {
  return serveFiles({ ...options, root });
}

function absolute(root: string): string {
  return typeof root === "string" && root !== "" && !root.startsWith("/") ? resolve(root) : root;
}

// The mount path Express (baseUrl) or Connect (originalUrl minus url) took
// off req.url; a redirect the core built from req.url must carry it.
function mountPath(req: ExpressRequest): string {
  if (typeof req.baseUrl === "string") return req.baseUrl;
  const original = (req.originalUrl ?? "").split("?")[0];
  const path = (req.url ?? "").split("?")[0];
  return original.endsWith(path) ? original.slice(0, original.length - path.length) : "";
}

function mounted(response: Response, req: ExpressRequest): Response {
  const location = response.headers.get("location");
  const prefix = location?.startsWith("/") && !location.startsWith("//") ? mountPath(req) : "";
  if (prefix === "") return response;
  const headers = new Headers(response.headers);
  headers.set("location", prefix + location);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
