/**
 * The single-page app fallback: a navigation that matches no file gets the
 * app's shell, whose script then routes on the URL.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import { type FallbackPlace, locate } from "./locate.ts";
import { acceptWeight } from "./listing.ts";
import type { HeaderReader } from "./request_view.ts";
import { addVary } from "./responses.ts";

/**
 * Whether a request that matched no file is a navigation that the shell
 * should answer: GET or HEAD, an `Accept` that names `text/html` (what
 * browsers send when they load a page, unlike `fetch()`'s and curl's bare
 * wildcard), a last segment without an extension (`/assets/x.js` stays a
 * 404, so a missing chunk fails loudly instead of parsing HTML as
 * JavaScript), and no dot-segment (`/.well-known/` is for machines, RFC
 * 8615, and a hidden path must not look served).
 *
 * @param request The request.
 * @param segments Its decoded path segments under the root.
 * @returns Whether the shell may answer it.
 *
 * @example Deep link or missing asset
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNavigation } from "./spa_fallback.ts";
 *
 * const page = new Request("http://localhost/users/42", { headers: { accept: "text/html" } });
 * assert.equal(isNavigation(page, ["users", "42"]), true);
 * const script = new Request("http://localhost/assets/x.js", { headers: { accept: "text/html" } });
 * assert.equal(isNavigation(script, ["assets", "x.js"]), false);
 * ```
 */
export function isNavigation(request: RequestView, segments: readonly string[]): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (segments.some((segment) => segment.startsWith("."))) return false;
  const last = segments.at(-1);
  if (last !== undefined && last.includes(".")) return false;
  return namesHtml(request.headers.get("accept"));
}

// Browsers send one Accept field for every navigation: the last one judged
// is kept, so that a deep link answered from the cache parses none.
let lastAccept: string | null = null;
let lastNamesHtml = false;

function namesHtml(accept: string | null): boolean {
  if (accept === null || accept.length > 4096) return false;
  if (accept !== lastAccept) {
    lastNamesHtml = /\btext\/html\b/i.test(accept) && acceptWeight(accept, "text", "html") > 0;
    lastAccept = accept;
  }
  return lastNamesHtml;
}

/**
 * Answers a navigation with the shell, with full file semantics (ETag,
 * `If-None-Match` → 304, HEAD), and `Cache-Control: no-cache`: the same
 * URL must show the next deploy's shell, which names new asset files.
 *
 * @param request A request for which {@linkcode isNavigation} holds.
 * @param place The root's real path, and how the handler serves a file.
 * @param options The handler's options, with `spa` set.
 * @returns The shell's response, or `null` when the shell is missing.
 *
 * @example A deep link gets the shell, through createFileHandler()
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { createFileHandler } from "./handler.ts";
 * import { nodeFileSystem } from "../fs/node.ts";
 *
 * const root = mkdtempSync(join(tmpdir(), "spa-"));
 * writeFileSync(join(root, "index.html"), '<div id="app"></div>');
 * const handler = createFileHandler({ root, fs: nodeFileSystem(), spa: true });
 * const headers = { accept: "text/html" };
 * const response = await handler(new Request("http://localhost/users/42", { headers }));
 * assert.equal(response.status, 200);
 * assert.equal(response.headers.get("cache-control"), "no-cache");
 * assert.equal(await response.text(), '<div id="app"></div>');
 * rmSync(root, { recursive: true });
 * ```
 */
export async function spaFallback(
  request: RequestView,
  place: FallbackPlace,
  options: ResolvedOptions,
): Promise<Response | null> {
  if (options.spa === null) return null;
  // The shell is looked up as a URL's path is: contained, under the
  // symlink policy, so a shell linked out of the root is never read.
  const shell = await locate(place.root, options.spa, options);
  if (typeof shell === "number" || shell.info.kind !== "file") return null;
  const response = await place.serve(request, options.spa, shell);
  if (response.status === 404 || response.status === 403) {
    await response.body?.cancel();
    return null;
  }
  markShell(response.headers);
  return response;
}

/**
 * The cache key under which the shell's answers to deep links are kept: no
 * URL path (those start with `/`) can be it.
 */
export const SHELL_KEY = "\0spa-shell";

/**
 * Marks an answer as the shell given for another path: revalidated on
 * every use (the path may become a file), and chosen by `Accept` (only a
 * navigation gets it), so that caches key on it (RFC 9110 §12.5.5).
 *
 * @param headers The shell answer's header fields, changed in place.
 */
export function markShell(headers: Headers): void {
  headers.set("cache-control", "no-cache");
  addVary(headers, "Accept");
}

/**
 * {@linkcode markShell} on a header list, for the cached shell answer: the
 * same fields the full path's answer carries.
 *
 * @param fields The shell file's own answer fields.
 * @returns Them as a deep link's answer carries them.
 */
export function shellFields(fields: ReadonlyArray<[string, string]>): Array<[string, string]> {
  const headers = new Headers(fields as Array<[string, string]>);
  markShell(headers);
  return [...headers];
}

/**
 * {@linkcode isNavigation} from a request's URL path as it came (origin
 * form, not decoded): `false` for a path with a `%`, whose decoded segments
 * could differ, which the full path then judges.
 *
 * @param method The request method.
 * @param pathname The URL's path.
 * @param headers The request's header fields.
 * @returns Whether the request is a navigation the shell would answer.
 */
export function isNavigationPath(
  method: string,
  pathname: string,
  headers: HeaderReader,
): boolean {
  if (pathname.includes("%")) return false;
  const segments = pathname.split("/").filter((segment) => segment !== "");
  return isNavigation({ method, url: pathname, headers }, segments);
}
