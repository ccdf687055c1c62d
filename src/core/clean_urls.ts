/**
 * Clean URLs: pages written as `about.html` are served at `/about`, and
 * their `.html` URLs redirect there, so each page has one URL.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import { locate, type Located, type ServeLocated } from "./locate.ts";
import { encodePath } from "./resolve_path.ts";
import { redirectResponse } from "./responses.ts";

/** A request's path after lookup, as the handler has it. */
export interface CleanUrlTarget {
  /** The root's real path. */
  root: string;
  /** The decoded segments under the root. */
  segments: readonly string[];
  /** Whether the URL ended with `/`. */
  trailingSlash: boolean;
  /** What the segments name, or the lookup's status. */
  found: Located | 403 | 404;
  /** The URL's query, `""` or starting with `?`, kept across a redirect. */
  search: string;
  /** How the handler serves a file. */
  serve: ServeLocated;
}

/**
 * The clean-URL answer for a path, or `null` to go on as without the
 * option. `/about` gets `about.html` when `about` is no file; a folder
 * `about/` comes after `about.html` (Vercel's `serve` tries
 * `about/index.html` first), so that a site with both keeps both
 * reachable, at `/about` and `/about/`. `/about.html` gets a 301 to `/about`, and `/docs/index.html` to
 * `/docs/`, only when that URL serves the very same file.
 *
 * @param request The request (GET or HEAD).
 * @param target The path and what it names.
 * @param options The handler's options.
 * @returns The page, a 301, or `null`.
 *
 * @example /about serves about.html, through createFileHandler()
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { createFileHandler } from "./handler.ts";
 * import { nodeFileSystem } from "../fs/node.ts";
 *
 * const root = mkdtempSync(join(tmpdir(), "clean-"));
 * writeFileSync(join(root, "about.html"), "<p>about</p>");
 * const handler = createFileHandler({ root, fs: nodeFileSystem(), cleanUrls: true });
 * const page = await handler(new Request("http://localhost/about"));
 * assert.equal(await page.text(), "<p>about</p>");
 * const old = await handler(new Request("http://localhost/about.html?x=1"));
 * assert.equal(old.status, 301);
 * assert.equal(old.headers.get("location"), "/about?x=1");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function cleanUrlResponse(
  request: RequestView,
  target: CleanUrlTarget,
  options: ResolvedOptions,
): Promise<Response | null> {
  const { root, segments, trailingSlash, found } = target;
  // A trailing slash asks for a folder: its index, as without the option.
  if (!options.cleanUrls || trailingSlash || segments.length === 0) return null;
  const last = segments[segments.length - 1];
  const parent = segments.slice(0, -1);
  const isFile = typeof found !== "number" && found.info.kind === "file";
  if (isPageName(last)) {
    if (!isFile) return null;
    const clean = await cleanForm(root, parent, last, options);
    return clean === null ? null : redirectResponse(clean + target.search, request.method);
  }
  if (isFile || found === 403) return null;
  // The same lookup as for a URL: contained, under the symlink policy; the
  // name keeps its first character, so the dotfile rule already applied.
  const pageSegments = [...parent, last + ".html"];
  const page = await locate(root, pageSegments, options);
  if (typeof page === "number" || page.info.kind !== "file") return null;
  // Not cached under `/about` (ServeLocated): a file `about` created later
  // must win, and a cache hit checks only the file it read.
  return await target.serve(request, pageSegments, page);
}

/**
 * The name of the page that clean URLs would serve in place of a missing
 * path, in the folder of its last segment (`about.html` for `/about`), or
 * `null` when they would serve none.
 *
 * @param segments The decoded segments under the root.
 * @param trailingSlash Whether the URL ended with `/`.
 * @param options The handler's options.
 * @returns The page's name, or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cleanUrlPageName } from "./clean_urls.ts";
 * import { resolveOptions } from "./options.ts";
 * import type { FileSystem } from "./fs.ts";
 *
 * const unused = () => Promise.reject(new Error("not called"));
 * const fs = {
 *   stat: unused, lstat: unused, realPath: unused, realStat: unused, readDir: unused, open: unused,
 * } as unknown as FileSystem;
 * const options = resolveOptions({ root: "/srv", fs, cleanUrls: true });
 * assert.equal(cleanUrlPageName(["docs", "about"], false, options), "about.html");
 * assert.equal(cleanUrlPageName(["about.html"], false, options), null);
 * ```
 */
export function cleanUrlPageName(
  segments: readonly string[],
  trailingSlash: boolean,
  options: ResolvedOptions,
): string | null {
  if (!options.cleanUrls || trailingSlash || segments.length === 0) return null;
  const last = segments[segments.length - 1];
  return isPageName(last) ? null : last + ".html";
}

function isPageName(name: string): boolean {
  return name.endsWith(".html") && name.length > ".html".length;
}

// The URL that serves this same file, or null when it would serve another
// (a file `about` beside `about.html`, an earlier index name): redirecting
// there would make this page unreachable.
async function cleanForm(
  root: string,
  parent: readonly string[],
  name: string,
  options: ResolvedOptions,
): Promise<string | null> {
  if (options.index.includes(name)) {
    for (const index of options.index) {
      const file = await locate(root, [...parent, index], options);
      if (typeof file !== "number" && file.info.kind === "file") {
        return index === name ? encodePath(parent, options.urlRoot) + "/" : null;
      }
    }
    return null;
  }
  const stem = [...parent, name.slice(0, -".html".length)];
  const exact = await locate(root, stem, options);
  if (exact === 403 || (typeof exact !== "number" && exact.info.kind === "file")) return null;
  return encodePath(stem, options.urlRoot);
}
