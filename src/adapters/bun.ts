/**
 * `serve()` for Bun: the file handler (or any handler) on `Bun.serve`, with
 * polite shutdown by `AbortSignal`; and `fileRoute()`, the same answers as
 * one route of a `Bun.serve` of your own.
 *
 * @example Serving a folder until Ctrl-C
 * ```ts ignore
 * import { serve } from "@seed/fileserver/bun";
 *
 * const controller = new AbortController();
 * process.on("SIGINT", () => controller.abort());
 * const server = await serve({ root: "./public", port: 8000, signal: controller.signal });
 * console.log(`Listening on ${server.url}`);
 * await server.finished;
 * ```
 *
 * @example A route handler, called as Bun.serve calls it
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileRoute } from "./bun.ts";
 *
 * if ("Bun" in globalThis) {
 *   const files = fileRoute({ root: import.meta.dirname!, urlRoot: "/src" });
 *   const response = await files(new Request("http://localhost/src/bun.ts", { method: "HEAD" }));
 *   assert.equal(response.status, 200);
 * } else {
 *   assert.throws(() => fileRoute({ root: "." }), TypeError); // Bun only
 * }
 * ```
 *
 * @module
 */

import { bunFileSystem } from "../fs/bun.ts";
import { type BunFiles, FileSender } from "./_bun_send.ts";
import { BunResponseLog, type LoggedServer } from "./_bun_log.ts";
import { errorResponse } from "../core/responses.ts";
import type { Reply } from "../core/handler.ts";
import { checkFraming, REBASE, rebasedUrl, refusalResponse, SERVE } from "./_request_framing.ts";
import {
  cachedReplyOf,
  type Handler,
  headResponse,
  internalError,
  listenUrl,
  onAbort,
  resolveServeOptions,
  type ServeOptions,
  type Server,
} from "./_serve_options.ts";

export type {
  Handler,
  ListenInfo,
  OnResponseDone,
  ResponseInfo,
  ServeOptions,
  Server,
  TimeoutOptions,
  TlsOptions,
} from "./_serve_options.ts";
// The runtime-free core, so that one import gives the whole API.
export * from "../../mod.ts";
export { bunFileSystem } from "../fs/bun.ts";
export { zlibCompressor } from "../fs/zlib_compressor.ts";
export { zipArchiver } from "../fs/zip_archiver.ts";

// The part of Bun's API used here, declared locally so that type-checking
// this module does not need Bun's global types.
interface BunServer extends LoggedServer {
  hostname?: string;
  port?: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  timeout(request: Request, seconds: number): void;
}
interface BunServeOptions {
  hostname: string;
  port: number;
  reusePort: boolean;
  fetch: (request: Request) => Response | Promise<Response>;
  error: (error: unknown) => Response;
  tls?: { cert: string; key: string };
  development: boolean;
  idleTimeout: number;
}
interface BunGlobal extends BunFiles {
  serve(options: BunServeOptions): BunServer;
}

/**
 * Starts serving on Bun and resolves once it listens.
 *
 * When `options.signal` aborts, the server stops accepting, closes idle
 * keep-alive connections, lets in-flight responses finish for up to
 * `gracePeriodMs`, then cuts what is left; `finished` resolves when every
 * connection is closed.
 *
 * `idleTimeoutMs` becomes Bun's `idleTimeout` (whole seconds, at most
 * 255), which also ends a response that makes no progress for that long;
 * `headersTimeoutMs` and `requestTimeoutMs` are validated but Bun has no
 * such knobs: it allows a new connection 10 s for its header block.
 *
 * @param options What to serve and how to listen.
 * @returns The server's URL and its `finished` promise.
 * @throws {TypeError} for bad options, or when not running on Bun.
 * @throws {RangeError} for a port, grace period or timeout out of range.
 *
 * @example Composing a route in front of the files
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { bunFileSystem, serve } from "@seed/fileserver/bun";
 *
 * const files = createFileHandler({ root: process.cwd(), fs: bunFileSystem() });
 * await serve({
 *   port: 0,
 *   handler: (request) =>
 *     new URL(request.url).pathname === "/api/health" ? Response.json({ ok: true }) : files(request),
 * });
 * ```
 */
// deno-lint-ignore require-await
export async function serve(options: ServeOptions): Promise<Server> {
  // Async though nothing is awaited: Bun.serve throws at once on a busy
  // port, and serve() rejects then, as on Deno and Node.
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun === undefined) throw new TypeError("Cannot serve: not running on Bun");
  const resolved = resolveServeOptions(options, bunFileSystem);
  const { handler, gracePeriodMs, tls } = resolved;
  const files = new FileSender(bun, () => server.pendingRequests);
  const scheme = tls === null ? "http" : "https";
  const log = resolved.onResponseDone === null
    ? null
    : new BunResponseLog(resolved.onResponseDone, () => server, () => bun.gc(false));
  const server: BunServer = bun.serve({
    hostname: resolved.hostname,
    port: resolved.port,
    // Always given: with development false and reusePort left out, Bun
    // 1.4.5 sets SO_REUSEPORT anyway, so a second process would share the
    // port silently instead of failing as on Deno and Node.
    reusePort: resolved.reusePort,
    development: false,
    idleTimeout: bunIdleTimeout(resolved.idleTimeoutMs),
    ...(tls === null ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    fetch: log === null
      ? (request) => answer(request, scheme)
      : log.wrap((request) => answer(request, scheme), (response) => files.isNative(response)),
    error: () => internalError(),
  });
  const answer = bunResponder(handler, files, (request) => server.timeout(request, 0));
  const url = listenUrl(server.hostname ?? resolved.hostname, server.port ?? 0, tls !== null);
  const finished = Promise.withResolvers<void>();
  onAbort(resolved.signal, () => {
    // stop(false): stop accepting and close idle connections, but let
    // in-flight requests finish; stop(true) then cuts what is left.
    const timer = setTimeout(() => void server.stop(true).catch(() => {}), gracePeriodMs);
    server.stop(false).catch(() => {}).then(() => {
      clearTimeout(timer);
      files.releaseAll();
      log?.settleAll();
      finished.resolve();
    });
  });
  resolved.liveReload?.start();
  resolved.onListen({ url, hostname: url.hostname, port: Number(url.port) });
  return { url, finished: finished.promise };
}

/**
 * Options of {@linkcode fileRoute}: those of `serve()` that shape the
 * answers (`root` or `handler`, every `createFileHandler()` option,
 * `compress: true`, `auth`, `cors`). How to listen and stop is the business
 * of the `Bun.serve` the route is given to.
 */
export type FileRouteOptions = Omit<
  ServeOptions,
  | "port"
  | "hostname"
  | "signal"
  | "gracePeriodMs"
  | "onListen"
  | "tls"
  | "reusePort"
  | "headersTimeoutMs"
  | "idleTimeoutMs"
  | "requestTimeoutMs"
  | "onResponseDone"
  | "liveReload"
>;

const LISTEN_OPTIONS: readonly Exclude<keyof ServeOptions, keyof FileRouteOptions>[] = [
  "port",
  "hostname",
  "signal",
  "gracePeriodMs",
  "onListen",
  "tls",
  "reusePort",
  "headersTimeoutMs",
  "idleTimeoutMs",
  "requestTimeoutMs",
  "onResponseDone",
  "liveReload",
];

/** The part of Bun's `Server` that {@linkcode fileRoute} reads. */
export interface BunRouteServer {
  /** Requests not yet answered in full. */
  readonly pendingRequests: number;
}

/**
 * A handler for `Bun.serve`'s `routes` (or its `fetch`): Bun passes the
 * request and the server.
 */
export type BunRouteHandler = (
  request: Request,
  server?: BunRouteServer,
) => Response | Promise<Response>;

/**
 * Creates a handler for a `Bun.serve` route that serves the files under
 * `options.root` the way `serve()` does on Bun: a cached small file from
 * memory, a large one through Bun's own sendfile, HEAD answers dated, and
 * the request's framing checked.
 *
 * A route is matched by Bun before the handler runs, on the path as
 * received: `"/static/*"` takes `/static/` and below but not `/static`
 * itself, and Bun resolves dot-segments only after matching (a request for
 * `/static/../x` reaches the route as `/x`). So give the core's
 * `urlRoot: "/static"` to serve `./public/a.css` for `/static/a.css`: a
 * path outside `urlRoot` is then a 404 rather than a file of the root.
 *
 * Unlike `serve()`, it has no listening, shutdown or access-log options:
 * set those on `Bun.serve` (and stop with `server.stop()`). Every method
 * reaches the handler unless the route is an object of methods; the core
 * answers 405 with `Allow` to the others.
 *
 * @param options `root` (or `handler`) and the answer-shaping options of
 * `serve()`.
 * @returns The route handler.
 * @throws {TypeError} for a missing, conflicting or mistyped option, or a
 * listening option, which belongs to `Bun.serve`.
 * @throws {RangeError} for a value out of range.
 *
 * @example Files under /static beside an API route
 * ```ts ignore
 * import { fileRoute } from "@seed/fileserver/bun";
 *
 * const files = fileRoute({ root: "./public", urlRoot: "/static" });
 * Bun.serve({
 *   port: 8000,
 *   routes: {
 *     "/static/*": files,
 *     "/api/health": Response.json({ ok: true }),
 *   },
 * });
 * ```
 */
export function fileRoute(options: FileRouteOptions): BunRouteHandler {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun === undefined) throw new TypeError("Cannot serve: not running on Bun");
  if (typeof options === "object" && options !== null) {
    const misplaced = LISTEN_OPTIONS.find((name) => name in options);
    if (misplaced === "liveReload") {
      throw new TypeError('Cannot serve: "liveReload" needs serve(), which owns the server');
    }
    if (misplaced !== undefined) {
      throw new TypeError(
        `Cannot serve: "${misplaced}" is not a route option; set it on Bun.serve`,
      );
    }
  }
  const { handler } = resolveServeOptions(options as ServeOptions, bunFileSystem);
  let server: BunRouteServer | undefined;
  // Without a server (a handler called by hand), descriptors handed to Bun
  // are closed when their responses are collected.
  const files = new FileSender(bun, () => server?.pendingRequests ?? Infinity);
  const answer = bunResponder(handler, files);
  return (request, given) => {
    if (given !== undefined) server = given;
    return answer(request, request.url.startsWith("https:") ? "https" : "http");
  };
}

/**
 * How the adapter answers on Bun, for `serve()` and {@linkcode fileRoute}:
 * the request's framing checked, a cached file answered from memory, HEAD
 * answers dated, a file body handed to Bun natively by `files`, and an
 * event stream (live reload's, or a handler's) passed to `exempt`.
 */
function bunResponder(
  handler: Handler,
  files: FileSender,
  exempt?: (request: Request) => void,
): (received: Request, scheme: "http" | "https") => Response | Promise<Response> {
  const cached = cachedReplyOf(handler);
  async function answerFully(request: Request, received: Request): Promise<Response> {
    try {
      const response = await handler(request);
      if (request.method === "HEAD") return datedHeadResponse(response);
      // Bun 1.4.5 ends a streamed response at idleTimeout even while it
      // sends (probed: an event stream writing every 250 ms was cut after
      // 4 s with idleTimeout 1): an event stream is exempt from it.
      if (exempt !== undefined && response.headers.get("content-type") === "text/event-stream") {
        exempt(received);
      }
      return await withContentLength(await files.send(request, response));
    } catch {
      return internalError();
    }
  }
  // Not async: a cached file's answer is returned at once, which Bun.serve
  // sends sooner than one behind a promise.
  return (received, scheme) => {
    let request = received;
    const { method, url } = request;
    const host = request.headers.get("host");
    // Bun 1.4.5 builds request.url from the Host field (a bare path when
    // it is missing or invalid), never from an absolute-form target.
    const framing = checkFraming(
      { method, target: url, host, version: null, transferEncoding: false },
      scheme,
    );
    if (framing !== SERVE) {
      const rebased = framing === REBASE ? rebasedUrl(scheme, host, url) : null;
      if (rebased === null) {
        const refused = refusalResponse(framing === REBASE ? 400 : framing, method);
        return method === "HEAD" ? datedHeadResponse(refused) : refused;
      }
      request = new Request(rebased, received);
    }
    if (cached === undefined) return answerFully(request, received);
    // A cached file, or a known-missing path's 404, is answered before the
    // checks below: its body is bytes, and its HEAD answer needs only a Date.
    try {
      // Bun 1.4 builds request.url anew on each read.
      const reply = cached(method, request === received ? url : request.url, request.headers);
      if (reply instanceof Promise) {
        const later = request;
        return reply.then(
          (found) => found === null ? answerFully(later, received) : cachedResponse(found, method),
          () => internalError(),
        );
      }
      if (reply !== null) return cachedResponse(reply, method);
    } catch {
      return internalError();
    }
    return answerFully(request, received);
  };
}

function cachedResponse(reply: Reply, method: string): Response {
  return method === "HEAD" ? datedHeadResponse(reply.clonedResponse()) : reply.clonedResponse();
}

/**
 * Bun's `idleTimeout`, in whole seconds from 1 to 255 (0: none), for
 * `idleTimeoutMs`. Bun 1.4.5 (uWebSockets) keeps connection time in 4 s
 * ticks, so a connection is closed up to 4 s before or after the
 * rounded-up seconds, and the same timer also ends a response that makes
 * no progress for that long (a handler that has not answered yet, or a
 * client that stopped reading). The header block of a new connection has
 * uWebSockets' own fixed limit of 10 s, whatever is asked: Bun offers no
 * header or request timeout (checked by tests/slow_clients.test.ts).
 */
function bunIdleTimeout(idleTimeoutMs: number): number {
  if (idleTimeoutMs === 0) return 0;
  return Math.min(255, Math.ceil(idleTimeoutMs / 1000));
}

// Bun 1.4.5 sends no Date with its answers to HEAD, though it does for GET;
// RFC 9110 §6.6.1 wants one on every 2xx, 3xx and 4xx from a server that
// has a clock.
function datedHeadResponse(response: Response): Response {
  const head = headResponse(response);
  if (head.headers.has("date")) return head;
  const headers = new Headers(head.headers);
  headers.set("date", new Date().toUTCString());
  return new Response(head.body, { status: head.status, statusText: head.statusText, headers });
}

// Bun 1.4.5 drops the Content-Length of a ReadableStream body and sends it
// chunked (oven-sh/bun#10507), but keeps the length of a bytes body. A
// multipart/byteranges body (files are handed to Bun as Blobs by
// FileSender) up to BUFFERED_SIZE is read into memory first; a
// larger multipart body, or a handler's own stream, still goes out chunked.
const BUFFERED_SIZE = 1024 * 1024;

async function withContentLength(response: Response): Promise<Response> {
  const length = Number(response.headers.get("content-length") ?? NaN);
  const type = response.headers.get("content-type") ?? "";
  if (!(length <= BUFFERED_SIZE) || !/^multipart\/byteranges\s*;/i.test(type)) return response;
  let bytes: ArrayBuffer;
  try {
    bytes = await response.arrayBuffer();
  } catch {
    // A later part met a file changed (or a link swapped in) since the
    // lookup; nothing is sent yet, so the answer is the core's own for a
    // file that keeps changing.
    return errorResponse(503, "GET", { "retry-after": "1" });
  }
  return new Response(bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
