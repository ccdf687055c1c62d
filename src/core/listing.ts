/**
 * Directory listings: HTML with every name escaped, or JSON.
 *
 * @module
 */

import { formatBytes } from "./format_bytes.ts";

/** One entry of a listing. */
export interface ListingEntry {
  /** The entry's name. */
  name: string;
  /** Whether it is a directory. */
  directory: boolean;
  /** Size in bytes (0 for directories). */
  size: number;
  /** Modification time in milliseconds, or `null`. */
  mtimeMs: number | null;
}

/**
 * Sorts entries folders first, then by name (code point order, so the
 * order is the same on every runtime and locale).
 *
 * @param entries The entries, in any order.
 * @returns A new sorted array.
 *
 * @example Folders first
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortEntries } from "./listing.ts";
 *
 * const sorted = sortEntries([
 *   { name: "b.txt", directory: false, size: 1, mtimeMs: 0 },
 *   { name: "z", directory: true, size: 0, mtimeMs: 0 },
 * ]);
 * assert.deepEqual(sorted.map((e) => e.name), ["z", "b.txt"]);
 * ```
 */
export function sortEntries(entries: readonly ListingEntry[]): ListingEntry[] {
  return [...entries].sort((a, b) => {
    if (a.directory !== b.directory) return a.directory ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` replaced by character references.
 *
 * @example Escaping a hostile name
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./listing.ts";
 *
 * assert.equal(escapeHtml('<img src=x onerror="1">'), "&lt;img src=x onerror=&quot;1&quot;&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Renders an HTML listing page.
 *
 * @param urlPath The directory's decoded URL path, shown as the title.
 * @param entries The entries, already sorted.
 * @param options `parent`: whether to link to `../`; `archive`: whether to
 *   offer the folder as a zip (`?download=zip`).
 * @returns A complete HTML document.
 *
 * @example Escaped names and links
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlListing } from "./listing.ts";
 *
 * const html = renderHtmlListing("/docs/", [
 *   { name: "<b>.txt", directory: false, size: 3, mtimeMs: 0 },
 * ], { parent: true });
 * assert.ok(html.includes('href="%3Cb%3E.txt"'));
 * assert.ok(html.includes("&lt;b&gt;.txt"));
 * assert.ok(html.includes('href="../"'));
 * ```
 */
export function renderHtmlListing(
  urlPath: string,
  entries: readonly ListingEntry[],
  options: { parent: boolean; archive?: boolean },
): string {
  const title = escapeHtml(`Index of ${urlPath}`);
  const rows: string[] = [];
  if (options.parent) {
    rows.push('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  }
  for (const entry of entries) {
    const suffix = entry.directory ? "/" : "";
    const href = escapeHtml(encodeURIComponent(entry.name) + suffix);
    const name = escapeHtml(entry.name + suffix);
    const size = entry.directory ? "-" : formatBytes(entry.size);
    const date = entry.mtimeMs === null ? "" : new Date(entry.mtimeMs).toISOString()
      .slice(0, 16).replace("T", " ");
    rows.push(
      `<tr><td><a href="${href}">${name}</a></td><td>${size}</td><td>${date}</td></tr>`,
    );
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}
td{padding:.2rem 1.5rem .2rem 0;font-variant-numeric:tabular-nums}
td:nth-child(2){text-align:right}
</style>
</head>
<body>
<h1>${title}</h1>
${options.archive ? '<p><a href="?download=zip" download>Download as zip</a></p>\n' : ""}<table>
<thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}

/**
 * Renders a JSON listing.
 *
 * @param urlPath The directory's decoded URL path.
 * @param entries The entries, already sorted.
 * @returns `{ path, entries: [{ name, type, size, modified }] }` as JSON.
 *
 * @example One file
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderJsonListing } from "./listing.ts";
 *
 * const json = JSON.parse(renderJsonListing("/", [
 *   { name: "a.txt", directory: false, size: 3, mtimeMs: 0 },
 * ]));
 * assert.deepEqual(json.entries[0], {
 *   name: "a.txt", type: "file", size: 3, modified: "1970-01-01T00:00:00.000Z",
 * });
 * ```
 */
export function renderJsonListing(
  urlPath: string,
  entries: readonly ListingEntry[],
): string {
  return JSON.stringify({
    path: urlPath,
    entries: entries.map((entry) => ({
      name: entry.name,
      type: entry.directory ? "directory" : "file",
      size: entry.size,
      modified: entry.mtimeMs === null ? null : new Date(entry.mtimeMs).toISOString(),
    })),
  });
}

/**
 * Whether the client prefers `application/json` to `text/html`, by the
 * q-values and specificity of `Accept` (RFC 9110 §12.5.1).
 *
 * @param accept The `Accept` field, or `null`.
 * @returns `true` only when JSON has a strictly higher weight than HTML.
 *
 * @example Negotiation
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefersJson } from "./listing.ts";
 *
 * assert.equal(prefersJson("application/json"), true);
 * assert.equal(prefersJson("text/html,application/json;q=0.9"), false);
 * assert.equal(prefersJson(null), false);
 * ```
 */
export function prefersJson(accept: string | null): boolean {
  if (accept === null || accept.length > 4096) return false;
  return acceptWeight(accept, "application", "json") > acceptWeight(accept, "text", "html");
}

/**
 * The weight `Accept` gives `type/subtype`: that of the most specific range
 * that matches it (RFC 9110 §12.5.1); a range with no q has weight 1, an
 * unmatched type weight 0.
 *
 * @param accept The `Accept` field.
 * @param type The media type, lower case, e.g. `"text"`.
 * @param subtype The subtype, lower case, e.g. `"html"`.
 * @returns The weight, from 0 to 1.
 *
 * @example The most specific range wins
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptWeight } from "./listing.ts";
 *
 * assert.equal(acceptWeight("text/html;q=0, text/*", "text", "html"), 0);
 * assert.equal(acceptWeight("text/*;q=0.5", "text", "html"), 0.5);
 * ```
 */
// Both listings are sent with `charset=utf-8`, the only media-type
// parameter a range may name and still match; a range naming another one
// (`;level=1`), or that is no media range (`a/b/c`), matches neither.
export function acceptWeight(accept: string, type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const part of accept.split(",")) {
    const [range, ...params] = part.split(";");
    const names = range.trim().toLowerCase().split("/");
    if (names.length !== 2) continue;
    const [t, s] = names;
    let specificity: number;
    if (t === type && s === subtype) specificity = 2;
    else if (t === type && s === "*") specificity = 1;
    else if (t === "*" && s === "*") specificity = 0;
    else continue;
    let weight = 1;
    let matches = true;
    let charset = false;
    for (const param of params) {
      const [key, value = ""] = param.trim().toLowerCase().split("=");
      if (key === "q") {
        const parsed = Number(value);
        weight = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
        // Accept extensions after q are not media-type parameters.
        break;
      }
      if (key === "charset" && value.replace(/^"|"$/g, "") === "utf-8") charset = true;
      else matches = false;
    }
    if (!matches) continue;
    if (charset) specificity += 0.5;
    if (specificity <= best) continue;
    best = specificity;
    q = weight;
  }
  return q;
}
