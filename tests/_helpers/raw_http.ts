/**
 * One HTTP/1.1 exchange over a raw node:net socket, read until the server
 * closes, so that tests see the framing that fetch() hides: repeated header
 * lines, `Transfer-Encoding`, and every byte after the header block.
 */

import { connect } from "node:net";
import { concat, indexOfHeadEnd } from "./sockets.ts";

/** A response as it came off the wire. */
export interface RawResponse {
  /** The status code from the status line. */
  status: number;
  /** Header lines in order, names lower-cased, repeats kept. */
  lines: Array<[string, string]>;
  /** Every byte after the header block, undecoded (chunked stays chunked). */
  body: Uint8Array;
}

/** What to send. */
export interface RawRequest {
  method: string;
  /** The request target, sent as is. */
  target: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/**
 * Sends `request` with `Connection: close` and reads until the server
 * closes the connection (RFC 9112 §9.6), or fails after `timeoutMs`.
 */
export function rawExchange(
  url: URL,
  request: RawRequest,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    lines.push(`${name}: ${value}`);
  }
  lines.push("Connection: close", "", "");
  const head = new TextEncoder().encode(lines.join("\r\n"));
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      if (request.body !== undefined) socket.write(request.body);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${request.method} ${request.target}: no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(joinChunks(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The values of every `name` line, in order. */
export function headerValues(response: RawResponse, name: string): string[] {
  return response.lines.filter(([n]) => n === name).map(([, v]) => v);
}

function parseResponse(bytes: Uint8Array): RawResponse {
  const end = indexOfHeadEnd(bytes);
  if (end < 0) throw new Error(`no complete header block in ${bytes.byteLength} bytes`);
  const [statusLine, ...headerLines] = new TextDecoder("latin1")
    .decode(bytes.subarray(0, end))
    .split("\r\n");
  const match = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(statusLine);
  if (match === null) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const lines = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status: Number(match[1]), lines, body: bytes.subarray(end + 4) };
}

function joinChunks(chunks: Uint8Array[]): Uint8Array {
  return concat([...chunks], chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
}
