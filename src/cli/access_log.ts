/**
 * One access-log line per request, in common or JSON format.
 *
 * @module
 */

import type { Handler } from "../core/handler.ts";

/** What the log needs to know, per request. */
export interface LogEntry {
  method: string;
  path: string;
  status: number;
  /** The response's Content-Length, or `null` when not known in advance. */
  bytes: number | null;
  /** Milliseconds from the request to the response's head. */
  ms: number;
  time: Date;
}

/**
 * Wraps `handler` so that `write` gets one line per request once its
 * response head is ready.
 *
 * @param handler The handler.
 * @param format `"common"` or `"json"`.
 * @param write Where lines go.
 * @returns The wrapped handler, and a counter of the requests seen.
 */
export function withAccessLog(
  handler: Handler,
  format: "common" | "json",
  write: (line: string) => void,
): { handler: Handler; count: () => number } {
  let count = 0;
  const logged: Handler = async (request) => {
    const started = performance.now();
    count++;
    const response = await handler(request);
    const length = response.headers.get("content-length");
    const url = new URL(request.url);
    write(formatEntry({
      method: request.method,
      path: url.pathname + url.search,
      status: response.status,
      bytes: length === null ? null : Number(length),
      ms: performance.now() - started,
      time: new Date(),
    }, format));
    return response;
  };
  return { handler: logged, count: () => count };
}

/**
 * Formats one entry: Common Log Format (the client's address and identity
 * are not known to a web handler, so they are `-`) with the duration
 * appended, or one JSON object.
 *
 * @param entry The entry.
 * @param format `"common"` or `"json"`.
 * @returns The line, without a newline.
 */
export function formatEntry(entry: LogEntry, format: "common" | "json"): string {
  const ms = Math.round(entry.ms * 10) / 10;
  if (format === "json") {
    return JSON.stringify({
      time: entry.time.toISOString(),
      method: entry.method,
      path: entry.path,
      status: entry.status,
      bytes: entry.bytes,
      ms,
    });
  }
  // The path goes inside quotes: escape what would end or break the line.
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  const path = entry.path.replace(/["\\\x00-\x1f\x7f]/g, (c) => encodeURIComponent(c));
  return `- - - [${clfDate(entry.time)}] "${entry.method} ${path}" ${entry.status} ` +
    `${entry.bytes ?? "-"} ${ms}ms`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function clfDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
