/**
 * The options of every adapter's `serve()`, validated once, the same way on
 * every runtime.
 *
 * @module
 */

import { resolve } from "node:path";
import type { FileSystem } from "../core/fs.ts";
import {
  CACHED_REPLY,
  type CachedReply,
  createFileHandler,
  HANDLE_VIEW,
  type Handler,
  type HandleView,
} from "../core/handler.ts";
import type { FileHandlerOptions } from "../core/options.ts";
import type { Compressor } from "../core/compression.ts";
import type { Archiver } from "../core/archive.ts";
import { zlibCompressor } from "../fs/zlib_compressor.ts";
import { zipArchiver } from "../fs/zip_archiver.ts";
import { type BasicAuthOptions, withBasicAuth } from "../core/basic_auth.ts";
import { withCors } from "../core/cors.ts";
import { type ResolvedTimeouts, resolveTimeouts, type TimeoutOptions } from "./_timeouts.ts";
import type { OnResponseDone } from "./_response_info.ts";
import { LiveReload } from "./_live_reload.ts";
import { resolveUrlRoot } from "../core/option_checks.ts";

export type { Handler } from "../core/handler.ts";
export type { TimeoutOptions } from "./_timeouts.ts";
export type { OnResponseDone, ResponseInfo } from "./_response_info.ts";

/** Where a server listens, as given to `onListen`. */
export interface ListenInfo {
  /** The URL to reach the server at, e.g. `http://127.0.0.1:8000/`. */
  url: URL;
  /** The bound host name or address. */
  hostname: string;
  /** The bound port (the one picked, when `port` was 0). */
  port: number;
}

/** Certificate and key, in PEM, for HTTPS. */
export interface TlsOptions {
  /** The certificate chain, PEM. */
  cert: string;
  /** The private key, PEM. */
  key: string;
}

/**
 * Options of `serve()`: how to listen, when to stop, what to serve, and how
 * long slow clients may take ({@linkcode TimeoutOptions}).
 */
export interface ServeOptions
  extends
    Partial<Omit<FileHandlerOptions, "fs" | "root" | "compress" | "archive">>,
    TimeoutOptions {
  /**
   * Compress on the fly what has no sidecar (see `createFileHandler()`'s
   * `compress`): `true` for this runtime's zlib (br, zstd and gzip), or a
   * compressor of your own.
   * @default {false}
   */
  compress?: boolean | Compressor;
  /**
   * Folder download (see `createFileHandler()`'s `archive`; needs
   * `listing: true`): `true` for zip files (`zipArchiver()`), or an
   * archiver of your own.
   * @default {false}
   */
  archive?: boolean | Archiver;
  /**
   * The folder to serve (relative paths are resolved against the working
   * directory). Exactly one of `root` and `handler` is required.
   */
  root?: string;
  /**
   * A request handler to serve instead of a folder, e.g. your routes in
   * front of a `createFileHandler()`.
   */
  handler?: Handler;
  /**
   * The port; 0 picks a free one.
   * @default {8000}
   */
  port?: number;
  /**
   * The host name or address to listen on.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Aborting it starts the polite shutdown: stop accepting, close idle
   * connections, let in-flight responses finish, cut the rest after
   * `gracePeriodMs`.
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How long in-flight responses may go on after the signal aborts.
   * @default {10000}
   */
  gracePeriodMs?: number;
  /**
   * Called once the server listens.
   * @default {undefined}
   */
  onListen?: (info: ListenInfo) => void;
  /**
   * Serve HTTPS (and HTTP/2 where the runtime offers it on `serve()`).
   * @default {undefined}
   */
  tls?: TlsOptions;
  /**
   * Protect everything with HTTP Basic authentication (401 with a challenge
   * otherwise; credentials compared in constant time).
   * @default {undefined}
   */
  auth?: BasicAuthOptions;
  /**
   * Let any origin read the responses (`Access-Control-Allow-Origin: *`) and
   * answer CORS preflights.
   * @default {false}
   */
  cors?: boolean;
  /**
   * Let other processes listen on the same port too (`SO_REUSEPORT`), so that
   * one process per core can share it: the kernel spreads new connections
   * over the listeners. Every process on the port must set it (checked on
   * Linux); on Deno 2.9 it needs the `--unstable-net` flag, and without it
   * `serve()` rejects with a `TypeError`.
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * Called once per request when its response is over (sent, or cut), with
   * what an access log needs: client address, request line, status, bytes
   * actually sent, duration. Left unset, it costs nothing per request.
   * Errors it throws are caught (the first is printed once).
   * @default {undefined}
   */
  onResponseDone?: OnResponseDone;
  /**
   * Development mode: watch `root` and reload open pages when a file
   * changes (a changed stylesheet is swapped in place). HTML answers get a
   * script tag (see `createFileHandler()`'s `htmlSnippet`), and
   * `/.fileserver/live` (the event stream) and `/.fileserver/live.js` (the
   * script) are answered by the server, whatever the root holds there.
   * Needs `root`.
   * @default {false}
   */
  liveReload?: boolean;
}

/** A running server. */
export interface Server {
  /** Where it listens. */
  url: URL;
  /** Resolves once the server has stopped and every connection is closed. */
  finished: Promise<void>;
}

/** The serve options after validation. */
export interface ResolvedServeOptions extends ResolvedTimeouts {
  handler: Handler;
  port: number;
  hostname: string;
  signal: AbortSignal | null;
  gracePeriodMs: number;
  onListen: (info: ListenInfo) => void;
  tls: TlsOptions | null;
  reusePort: boolean;
  onResponseDone: OnResponseDone | null;
  /** Live reload, to start once the server listens; ended when `signal` aborts. */
  liveReload: LiveReload | null;
}

function fail(name: string, reason: string): never {
  throw new TypeError(`Cannot serve: "${name}" ${reason}`);
}

/**
 * Validates `serve()` options, builds the file handler over `fs` when a
 * `root` is given, and fills in defaults.
 *
 * @param options The user's options.
 * @param fs The running runtime's file-system port.
 * @param recursiveWatch Whether live reload watches the root with one
 *   recursive watch (Deno) rather than one watch per folder.
 * @returns The resolved options.
 * @throws {TypeError} for a missing, conflicting or mistyped option.
 * @throws {RangeError} for a port, grace period or timeout out of range.
 */
export function resolveServeOptions(
  options: ServeOptions,
  fs: () => FileSystem,
  recursiveWatch = false,
): ResolvedServeOptions {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  const {
    handler,
    root,
    port = 8000,
    hostname = "127.0.0.1",
    signal,
    gracePeriodMs = 10_000,
    onListen,
    tls,
    auth,
    cors = false,
    reusePort = false,
    headersTimeoutMs,
    idleTimeoutMs,
    requestTimeoutMs,
    onResponseDone,
    liveReload = false,
    ...fileOptions
  } = options;
  if ((handler === undefined) === (root === undefined)) {
    fail("root", 'or "handler" is required, and not both');
  }
  if (handler !== undefined && typeof handler !== "function") fail("handler", "must be a function");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError('Cannot serve: "port" must be an integer from 0 to 65535');
  }
  if (typeof hostname !== "string" || hostname === "") {
    fail("hostname", "must be a non-empty string");
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    fail("signal", "must be an AbortSignal");
  }
  if (typeof gracePeriodMs !== "number" || !(gracePeriodMs >= 0) || gracePeriodMs > 2 ** 31 - 1) {
    throw new RangeError('Cannot serve: "gracePeriodMs" must be a number from 0 to 2147483647');
  }
  if (onListen !== undefined && typeof onListen !== "function") {
    fail("onListen", "must be a function");
  }
  if (
    tls !== undefined &&
    (typeof tls !== "object" || tls === null || typeof tls.cert !== "string" ||
      typeof tls.key !== "string")
  ) fail("tls", "must be { cert, key } with PEM strings");
  if (typeof cors !== "boolean") fail("cors", "must be a boolean");
  if (typeof reusePort !== "boolean") fail("reusePort", "must be a boolean");
  if (onResponseDone !== undefined && typeof onResponseDone !== "function") {
    fail("onResponseDone", "must be a function");
  }
  if (typeof liveReload !== "boolean") fail("liveReload", "must be a boolean");
  if (liveReload && handler !== undefined) fail("liveReload", 'needs "root", not "handler"');
  const timeouts = resolveTimeouts({ headersTimeoutMs, idleTimeoutMs, requestTimeoutMs });
  const compress = fileOptions.compress === true ? zlibCompressor() : fileOptions.compress;
  const archive = fileOptions.archive === true ? zipArchiver() : fileOptions.archive;
  const live = liveReload
    ? liveReloadFor(resolve(root!), fileOptions.urlRoot, recursiveWatch)
    : null;
  const htmlSnippet = live === null
    ? fileOptions.htmlSnippet
    : (fileOptions.htmlSnippet ?? "") + live.snippet;
  const files = handler ??
    createFileHandler({
      ...fileOptions,
      compress,
      archive,
      htmlSnippet,
      root: resolve(root!),
      fs: fs(),
    });
  const served = live === null ? files : live.wrap(files);
  // Event streams never end by themselves: they end at once on abort, so
  // the grace period waits only for real responses.
  if (live !== null) onAbort(signal ?? null, () => live.close());
  return {
    handler: withAccessRules(served, { auth, cors }),
    port,
    hostname,
    signal: signal ?? null,
    gracePeriodMs,
    onListen: onListen ?? (() => {}),
    tls: tls ?? null,
    reusePort,
    onResponseDone: onResponseDone ?? null,
    liveReload: live,
    ...timeouts,
  };
}

/**
 * Live reload for `root`.
 *
 * @param root The folder watched.
 * @param urlRoot The URL path it is served under.
 * @param recursiveWatch Whether to watch with one recursive watch (Deno)
 *   rather than one per folder.
 * @returns The live reload, not yet watching.
 */
export function liveReloadFor(
  root: string,
  urlRoot: string | undefined,
  recursiveWatch: boolean,
): LiveReload {
  return new LiveReload({
    root,
    urlRoot: resolveUrlRoot(urlRoot ?? ""),
    recursive: recursiveWatch,
  });
}

/**
 * Puts Basic protection and CORS around `handler`, in the one right order:
 * CORS outside the authentication, since preflights carry no credentials.
 *
 * @param handler The handler.
 * @param rules `auth` (accounts allowed in) and `cors` (any origin reads).
 * @returns The wrapped handler (`handler` itself when neither is asked).
 */
export function withAccessRules(
  handler: Handler,
  rules: { auth?: BasicAuthOptions; cors?: boolean },
): Handler {
  let served = handler;
  if (rules.auth !== undefined) served = withBasicAuth(served, rules.auth);
  if (rules.cors) served = withCors(served);
  return served;
}

/**
 * The URL a client uses to reach a server bound to `hostname`:`port`
 * (a wildcard address is reached on loopback; IPv6 gets brackets).
 *
 * @param hostname The bound address.
 * @param port The bound port.
 * @param secure Whether it speaks TLS.
 * @returns The URL.
 */
export function listenUrl(hostname: string, port: number, secure: boolean): URL {
  let host = hostname;
  if (host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::") host = "[::1]";
  else if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return new URL(`${secure ? "https" : "http"}://${host}:${port}/`);
}

/**
 * Calls `onAbort` once when `signal` aborts (at once if it already has).
 *
 * @param signal The signal, or `null` for never.
 * @param onAbort What to do.
 */
export function onAbort(signal: AbortSignal | null, onAbort: () => void): void {
  if (signal === null) return;
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
}

/**
 * The cache-only path of a file handler made by `createFileHandler()`, or
 * `undefined` for any other handler (including a wrapped one).
 *
 * @param handler The handler to serve.
 * @returns Its {@linkcode CACHED_REPLY} function, if it has one.
 */
export function cachedReplyOf(handler: Handler): CachedReply | undefined {
  return (handler as { [CACHED_REPLY]?: CachedReply })[CACHED_REPLY];
}

/**
 * The request-view entry of a file handler made by `createFileHandler()`,
 * or `undefined` for any other handler (including a wrapped one).
 *
 * @param handler The handler to serve.
 * @returns Its {@linkcode HANDLE_VIEW} function, if it has one.
 */
export function handleViewOf(handler: Handler): HandleView | undefined {
  return (handler as { [HANDLE_VIEW]?: HandleView })[HANDLE_VIEW];
}

/** A bare 500 for a handler that threw: no message, no stack. */
export function internalError(): Response {
  return new Response("Internal Server Error\n", {
    status: 500,
    statusText: "Internal Server Error",
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * The response to a HEAD request, with a body the handler made cancelled
 * unread (RFC 9110 §9.3.2: GET's header fields, no content). Left to
 * themselves, Deno 2.9 reads such a body to its end and discards it, and
 * Bun 1.4.5 replaces the handler's Content-Length with
 * `Transfer-Encoding: chunked`; given a null body, both send the
 * Content-Length as it is. A body without a Content-Length is left alone,
 * and a 200 or 206 with neither gets a stream that is never sent: with a
 * null body both runtimes would claim `Content-Length: 0`.
 *
 * @param response The handler's response to a HEAD request.
 * @returns The response to send.
 */
export function headResponse(response: Response): Response {
  if (!response.headers.has("content-length")) return unframedHead(response);
  const body = response.body;
  if (body === null) return response;
  body.cancel().catch(() => {});
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

// A 200 or 206 to HEAD whose GET has no length (a body compressed as it is
// sent): given a null body, Deno 2.9 and Bun 1.4.5 add `Content-Length: 0`,
// which tells the client the body is empty. Given a stream they frame it
// as GET is framed (chunked) and send none of it, a HEAD being bodiless
// (both checked on the wire).
function unframedHead(response: Response): Response {
  if (response.body !== null || (response.status !== 200 && response.status !== 206)) {
    return response;
  }
  const unsent = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(1));
      controller.close();
    },
  });
  return new Response(unsent, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
