/**
 * Small builders for the handler's non-file responses.
 *
 * @module
 */

/** The methods the file handler answers, as sent in `Allow`. */
export const ALLOW = "GET, HEAD, OPTIONS";

// RFC 9110 §15: the reason phrases of every status the core answers with.
const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * The standard reason phrase of `status` (RFC 9110 §15), or `""` for a
 * status the file server never sends.
 *
 * @param status The status code.
 * @returns The reason phrase.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reasonPhrase } from "./responses.ts";
 *
 * assert.equal(reasonPhrase(416), "Range Not Satisfiable");
 * ```
 */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

/**
 * A `Response` whose `statusText` is the standard reason phrase, which
 * `new Response()` leaves empty on Deno, Bun and Node alike: code that
 * calls the handler in-process (logs, tests) sees "Not Found", not "".
 *
 * @param body The body, or `null`.
 * @param status The status code.
 * @param headers The header fields.
 * @returns The response.
 *
 * @example A 404 with its reason phrase
 * ```ts
 * import assert from "node:assert/strict";
 * import { reply } from "./responses.ts";
 *
 * assert.equal(reply(null, 404).statusText, "Not Found");
 * ```
 */
export function reply(
  body: BodyInit | null,
  status: number,
  headers?: HeadersInit,
): Response {
  return new Response(body, { status, statusText: REASONS[status] ?? "", headers });
}

/**
 * A short plain-text response for an error status. The body is only the
 * reason phrase: never a path, a stack or the error's message.
 *
 * @param status The status code.
 * @param method The request method (HEAD gets no body).
 * @param headers Extra headers to set.
 * @returns The response.
 *
 * @example A 404
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorResponse } from "./responses.ts";
 *
 * const response = errorResponse(404, "GET");
 * assert.equal(await response.text(), "Not Found\n");
 * ```
 */
export function errorResponse(
  status: number,
  method: string,
  headers?: Record<string, string>,
): Response {
  const body = (REASONS[status] ?? "Error") + "\n";
  const all = new Headers(headers);
  all.set("content-type", "text/plain; charset=utf-8");
  all.set("content-length", String(body.length));
  all.set("x-content-type-options", "nosniff");
  return reply(method === "HEAD" ? null : body, status, all);
}

/**
 * A 301 to `location`, which the caller has built from resolved segments
 * so that it is always a path on this host.
 *
 * @param location An absolute path, never starting with `//`.
 * @param method The request method (HEAD gets no body).
 * @returns The response.
 *
 * @example A trailing-slash redirect
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirectResponse } from "./responses.ts";
 *
 * assert.equal(redirectResponse("/docs/", "GET").headers.get("location"), "/docs/");
 * ```
 */
export function redirectResponse(location: string, method: string): Response {
  const body = "Moved Permanently\n";
  return reply(method === "HEAD" ? null : body, 301, {
    location,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(body.length),
    "x-content-type-options": "nosniff",
  });
}

/**
 * Maps a file-system error to 404 or 403 by its POSIX `code`, or `null`
 * when it is unexpected.
 *
 * @param error What the file-system port threw.
 * @returns The status, or `null`.
 *
 * @example Classifying errors
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusForFsError } from "./responses.ts";
 *
 * assert.equal(statusForFsError(Object.assign(new Error(), { code: "ENOENT" })), 404);
 * assert.equal(statusForFsError(Object.assign(new Error(), { code: "EIO" })), null);
 * ```
 */
export function statusForFsError(error: unknown): 403 | 404 | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  if (NOT_FOUND_CODES.has(code)) return 404;
  if (code === "EACCES" || code === "EPERM") return 403;
  return null;
}

// ENOTDIR: a file used as a folder (`/file.txt/x`); ELOOP: a link cycle;
// ENAMETOOLONG: a hostile URL. None of them reveals anything but "no".
const NOT_FOUND_CODES = new Set(["ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG"]);

/**
 * Adds `name` to the `Vary` field of `headers` as one combined value:
 * Deno 2.9 writes each `Headers.append()` as a field line of its own, and
 * Node and Bun would send one line for the same fields.
 *
 * @param headers The answer's fields.
 * @param name The request field the answer depends on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addVary } from "./responses.ts";
 *
 * const headers = new Headers({ vary: "Origin" });
 * addVary(headers, "Accept");
 * assert.equal(headers.get("vary"), "Origin, Accept");
 * ```
 */
export function addVary(headers: Headers, name: string): void {
  const vary = headers.get("vary");
  headers.set("vary", vary === null ? name : `${vary}, ${name}`);
}
