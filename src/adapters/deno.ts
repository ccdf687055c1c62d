/**
 * `serve()` for Deno: the file handler (or any handler) on `Deno.serve`,
 * with polite shutdown by `AbortSignal`.
 *
 * @example Serving a folder until Ctrl-C
 * ```ts ignore
 * import { serve } from "@seed/fileserver/deno";
 *
 * const controller = new AbortController();
 * Deno.addSignalListener("SIGINT", () => controller.abort());
 * const server = await serve({ root: "./public", port: 8000, signal: controller.signal });
 * console.log(`Listening on ${server.url}`);
 * await server.finished;
 * ```
 *
 * @module
 */

import { denoFileSystem } from "../fs/deno.ts";
import {
  internalError,
  listenUrl,
  onAbort,
  resolveServeOptions,
  type ServeOptions,
  type Server,
} from "./_serve_options.ts";

export type { Handler, ListenInfo, ServeOptions, Server, TlsOptions } from "./_serve_options.ts";
// The runtime-free core, so that one import gives the whole API.
export * from "../../mod.ts";
export { denoFileSystem } from "../fs/deno.ts";

/**
 * Starts serving on Deno and resolves once it listens.
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
 * import { denoFileSystem, serve } from "@seed/fileserver/deno";
 *
 * const files = createFileHandler({ root: Deno.cwd(), fs: denoFileSystem() });
 * await serve({
 *   port: 0,
 *   handler: (request) =>
 *     new URL(request.url).pathname === "/api/health" ? Response.json({ ok: true }) : files(request),
 * });
 * ```
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const resolved = resolveServeOptions(options, denoFileSystem);
  const { handler, gracePeriodMs, tls } = resolved;
  const inFlight = new InFlight();
  const listening = Promise.withResolvers<URL>();
  // No `signal` is given to Deno.serve: on Deno 2.9 aborting it drops
  // in-flight responses, and aborting it after shutdown() has begun throws
  // BadResource from inside Deno. shutdown() is the polite path.
  const server = Deno.serve({
    hostname: resolved.hostname,
    port: resolved.port,
    ...(tls === null ? {} : { cert: tls.cert, key: tls.key }),
    onListen: (address) => {
      const addr = address as Deno.NetAddr;
      listening.resolve(listenUrl(addr.hostname, addr.port, tls !== null));
    },
    onError: () => internalError(),
  }, async (request) => {
    let response: Response;
    try {
      response = await handler(request);
    } catch {
      return internalError();
    }
    return inFlight.track(response);
  });
  const url = await listening.promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = server.finished.then(() => clearTimeout(timer));
  onAbort(resolved.signal, () => {
    timer = setTimeout(() => inFlight.cutAll(), gracePeriodMs);
    server.shutdown().catch(() => {});
  });
  resolved.onListen({ url, hostname: url.hostname, port: Number(url.port) });
  return { url, finished };
}

// Bodies up to this size are sent at once; larger ones are downloads that a
// grace period may have to cut.
const CUTTABLE_SIZE = 64 * 1024;

/**
 * The large bodies being sent, so that the end of the grace period can cut
 * them: Deno 2.9 has no call that closes a connection once shutdown() has
 * begun, but a body that errors makes Deno drop its connection.
 */
class InFlight {
  #cuts = new Set<() => void>();

  track(response: Response): Response {
    const length = Number(response.headers.get("content-length") ?? 0);
    if (response.body === null || !(length > CUTTABLE_SIZE)) return response;
    const reader = response.body.getReader();
    const cuts = this.#cuts;
    let cut = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        cut = () => {
          cuts.delete(cut);
          controller.error(new Error("Cannot finish response: grace period over"));
          reader.cancel().catch(() => {});
        };
        cuts.add(cut);
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (!done) return controller.enqueue(value);
          cuts.delete(cut);
          controller.close();
        } catch (error) {
          cuts.delete(cut);
          controller.error(error);
        }
      },
      cancel(reason) {
        cuts.delete(cut);
        return reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  cutAll(): void {
    for (const cut of [...this.#cuts]) cut();
  }
}
