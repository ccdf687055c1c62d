/**
 * Bytes as they are, over node:net: for requests no HTTP client would send
 * (bad framing, pipelined smuggling), and for answers a client would hide
 * (several responses on one connection, a connection closed without one).
 */

import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** One response as it came off the wire. */
export interface WireResponse {
  /** The status code. */
  status: number;
  /** Header lines in order, names lower-cased. */
  headers: Array<[string, string]>;
  /** The body, decoded from chunked when it was chunked (latin1). */
  body: string;
}

/** Everything the server sent back. */
export interface WireResult {
  /** The complete responses, in order. */
  responses: WireResponse[];
  /** Whether the server closed the connection (rather than us, when satisfied or out of time). */
  closed: boolean;
  /** Every byte received, as latin1. */
  text: string;
}

/** How to send, and when to stop listening. */
export interface SendOptions {
  /** Stop once this many complete responses have arrived (default: wait for the close). */
  responses?: number;
  /** Give up (and report what came) after this long; default 5000 ms. */
  timeoutMs?: number;
  /** Over TLS, trusting this CA certificate and offering only HTTP/1.1. */
  tlsCa?: string;
  /** The first response answers HEAD: it has no body. */
  head?: boolean;
}

/**
 * Writes `payload` to `url`'s host and port in one write, and collects the
 * responses until the server closes, `options.responses` have arrived, or
 * `options.timeoutMs` runs out.
 */
export function sendRaw(
  url: URL,
  payload: string,
  options: SendOptions = {},
): Promise<WireResult> {
  const want = options.responses ?? Infinity;
  const bytes = new Uint8Array(Buffer.from(payload, "latin1"));
  return new Promise((resolve, reject) => {
    let text = "";
    let settled = false;
    const port = Number(url.port);
    const socket = options.tlsCa === undefined
      ? connect(port, url.hostname, () => socket.write(bytes))
      : tlsConnect(
        { host: url.hostname, port, ca: options.tlsCa, ALPNProtocols: ["http/1.1"] },
        () => socket.write(bytes),
      );
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(text, closed, options.head ?? false), closed, text });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 5000);
    socket.on("data", (chunk: Uint8Array) => {
      text += Buffer.from(chunk).toString("latin1");
      if (parseResponses(text, false, options.head ?? false).length >= want) finish(false);
    });
    socket.once("close", () => finish(true));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // A reset after the answers is a close like any other.
      if (error.code === "ECONNRESET" || error.code === "EPIPE") finish(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

/** The values of every `name` line of `response`. */
export function fieldValues(response: WireResponse, name: string): string[] {
  return response.headers.filter(([n]) => n === name).map(([, v]) => v);
}

// The complete responses in `text`; a body without a length is complete
// only once the connection has closed.
function parseResponses(text: string, closed: boolean, head: boolean): WireResponse[] {
  const responses: WireResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const [statusLine, ...lines] = text.slice(at, end).split("\r\n");
    const match = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
    if (match === null) break;
    const status = Number(match[1]);
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
    const field = (name: string) => headers.find(([n]) => n === name)?.[1];
    let bodyStart = end + 4;
    let body: string | null;
    if ((head && responses.length === 0) || status === 204 || status === 304 || status < 200) {
      body = "";
    } else if (field("transfer-encoding")?.toLowerCase() === "chunked") {
      const chunked = dechunk(text, bodyStart);
      if (chunked === null) break;
      body = chunked.body;
      bodyStart = chunked.end;
    } else if (field("content-length") !== undefined) {
      const length = Number(field("content-length"));
      if (text.length - bodyStart < length) break;
      body = text.slice(bodyStart, bodyStart + length);
      bodyStart += length;
    } else {
      if (!closed) break;
      body = text.slice(bodyStart);
      bodyStart = text.length;
    }
    responses.push({ status, headers, body });
    at = bodyStart;
  }
  return responses;
}

function dechunk(text: string, start: number): { body: string; end: number } | null {
  let body = "";
  let at = start;
  // Bounded: each pass consumes a chunk of the finite text.
  while (at < text.length) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd === -1) return null;
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (Number.isNaN(size)) return null;
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = text.indexOf("\r\n", dataStart);
      return trailerEnd === -1 ? null : { body, end: trailerEnd + 2 };
    }
    if (text.length < dataStart + size + 2) return null;
    body += text.slice(dataStart, dataStart + size);
    at = dataStart + size + 2;
  }
  return null;
}
