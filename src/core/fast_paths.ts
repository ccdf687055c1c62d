/**
 * The file handler's side doors for adapters: its cached answers as plain
 * replies, and itself as a function of a request view. Both answer exactly
 * as `handler(request)` would; they only let an adapter skip building the
 * web objects its runtime makes dear.
 *
 * @module
 */

import type { CachedFile } from "./file_cache.ts";
import type { HeaderReader, RequestView } from "./request_view.ts";
import { errorResponse, reply } from "./responses.ts";

/** An answer given without building a `Response`: see {@linkcode CACHED_REPLY}. */
export interface Reply {
  /** 200 or 304 for a cached file, 404 for a path known to name nothing. */
  status: number;
  /** The header fields, names in lower case. */
  headers: ReadonlyArray<[string, string]>;
  /** The body, or `null` (HEAD, 304). Shared: never to be written to. */
  body: Uint8Array<ArrayBuffer> | null;
  /** The same answer as a new `Response`. */
  response(): Response;
  /**
   * The same answer as a clone of a `Response` built once for the file.
   * Where `clone()` copies a bytes body (Deno 2.9, Bun 1.4) this costs a
   * fraction of {@linkcode Reply.response}, whose header fields are all
   * validated again. Where bodies are always streams (Node's undici)
   * `clone()` tees, and a cancelled branch of a tee waits for its twin
   * (the template, never read): use `response()` there.
   */
  clonedResponse(): Response;
}

/**
 * The key under which a file handler carries its cache-only path:
 * `handler[CACHED_REPLY](method, target, headers)` gives the answer
 * `handler(request)` would give for a cached file (a 200 or 304) or for a
 * path the negative cache knows to name nothing (the plain 404, only when
 * neither `spa` nor `notFound` is set), as a {@linkcode Reply}, or `null`
 * when the handler must be called: at once when the port has synchronous
 * lookups, else as a promise (await it either way). An adapter that returns
 * the answer at once spares its runtime a promise. The
 * target is `request.url` or an origin-form request target (`/a/b?q`).
 *
 * Adapters use it to answer before any per-request work of their own: on
 * Node it skips building a web `Request` and `Response`, which cost more
 * than the rest of the request. A handler wrapped by anything else does not
 * carry it, so wrappers such as access rules are never bypassed.
 *
 * @example Nothing cached yet: the handler must be called
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler } from "./handler.ts";
 * import { CACHED_REPLY } from "./fast_paths.ts";
 * import type { FileSystem } from "./fs.ts";
 *
 * const missing = () => Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
 * const fs: FileSystem = {
 *   stat: missing,
 *   lstat: missing,
 *   realPath: missing,
 *   realStat: missing,
 *   readDir: missing,
 *   open: missing,
 * };
 * const handler = createFileHandler({ root: "/srv/www", fs });
 * assert.equal(await handler[CACHED_REPLY]("GET", "/index.html", new Headers()), null);
 * ```
 */
export const CACHED_REPLY: unique symbol = Symbol("@seed/fileserver cached reply");

/**
 * The key under which a file handler carries itself as a function of a
 * {@linkcode RequestView}: `handler[HANDLE_VIEW](view, toRequest)` gives
 * the same `Response` as `handler(request)`. `toRequest` builds the real
 * `Request`, only for `onError`. It lets the Node adapter skip building a
 * web `Request` (with its `AbortSignal`, the dearest object of an uncached
 * answer on Node 24); like {@linkcode CACHED_REPLY}, a wrapped handler does
 * not carry it.
 *
 * @example Serving a view
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler } from "./handler.ts";
 * import { HANDLE_VIEW } from "./fast_paths.ts";
 * import type { FileSystem } from "./fs.ts";
 *
 * // A root that exists and holds nothing.
 * const missing = () => Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
 * const realPath = (path: string) =>
 *   path === "/srv/www" ? Promise.resolve(path) : missing();
 * const fs: FileSystem = {
 *   stat: missing,
 *   lstat: missing,
 *   realPath,
 *   realStat: missing,
 *   readDir: missing,
 *   open: missing,
 * };
 * const handler = createFileHandler({ root: "/srv/www", fs });
 * const url = "http://localhost/a.txt";
 * const view = { method: "GET", url, headers: new Headers() };
 * const response = await handler[HANDLE_VIEW](view, () => new Request(url));
 * assert.equal(response.status, 404);
 * ```
 */
export const HANDLE_VIEW: unique symbol = Symbol("@seed/fileserver handle view");

/** The type of {@linkcode HANDLE_VIEW}'s function. */
export type HandleView = (view: RequestView, toRequest: () => Request) => Promise<Response>;

/**
 * The type of {@linkcode CACHED_REPLY}'s function: the answer at once when
 * the file-system port has synchronous lookups (`lstatSync`, `statSync`),
 * else a promise of it.
 */
export type CachedReply = (
  method: string,
  target: string,
  headers: HeaderReader,
) => Reply | null | Promise<Reply | null>;

// Each cached answer is built once, to be cloned per request: on Deno 2.9
// a clone costs about a fortieth of a Response built from a header list,
// whose every field is validated again.
/**
 * A clone of the cached answer `status` (`method` picks GET or HEAD) to
 * `file`, built on first use.
 *
 * @param file The cached file.
 * @param status 200 or 304.
 * @param method GET or HEAD.
 * @returns A new `Response`.
 */
export function clonedResponse(file: CachedFile, status: 200 | 304, method: string): Response {
  const kind = status === 304 ? "notModified" : method === "HEAD" ? "head" : "get";
  const template = file.responses[kind] ??= reply(
    kind === "get" ? file.bytes : null,
    status,
    kind === "notModified" ? file.notModifiedHeaders : file.headers,
  );
  return template.clone();
}

// The plain 404 as errorResponse(404, method) builds it, its fields in the
// order a Headers object lists them, so that an adapter writing them from
// the list (Node) sends what it sends for that Response.
const NOT_FOUND_BODY = "Not Found\n";
const NOT_FOUND_FIELDS: ReadonlyArray<[string, string]> = [
  ["content-length", String(NOT_FOUND_BODY.length)],
  ["content-type", "text/plain; charset=utf-8"],
  ["x-content-type-options", "nosniff"],
];
const notFoundReplies: { get?: Reply; head?: Reply } = {};

/**
 * The plain 404 to `method` as a {@linkcode Reply}: the same status, fields
 * and body as `errorResponse(404, method)`, made once per method and
 * shared, with its `Response` template.
 *
 * @param method GET or HEAD.
 * @returns The reply.
 *
 * @example The same answer as errorResponse()
 * ```ts
 * import assert from "node:assert/strict";
 * import { notFoundReply } from "./fast_paths.ts";
 * import { errorResponse } from "./responses.ts";
 *
 * const reply = notFoundReply("GET");
 * const expected = errorResponse(404, "GET");
 * assert.deepEqual(reply.headers, [...expected.headers]);
 * assert.equal(await reply.clonedResponse().text(), await expected.text());
 * ```
 */
export function notFoundReply(method: string): Reply {
  const kind = method === "HEAD" ? "head" : "get";
  return notFoundReplies[kind] ??= makeNotFoundReply(method === "HEAD" ? "HEAD" : "GET");
}

function makeNotFoundReply(method: "GET" | "HEAD"): Reply {
  const body = method === "HEAD" ? null : new TextEncoder().encode(NOT_FOUND_BODY);
  let template: Response | undefined;
  return {
    status: 404,
    headers: NOT_FOUND_FIELDS,
    body,
    response: () => errorResponse(404, method),
    clonedResponse: () => (template ??= errorResponse(404, method)).clone(),
  };
}
