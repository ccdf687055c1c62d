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
 * @module
 */

import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { nodeFileSystem } from "../fs/node.ts";
import { type BridgeState, createListener } from "./_node_bridge.ts";
import {
  listenUrl,
  onAbort,
  resolveServeOptions,
  type ServeOptions,
  type Server,
} from "./_serve_options.ts";

export type { Handler, ListenInfo, ServeOptions, Server, TlsOptions } from "./_serve_options.ts";
export { nodeFileSystem } from "../fs/node.ts";

/**
 * Starts serving on Node and resolves once it listens.
 *
 * When `options.signal` aborts, the server stops accepting, closes idle
 * keep-alive connections, lets in-flight responses finish for up to
 * `gracePeriodMs`, then cuts what is left; `finished` resolves when every
 * connection is closed.
 *
 * @param options What to serve and how to listen.
 * @returns The server's URL and its `finished` promise.
 * @throws {TypeError} for bad options (before anything listens).
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
  const { tls, gracePeriodMs } = resolved;
  const state: BridgeState = {
    secure: tls !== null,
    closing: false,
    // A connection whose last response just ended is idle only once Node
    // has processed the end, hence the deferral.
    afterResponse: () => {
      if (state.closing) setImmediate(() => server.closeIdleConnections());
    },
  };
  const listener = createListener(resolved.handler, state);
  const server: HttpServer = tls === null
    ? createHttpServer(listener)
    : createHttpsServer({ cert: tls.cert, key: tls.key }, listener);
  await listen(server, resolved.port, resolved.hostname);
  const address = server.address() as AddressInfo;
  const url = listenUrl(address.address, address.port, tls !== null);
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = closed.then(() => clearTimeout(timer));
  onAbort(resolved.signal, () => {
    if (state.closing) return;
    state.closing = true;
    // close() stops accepting; idle keep-alive sockets are closed now, and
    // busy ones after their response (which then says Connection: close).
    server.close();
    server.closeIdleConnections();
    timer = setTimeout(() => server.closeAllConnections(), gracePeriodMs);
  });
  resolved.onListen({ url, hostname: url.hostname, port: Number(url.port) });
  return { url, finished };
}

function listen(server: HttpServer, port: number, hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
