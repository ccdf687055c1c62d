/**
 * The site's own 404 page, for people; programs get the plain 404.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import { type FallbackPlace, locate } from "./locate.ts";
import { acceptWeight, prefersJson } from "./listing.ts";
import { reply } from "./responses.ts";

// Preconditions apply to 2xx and 412 only (RFC 9110 §13.2.1), and a 404 has
// no range to send: the page's own validators must not turn a 404 into a
// 304 or a 206, so the page is read as if none of these were sent.
const IGNORED = new Set([
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  "range",
]);

/**
 * Whether a client should get the 404 page: it accepts `text/html` (no
 * `Accept` accepts anything, RFC 9110 §12.5.1) and does not prefer
 * `application/json`.
 *
 * @param accept The `Accept` field, or `null`.
 * @returns Whether HTML is what the client wants.
 *
 * @example Browsers and API clients
 * ```ts
 * import assert from "node:assert/strict";
 * import { wantsHtmlPage } from "./not_found_page.ts";
 *
 * assert.equal(wantsHtmlPage("text/html,application/xhtml+xml,*\/*;q=0.8"), true);
 * assert.equal(wantsHtmlPage("application/json"), false);
 * assert.equal(wantsHtmlPage(null), true);
 * ```
 */
export function wantsHtmlPage(accept: string | null): boolean {
  if (accept === null) return true;
  if (accept.length > 4096) return false;
  return !prefersJson(accept) && acceptWeight(accept, "text", "html") > 0;
}

/**
 * The 404 page's response: status 404, the page's type and length, no
 * validators; HEAD gets no body.
 *
 * @param request The request that matched nothing.
 * @param place The root's real path, and how the handler serves a file.
 * @param options The handler's options, with `notFound` set.
 * @returns The page's response, or `null` when the page is missing or the
 *   client does not want HTML.
 *
 * @example A missing page gets 404.html, through createFileHandler()
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { createFileHandler } from "./handler.ts";
 * import { nodeFileSystem } from "../fs/node.ts";
 *
 * const root = mkdtempSync(join(tmpdir(), "404-"));
 * writeFileSync(join(root, "404.html"), "<h1>Not here</h1>");
 * const handler = createFileHandler({ root, fs: nodeFileSystem(), notFound: "404.html" });
 * const page = await handler(new Request("http://localhost/nope"));
 * assert.equal(page.status, 404);
 * assert.equal(await page.text(), "<h1>Not here</h1>");
 * const headers = { accept: "application/json" };
 * const plain = await handler(new Request("http://localhost/nope", { headers }));
 * assert.equal(await plain.text(), "Not Found\n");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function notFoundPage(
  request: RequestView,
  place: FallbackPlace,
  options: ResolvedOptions,
): Promise<Response | null> {
  if (options.notFound === null || !wantsHtmlPage(request.headers.get("accept"))) return null;
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const page = await locate(place.root, options.notFound, options);
  if (typeof page === "number" || page.info.kind !== "file") return null;
  const view: RequestView = {
    method: request.method,
    url: request.url,
    headers: { get: (name) => IGNORED.has(name.toLowerCase()) ? null : request.headers.get(name) },
  };
  const response = await place.serve(view, options.notFound, page);
  if (response.status !== 200) {
    // The page vanished or lost its permissions since the lookup, or no
    // coding of it is acceptable (406).
    await response.body?.cancel();
    return null;
  }
  const headers = new Headers();
  const fields = ["content-type", "content-length", "content-encoding", "vary"];
  for (const name of [...fields, "x-content-type-options"]) {
    const value = response.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return reply(response.body, 404, headers);
}
