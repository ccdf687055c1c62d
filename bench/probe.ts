/**
 * One plain HTTP/1.1 request (no `Accept-Encoding`, as wrk sends none),
 * counting the body's bytes.
 *
 * @module
 */

import { request } from "node:http";
import type { IncomingHttpHeaders } from "node:http";

/** What a probe saw. */
export interface ProbeResult {
  /** The status. */
  status: number;
  /** The response headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The body's length in bytes, as received. */
  length: number;
}

/**
 * GETs `url` and reads the whole body.
 *
 * @param url The URL (127.0.0.1 only).
 * @param options Extra request headers and a timeout (default 10 s).
 * @returns The status, headers and body length.
 * @throws {Error} on a network error or timeout.
 */
export function probe(
  url: URL,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  if (url.hostname !== "127.0.0.1") throw new Error(`Cannot probe ${url}: not 127.0.0.1`);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: options.headers, agent: false }, (res) => {
      let length = 0;
      res.on("data", (chunk: Buffer) => length += chunk.length);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, length }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error("probe timed out")));
    req.on("error", reject);
    req.end();
  });
}
