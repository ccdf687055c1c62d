/**
 * The bridge between `node:http` and web `Request`/`Response`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { takeFileSource } from "../fs/node.ts";
import { internalError } from "./_serve_options.ts";
import type { Handler } from "./_serve_options.ts";

/** What the bridge needs to know about the server. */
export interface BridgeState {
  /** `https` or `http`. */
  secure: boolean;
  /** Set once shutdown starts: responses then ask to close the connection. */
  closing: boolean;
  /** Called when a response has ended, however it ended. */
  afterResponse: () => void;
}

/**
 * Makes a `node:http` request listener that runs `handler`.
 *
 * @param handler The web handler.
 * @param state Scheme and shutdown state, read on every request.
 * @returns The listener.
 */
export function createListener(
  handler: Handler,
  state: BridgeState,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.once("close", state.afterResponse);
    void respond(handler, state, req, res);
  };
}

async function respond(
  handler: Handler,
  state: BridgeState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let response: Response;
  const request = toRequest(req, res, state.secure);
  if (request === null) {
    response = new Response("Bad Request\n", { status: 400 });
  } else {
    try {
      response = await handler(request);
    } catch {
      response = internalError();
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
function toRequest(req: IncomingMessage, res: ServerResponse, secure: boolean): Request | null {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  try {
    const headers = new Headers();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
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

// The target is appended to the origin as a string: `new URL(target, base)`
// would read a target such as `//evil.example/x` as another host.
function requestUrl(req: IncomingMessage, secure: boolean): string {
  const target = req.url ?? "/";
  if (/^https?:\/\//i.test(target)) return target;
  const host = req.headers.host;
  const origin = host !== undefined && HOST.test(host)
    ? host
    : `${
      req.socket.localAddress?.includes(":")
        ? `[${req.socket.localAddress}]`
        : req.socket.localAddress
    }:${req.socket.localPort}`;
  return `${secure ? "https" : "http"}://${origin}${
    target.startsWith("/") ? target : "/" + target
  }`;
}

// A host name, IPv4 or bracketed IPv6 literal, and an optional port.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function lazyBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= req[Symbol.asyncIterator]();
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
async function writeResponse(
  response: Response,
  req: IncomingMessage,
  res: ServerResponse,
  state: BridgeState,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (state.closing) headers["connection"] = "close";
  res.writeHead(response.status, headers);
  const body = response.body;
  if (body === null || req.method === "HEAD") {
    await body?.cancel();
    res.end();
    return;
  }
  const source = takeFileSource(body);
  if (source !== null) {
    // The file goes to the socket as a Node stream, skipping the web
    // stream's per-chunk promises; pipeline destroys (and so closes) the
    // file stream when the client leaves.
    const file = source.handle.createReadStream({ start: source.start, end: source.end });
    await new Promise<void>((resolve) => pipeline(file, res, () => resolve()));
    return;
  }
  await pump(body, res);
}

async function pump(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const onClose = () => void reader.cancel().catch(() => {});
  res.once("close", onClose);
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      // write() returning false means the socket buffer is full: wait for
      // drain (or close) before reading more, so memory stays bounded.
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } catch (error) {
    res.destroy(error as Error);
  } finally {
    res.off("close", onClose);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
