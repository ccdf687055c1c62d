/**
 * `serve()` for Node: the file handler (or any handler) on `node:http` or
 * `node:https`, with polite shutdown by `AbortSignal`.
 *
 * @example Serving a folder until Ctrl-C
 * ```ts ignore
 * import { serve } from "@seed/fileserver/node";
 *
 * const controller = new AbortController();
 * process.on("SIGINT", () => controller.abort());
 * const server = await serve({ root: "./public", port: 8000, signal: controller.signal });
 * console.log(`Listening on ${server.url}`);
 * await server.finished;
 * ```
 *
 * @example Answering a request in-process, without a server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler, nodeFileSystem } from "./node.ts";
 *
 * const files = createFileHandler({ root: import.meta.dirname!, fs: nodeFileSystem() });
 * const response = await files(new Request("http://localhost/node.ts", { method: "HEAD" }));
 * assert.equal(response.status, 200);
 * assert.match(response.headers.get("etag") ?? "", /^"/);
 * assert.equal((await files(new Request("http://localhost/no-such-file"))).status, 404);
 * ```
 *
 * @module
 */

import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createSecureServer, type SecureServerOptions } from "node:http2";
import type { AddressInfo } from "node:net";
import { nodeFileSystem } from "../fs/node.ts";
import { type BridgeState, createListener, refuseConnect } from "./_node_bridge.ts";
import { Connections } from "./_node_connections.ts";
import {
  listenUrl,
  onAbort,
  type ResolvedServeOptions,
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
export { nodeFileSystem } from "../fs/node.ts";
export { zlibCompressor } from "../fs/zlib_compressor.ts";
export { zipArchiver } from "../fs/zip_archiver.ts";

/**
 * Starts serving on Node and resolves once it listens.
 *
 * When `options.signal` aborts, the server stops accepting, closes idle
 * keep-alive connections, lets in-flight responses finish for up to
 * `gracePeriodMs`, then cuts what is left; `finished` resolves when every
 * connection is closed.
 *
 * Slow clients are bounded by Node's own timeouts: `headersTimeoutMs` is
 * `server.headersTimeout` (and the TLS `handshakeTimeout`),
 * `requestTimeoutMs` is `server.requestTimeout`, `idleTimeoutMs` is
 * `server.keepAliveTimeout` for HTTP/1 and the adapter's own timer for
 * HTTP/2 sessions without an open stream.
 *
 * @param options What to serve and how to listen.
 * @returns The server's URL and its `finished` promise.
 * @throws {TypeError} for bad options (before anything listens).
 * @throws {RangeError} for a port, grace period or timeout out of range.
 *
 * @example Composing a route in front of the files
 * ```ts ignore
 * import { createFileHandler } from "@seed/fileserver";
 * import { nodeFileSystem, serve } from "@seed/fileserver/node";
 *
 * const files = createFileHandler({ root: process.cwd(), fs: nodeFileSystem() });
 * await serve({
 *   port: 0,
 *   handler: (request) =>
 *     new URL(request.url).pathname === "/api/health" ? Response.json({ ok: true }) : files(request),
 * });
 * ```
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const resolved = resolveServeOptions(options, nodeFileSystem);
  const connections = new Connections(resolved.idleTimeoutMs);
  const state: BridgeState = {
    secure: resolved.tls !== null,
    closing: false,
    onRequest: (req) => connections.requestStarted(req),
    onResponseEnd: (req) => connections.responseEnded(req),
    onResponseDone: resolved.onResponseDone,
  };
  const server = createNodeServer(resolved, state, connections);
  await listen(server, resolved);
  const address = server.address() as AddressInfo;
  const url = listenUrl(address.address, address.port, state.secure);
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = closed.then(() => clearTimeout(timer));
  onAbort(resolved.signal, () => {
    state.closing = true;
    // close() stops accepting; 'close' follows once every connection ends.
    server.close();
    connections.closeIdle();
    timer = setTimeout(() => connections.destroyAll(), resolved.gracePeriodMs);
  });
  resolved.liveReload?.start();
  resolved.onListen({ url, hostname: url.hostname, port: Number(url.port) });
  return { url, finished };
}

// Plain HTTP/1.1, or TLS with ALPN offering h2 and http/1.1.
function createNodeServer(
  resolved: ResolvedServeOptions,
  state: BridgeState,
  connections: Connections,
): HttpServer {
  const listener = createListener(resolved.handler, state);
  // Repeated fields joined with ", " as in Headers (Node keeps only the
  // first Host line otherwise), so that checkFraming() sees two Host lines.
  const joinDuplicateHeaders = true;
  const timeouts = http1Timeouts(resolved);
  if (resolved.tls === null) {
    const server = createHttpServer({ joinDuplicateHeaders, ...timeouts }, listener);
    server.on("connection", (socket) => connections.addSocket(socket));
    server.on("connect", refuseConnect);
    return server;
  }
  const server = createSecureServer({
    cert: resolved.tls.cert,
    key: resolved.tls.key,
    allowHTTP1: true,
    joinDuplicateHeaders,
    // A client that never finishes its TLS handshake. Node reads 0 as its
    // default, 120 s, so the handshake stays bounded even then.
    handshakeTimeout: resolved.headersTimeoutMs,
  } as SecureServerOptions, listener);
  server.on("connect", refuseConnect);
  // The HTTP/1 connections of an HTTP/2 server read these as node:http's
  // do (checked on Node 24); its HTTP/2 sessions' idle time is tracked by
  // `connections`.
  Object.assign(server, timeouts);
  server.on("secureConnection", (socket) => {
    if (socket.alpnProtocol !== "h2") connections.addSocket(socket);
  });
  server.on("session", (session) => connections.addSession(session));
  return server as unknown as HttpServer;
}

/**
 * Node's own HTTP/1 timeouts for the resolved options. Node looks for
 * expired header and request timeouts every `connectionsCheckingInterval`
 * (30 s by default, which would let a 10 s header timeout run to 40 s), so
 * the interval follows the shorter timeout: a tenth of it, from 50 ms to 1 s.
 */
function http1Timeouts(resolved: ResolvedServeOptions) {
  const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs } = resolved;
  const shortest = Math.min(headersTimeoutMs || Infinity, requestTimeoutMs || Infinity);
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node 24 waits keepAliveTimeoutBuffer (1 s) more than it announces in
    // `Keep-Alive: timeout=N`, so that clients close first.
    keepAliveTimeout: idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(shortest / 10))),
  };
}

function listen(server: HttpServer, resolved: ResolvedServeOptions): Promise<void> {
  const { port, hostname: host, reusePort } = resolved;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, reusePort }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
