/**
 * The bridge between Node's request/response objects (`node:http`,
 * `node:https`, and the `node:http2` compatibility API) and web
 * `Request`/`Response`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Duplex } from "node:stream";
import { takeFileSource } from "../fs/node.ts";
import { chunks, METER, type Meter, meterOf, pump, sendFile } from "./_node_send.ts";
import { type OnResponseDone, report, type ResponseInfo } from "./_response_info.ts";
import { isHttp2 } from "./_node_connections.ts";
import type { CachedReply, HandleView, Reply } from "../core/handler.ts";
import { cachedReplyOf, handleViewOf, internalError } from "./_serve_options.ts";
import type { Handler } from "./_serve_options.ts";
import { checkFraming, REBASE, refusal, type RequestHead, targetPath } from "./_request_framing.ts";

/** A request from `node:http`, `node:https` or `node:http2`. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** A response from `node:http`, `node:https` or `node:http2`. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** What the bridge needs to know about the server. */
export interface BridgeState {
  /** `https` or `http`. */
  secure: boolean;
  /** Set once shutdown starts: HTTP/1 responses then close their connection. */
  closing: boolean;
  /** Called when a request arrives, before the handler runs. */
  onRequest: (req: NodeRequest) => void;
  /** Called when a response has ended, however it ended. */
  onResponseEnd: (req: NodeRequest) => void;
  /** The user's hook for each finished exchange, if any. */
  onResponseDone: OnResponseDone | null;
}

/**
 * Makes a Node request listener that runs `handler`.
 *
 * @param handler The web handler.
 * @param state Scheme, shutdown state and connection hooks.
 * @returns The listener.
 */
export function createListener(
  handler: Handler,
  state: BridgeState,
): (req: NodeRequest, res: NodeResponse) => void {
  // Looked up once: a file handler's side doors, or none for any other.
  const served: Served = { handler, cached: cachedReplyOf(handler), view: handleViewOf(handler) };
  // One shared listener each, reading the request from the response: a
  // closure and a once() wrapper per request cost about a sixth of Node's
  // rate on cached 1 KiB files.
  function onFinish(this: NodeResponse): void {
    // A request body the handler left unread is drained once the response
    // is sent, as Node itself does: Deno 2.9's node:http leaves it on the
    // connection, and the client's next request then stalls until the
    // keep-alive timeout (5 s).
    if (!this.req.readableEnded) this.req.resume();
  }
  const done = state.onResponseDone;
  function onClose(this: NodeResponse): void {
    state.onResponseEnd(this.req);
    const meter = meterOf(this);
    if (done !== null && meter !== undefined) report(done, responseInfo(this.req, this, meter));
  }
  const scheme = state.secure ? "https" : "http";
  return (req, res) => {
    state.onRequest(req);
    if (done !== null) {
      (res as { [METER]?: Meter })[METER] = {
        queued: 0,
        flushed: 0,
        startTime: Date.now(),
        started: performance.now(),
        // Read now: an HTTP/2 stream's socket is gone once it closes.
        remoteAddress: req.socket?.remoteAddress ?? null,
      };
    }
    res.on("close", onClose);
    res.on("finish", onFinish);
    // A request pipelined behind a refusal is never answered: the refusal
    // closes the connection once it is sent (RFC 9112 §9.6).
    if (refused.has(req.socket)) return;
    const framing = checkFraming(nodeHead(req), scheme);
    if (framing > REBASE) return refuse(framing as 400 | 405 | 505, req, res);
    // A cached file is written at once when the port can tell at once.
    const written = served.cached === undefined
      ? false
      : respondCached(served.cached, state, req, res);
    if (written === false) void respond(served, state, req, res);
    else if (written !== true) {
      void written.then((wrote) => wrote ? undefined : respond(served, state, req, res));
    }
  };
}

// Once `res` has closed: a finished response sent everything it queued
// (Node emits 'finish' once the last byte is handed to the socket); a cut
// one, what the socket took before.
function responseInfo(req: NodeRequest, res: NodeResponse, meter: Meter): ResponseInfo {
  const completed = res.writableFinished;
  return {
    startTime: meter.startTime,
    durationMs: performance.now() - meter.started,
    remoteAddress: meter.remoteAddress,
    method: req.method ?? "",
    target: targetPath(req.url ?? ""),
    protocol: `HTTP/${req.httpVersion}`,
    headers: nodeHeaderReader(req),
    status: res.statusCode,
    bytesSent: completed ? meter.queued : meter.flushed,
    completed,
  };
}

const encoder = new TextEncoder();

// Sockets whose last answer was a refusal. Node 24 has already parsed
// (and emitted) what came behind the refused request on the same read.
const refused = new WeakSet<object>();

function nodeHead(req: NodeRequest): RequestHead {
  const headers = req.headers;
  const http2 = isHttp2(req);
  const host = http2 ? headers[":authority"] ?? headers.host : headers.host;
  return {
    method: req.method ?? "",
    target: req.url ?? "",
    // Repeated Host lines arrive joined (the servers are made with
    // joinDuplicateHeaders), as Headers.get joins them on Deno and Bun.
    host: typeof host === "string" ? host : null,
    version: http2 ? null : req.httpVersion,
    // Only HTTP/1.0 has a rule about it: no lookup for HTTP/1.1.
    transferEncoding: req.httpVersionMinor === 0 && headers["transfer-encoding"] !== undefined,
  };
}

function refuse(status: 400 | 405 | 505, req: NodeRequest, res: NodeResponse): void {
  const { headers, body } = refusal(status, req.method ?? "");
  const http2 = isHttp2(req);
  const fields: string[] = [];
  // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 §8.2.2).
  for (const [name, value] of headers) {
    if (!http2 || name !== "connection") fields.push(name, value);
  }
  if (!http2) refused.add(req.socket);
  (res as ServerResponse).writeHead(status, fields);
  const meter = meterOf(res);
  if (meter !== undefined && req.method !== "HEAD") meter.queued += encoder.encode(body).byteLength;
  res.end(body);
}

/**
 * The server's `connect` listener: CONNECT gets 405, as from
 * `checkFraming()`, and never a tunnel. Left without one, Node 24 drops an
 * HTTP/1 CONNECT with no answer; an HTTP/2 one comes with a response.
 *
 * @param req The CONNECT request.
 * @param target Its socket (HTTP/1) or its response (HTTP/2).
 */
export function refuseConnect(req: NodeRequest, target: Duplex | NodeResponse): void {
  if ("writeHead" in target) return refuse(405, req, target);
  const { headers, body } = refusal(405, "CONNECT");
  let head = `HTTP/1.1 405 Method Not Allowed\r\ndate: ${new Date().toUTCString()}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  // Node no longer watches a socket it has handed over.
  target.on("error", () => target.destroy());
  target.end(head + "\r\n" + body);
}

// A cached file (or a path known to name nothing, with its plain 404) is
// answered straight from the file handler's reply, with
// no web Request or Response built: on Node 24 those two cost more than the
// rest of the request (bench/README.md).
// Whether it was: at once, or later when the port can only tell later.
function respondCached(
  cached: CachedReply,
  state: BridgeState,
  req: NodeRequest,
  res: NodeResponse,
): boolean | Promise<boolean> {
  const target = req.url ?? "";
  const method = req.method ?? "";
  if (!target.startsWith("/") || (method !== "GET" && method !== "HEAD")) return false;
  const write = (reply: Reply | null) => {
    if (reply === null) return false;
    writeReply(reply, req, res, state);
    return true;
  };
  const reply = cached(method, target, nodeHeaderReader(req));
  return reply instanceof Promise ? reply.then(write) : write(reply);
}

/** The handler to serve, and its side doors when it is a file handler. */
interface Served {
  handler: Handler;
  cached: CachedReply | undefined;
  view: HandleView | undefined;
}

/** Reads a Node request's header fields as `Headers.get` does. */
export function nodeHeaderReader(req: NodeRequest): { get(name: string): string | null } {
  return {
    get(name) {
      const value = req.headers[name];
      // Node joins repeated list fields with ", ", as Headers.get does.
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Writes a file handler's cached reply to `res`, with no web `Response`. */
export function writeReply(
  reply: Reply,
  req: NodeRequest,
  res: NodeResponse,
  state: BridgeState,
): void {
  const fields: string[] = [];
  for (const [name, value] of reply.headers) fields.push(name, value);
  if (state.closing && req.httpVersionMajor === 1) fields.push("connection", "close");
  (res as ServerResponse).writeHead(reply.status, fields);
  if (reply.body === null || req.method === "HEAD") return void res.end();
  const meter = meterOf(res);
  if (meter !== undefined) meter.queued += reply.body.byteLength;
  (res as ServerResponse).end(reply.body);
}

async function respond(
  served: Served,
  state: BridgeState,
  req: NodeRequest,
  res: NodeResponse,
): Promise<void> {
  const { handler, view } = served;
  let response: Response;
  const url = view === undefined ? "" : requestUrl(req, state.secure);
  if (view !== undefined && URL.canParse(url)) {
    // The file handler reads only method, URL and headers: no web Request
    // (and no AbortSignal) is built unless onError asks for one.
    const request = { method: req.method ?? "GET", url, headers: nodeHeaderReader(req) };
    response = await view(request, () => toRequest(req, res, state.secure) ?? new Request(url));
  } else {
    const request = toRequest(req, res, state.secure);
    if (request === null) {
      response = new Response("Bad Request\n", { status: 400, statusText: "Bad Request" });
    } else {
      try {
        response = await handler(request);
      } catch {
        response = internalError();
      }
    }
  }
  try {
    await writeResponse(response, req, res, state);
  } catch (error) {
    res.destroy(error as Error);
  }
}

/**
 * Builds a web `Request` from a Node request. The body is read only when
 * the handler reads it, and `request.signal` aborts when the client leaves
 * before the response is finished.
 */
export function toRequest(req: NodeRequest, res: NodeResponse, secure: boolean): Request | null {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  try {
    const headers = new Headers();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      // HTTP/2 pseudo-headers (:path, :authority…) are not fields.
      if (!raw[i].startsWith(":")) headers.append(raw[i], raw[i + 1]);
    }
    const hasBody = method !== "GET" && method !== "HEAD";
    return new Request(requestUrl(req, secure), {
      method,
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: lazyBody(req), duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    return null;
  }
}

// The Host field (which checkFraming() has checked) and the target's path,
// joined as strings: `new URL(target, base)` would read a target such as
// `//evil.example/x` as another host. An absolute-form target's own scheme
// and authority are not used: the request is answered for this server.
export function requestUrl(req: NodeRequest, secure: boolean): string {
  const host = isHttp2(req) ? req.headers[":authority"] ?? req.headers.host : req.headers.host;
  return `${secure ? "https" : "http"}://${host}${targetPath(req.url ?? "/")}`;
}

function lazyBody(req: NodeRequest): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= (req as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel() {
      req.resume();
    },
  }, { highWaterMark: 0 });
}

/** Writes a web `Response` to a Node response, with backpressure. */
export async function writeResponse(
  response: Response,
  req: NodeRequest,
  res: NodeResponse,
  state: BridgeState,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const http1 = req.httpVersionMajor === 1;
  // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 §8.2.2).
  if (!http1) delete headers["connection"];
  else if (state.closing) headers["connection"] = "close";
  (res as ServerResponse).writeHead(response.status, headers);
  const body = response.body;
  if (body === null || req.method === "HEAD") {
    // Not awaited: a cancel that is slow, never settles or fails must not
    // hold back or break a response that has nothing left to send.
    body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const source = takeFileSource(body);
  if (source !== null) return await sendFile(source, res);
  const reader = body.getReader();
  await pump(chunks(reader), res, () => void reader.cancel().catch(() => {}));
}
