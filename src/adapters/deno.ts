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
 * @example Answering a request in-process, without a server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler, denoFileSystem } from "./deno.ts";
 *
 * const files = createFileHandler({ root: import.meta.dirname!, fs: denoFileSystem() });
 * const response = await files(new Request("http://localhost/deno.ts", { method: "HEAD" }));
 * assert.equal(response.status, 200);
 * assert.match(response.headers.get("etag") ?? "", /^"/);
 * assert.equal((await files(new Request("http://localhost/no-such-file"))).status, 404);
 * ```
 *
 * @module
 */

import { denoFileSystem } from "../fs/deno.ts";
import { cuttableBody } from "../fs/cuttable_body.ts";
import { checkFraming, REBASE, rebasedUrl, refusalResponse, SERVE } from "./_request_framing.ts";
import { loggedAnswers, withBody } from "./_deno_log.ts";
import {
  cachedReplyOf,
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
export { denoFileSystem } from "../fs/deno.ts";
export { zlibCompressor } from "../fs/zlib_compressor.ts";
export { zipArchiver } from "../fs/zip_archiver.ts";

/**
 * Starts serving on Deno and resolves once it listens.
 *
 * When `options.signal` aborts, the server stops accepting, closes idle
 * keep-alive connections, lets in-flight responses finish for up to
 * `gracePeriodMs`, then cuts what is left; `finished` resolves when every
 * connection is closed.
 *
 * `headersTimeoutMs`, `idleTimeoutMs` and `requestTimeoutMs` are validated
 * but have no effect: `Deno.serve` in Deno 2.9 has no such timeouts and no
 * way to close a connection, so a client that never finishes its header
 * block, or a kept-alive connection that stays idle, holds its connection
 * until the client leaves.
 *
 * @param options What to serve and how to listen.
 * @returns The server's URL and its `finished` promise.
 * @throws {TypeError} for bad options (before anything listens).
 * @throws {RangeError} for a port, grace period or timeout out of range.
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
  // Live reload watches with one recursive watch: each Deno watch() is an
  // inotify instance of its own (src/adapters/_tree_watcher.ts).
  const resolved = resolveServeOptions(options, denoFileSystem, true);
  const { handler, gracePeriodMs, tls } = resolved;
  // Deno 2.9 ends the whole process (exit 70) when reusePort is asked
  // without --unstable-net; a TypeError here can be caught and explained.
  // Deno.listenDatagram exists exactly when that flag is on.
  if (
    resolved.reusePort &&
    typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function"
  ) {
    throw new TypeError('Cannot serve: "reusePort" needs Deno\'s --unstable-net flag');
  }
  const inFlight = new InFlight();
  const cached = cachedReplyOf(handler);
  const scheme = tls === null ? "http" : "https";
  // The authority Deno 2.9 puts in request.url when an HTTP/1 request has
  // no Host. HTTP/2 requests have no host field either, and one whose
  // :authority is that same `localhost:PORT` looks the same: over TLS, where
  // browsers speak HTTP/2, it is not looked for; over plain HTTP only h2c
  // with prior knowledge (no browser) is mistaken for it.
  let missingHost: string | null = null;
  const listening = Promise.withResolvers<URL>();
  // The timeouts are not passed on: Deno.serve has none, and hyper's own
  // 30 s header_read_timeout does not fire under Deno 2.9 (checked: a
  // connection trickling its headers, silent, or idle after a response,
  // was still open after 330 s).
  // No `signal` is given to Deno.serve: on Deno 2.9 aborting it drops
  // in-flight responses, and aborting it after shutdown() has begun throws
  // BadResource from inside Deno. shutdown() is the polite path.
  const server = Deno.serve({
    hostname: resolved.hostname,
    port: resolved.port,
    reusePort: resolved.reusePort,
    ...(tls === null ? {} : { cert: tls.cert, key: tls.key }),
    onListen: (address) => {
      const addr = address as Deno.NetAddr;
      if (tls === null) missingHost = `localhost:${addr.port}`;
      listening.resolve(listenUrl(addr.hostname, addr.port, tls !== null));
    },
    onError: () => internalError(),
  }, resolved.onResponseDone === null ? answer : loggedAnswers(answer, resolved.onResponseDone));
  // Not async: a cached file's answer is returned at once, which Deno.serve
  // sends sooner than one behind a promise.
  function answer(received: Request): Response | Promise<Response> {
    let request = received;
    const { method, url } = request;
    const host = hostOf(request, url, missingHost);
    const framing = checkFraming(
      { method, target: url, host, version: null, transferEncoding: false },
      scheme,
    );
    if (framing !== SERVE) {
      // Deno 2.9 sends the Connection: close of a refusal but keeps the
      // connection open (SECURITY.md, "Runtime limits").
      const rebased = framing === REBASE ? rebasedUrl(scheme, host, url) : null;
      if (rebased === null) return refusalResponse(framing === REBASE ? 400 : framing, method);
      request = new Request(rebased, {
        method,
        headers: request.headers,
        body: request.body,
        duplex: "half",
      } as RequestInit);
    }
    // A cached file, or a known-missing path's 404, is answered before any
    // of the work below: its body is small, and the handler never sees the
    // request or its signal.
    if (cached !== undefined) {
      const reply = cached(method, request.url, request.headers);
      if (reply instanceof Promise) {
        const later = request;
        return reply.then((found) => found?.clonedResponse() ?? answerFully(later, received));
      }
      if (reply !== null) return reply.clonedResponse();
    }
    return answerFully(request, received);
  }
  async function answerFully(request: Request, received: Request): Promise<Response> {
    const client = new ClientSignal(request, received);
    let response: Response;
    try {
      response = await handler(request);
    } catch {
      return client.settle(internalError());
    }
    if (request.method === "HEAD") response = headResponse(response);
    return inFlight.track(client.watch(response));
  }
  const url = await listening.promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = server.finished.then(() => clearTimeout(timer));
  onAbort(resolved.signal, () => {
    timer = setTimeout(() => inFlight.cutAll(), gracePeriodMs);
    server.shutdown().catch(() => {});
  });
  resolved.liveReload?.start();
  resolved.onListen({ url, hostname: url.hostname, port: Number(url.port) });
  return { url, finished };
}

// The Host field, or for HTTP/2 the :authority. Deno 2.9 tells neither the
// version nor whether Host was sent: an HTTP/1 request without it has no
// host field and a URL naming `missing`; an HTTP/2 request has no host
// field either, and its URL names its :authority.
function hostOf(request: Request, url: string, missing: string | null): string | null {
  const host = request.headers.get("host");
  if (host !== null) return host;
  const start = url.indexOf("//") + 2;
  let end = start;
  while (end < url.length && url[end] !== "/" && url[end] !== "?") end++;
  const authority = url.slice(start, end);
  return authority === missing ? null : authority;
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
    // `body` is read only for large bodies: reading it turns a string or
    // bytes body into a stream, which Deno 2.9 then sends chunked.
    if (!(length > CUTTABLE_SIZE) || response.body === null) return response;
    const cuttable = cuttableBody(response.body);
    if (cuttable !== null) {
      // The port's own file bodies are cut directly: no second stream, no
      // extra JavaScript step per chunk (src/fs/cuttable_body.ts).
      const cut = () => cuttable.cut(new Error("Cannot finish response: grace period over"));
      // Only Deno.serve reads it from here on (a logging wrapper passes
      // each chunk straight on, asking for the next only when Deno does).
      cuttable.detachSent();
      this.#cuts.add(cut);
      cuttable.ended.then(() => this.#cuts.delete(cut));
      return response;
    }
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
    return withBody(response, body);
  }

  cutAll(): void {
    for (const cut of [...this.#cuts]) cut();
  }
}

const denoSignal = Object.getOwnPropertyDescriptor(Request.prototype, "signal")!.get!;

const CLIENT = Symbol("client signal");
type WithClient = Request & { [CLIENT]: ClientSignal };

// One getter and one descriptor for every request: V8 then gives each
// request the same hidden class. A closure per request gave each its own
// property layout, and on Deno 2.9 held ours-deno at about 130 MiB of RSS
// on 404s against about 75 without (bench/README.md, "Large files on
// Deno").
const SIGNAL_PROPERTY: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: WithClient): AbortSignal {
    return this[CLIENT].signal();
  },
};

/**
 * `request.signal` as on Bun and Node: it aborts only when the client
 * leaves before the response is sent. Deno 2.9 also aborts it after every
 * response that was sent in full (its "legacy abort", off only with
 * `--unstable-no-legacy-abort`), and `ServeHandlerInfo.completed` resolves
 * even when the client left mid-body, so neither tells the two apart.
 * Deno's signal is read only on the handler's first `request.signal`, and
 * its abort is passed on while the handler runs and, after that, while the
 * body is still being sent. A signal first read once the handler has
 * returned keeps Deno's behaviour.
 */
class ClientSignal {
  #received: Request;
  #controller: AbortController | null = null;
  #sent = false;

  /**
   * @param request The request the handler gets.
   * @param received The request Deno made, whose signal is Deno's.
   */
  constructor(request: Request, received: Request) {
    this.#received = received;
    (request as WithClient)[CLIENT] = this;
    Object.defineProperty(request, "signal", SIGNAL_PROPERTY);
  }

  /** The signal the handler sees (read through `request.signal`). */
  signal(): AbortSignal {
    if (this.#controller !== null) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const native: AbortSignal = denoSignal.call(this.#received);
    const pass = () => {
      if (!this.#sent) controller.abort(native.reason);
    };
    if (native.aborted) pass();
    else native.addEventListener("abort", pass, { once: true });
    return controller.signal;
  }

  /** A response whose small body goes out in one write: nothing to watch. */
  settle(response: Response): Response {
    this.#sent = true;
    return response;
  }

  /**
   * The response, with its body watched when the handler has read the
   * signal (a string body then goes out chunked, as any stream without a
   * Content-Length does).
   */
  watch(response: Response): Response {
    // Unread so far: `body` is left alone, since reading it turns a string
    // or bytes body into a stream that Deno sends chunked.
    if (this.#controller === null) return response;
    const body = response.body;
    if (body === null) {
      this.#sent = true;
      return response;
    }
    const reader = body.getReader();
    const watched = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { done, value } = await reader.read();
          if (!done) return controller.enqueue(value);
          this.#sent = true;
          controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return withBody(response, watched);
  }
}
