/**
 * Directory listings: the entry type, escaping, the JSON form and the
 * negotiation between HTML (`listing_html.ts`), JSON and plain text
 * (`listing_text.ts`).
 *
 * @module
 */

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
  /**
   * Whether the entry itself is a symbolic link (which the listing
   * followed, under the handler's `symlinks` policy).
   * @default {false}
   */
  symlink?: boolean;
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
  // Most names need nothing: one test instead of a replace per row.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const NEEDS_ESCAPE = /[&<>"']/;

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Renders a JSON listing.
 *
 * @param urlPath The directory's decoded URL path.
 * @param entries The entries, already sorted.
 * @returns `{ path, entries: [{ name, type, size, modified }] }` as JSON;
 * an entry that is a symbolic link also has `symlink: true`.
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
    entries: entries.map((entry) => {
      const json: Record<string, unknown> = {
        name: entry.name,
        type: entry.directory ? "directory" : "file",
        size: entry.size,
        modified: entry.mtimeMs === null ? null : new Date(entry.mtimeMs).toISOString(),
      };
      // Only when true, so that the shape of other entries stays as it was.
      if (entry.symlink === true) json.symlink = true;
      return json;
    }),
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

/** The forms a listing is sent in. */
export type ListingFormat = "html" | "json" | "text";

/**
 * Picks the listing's form from `Accept` (RFC 9110 §12.5.1): the form with
 * the highest weight, ties going to HTML, then JSON, then plain text. So
 * `*\/*` (curl, wget, fetch) gets HTML as from every peer server, and
 * `Accept: text/plain` an aligned plain listing. Only `Accept` is read,
 * never `User-Agent`, so `Vary: Accept` is the whole truth and a shared
 * cache keeps one copy per form rather than one per client version.
 *
 * @param accept The `Accept` field, or `null`.
 * @returns `"html"`, `"json"` or `"text"`.
 *
 * @example Negotiation
 * ```ts
 * import assert from "node:assert/strict";
 * import { listingFormat } from "./listing.ts";
 *
 * assert.equal(listingFormat("*\/*"), "html");
 * assert.equal(listingFormat("text/plain"), "text");
 * assert.equal(listingFormat("application/json, text/plain"), "json");
 * assert.equal(listingFormat(null), "html");
 * ```
 */
export function listingFormat(accept: string | null): ListingFormat {
  if (accept === null || accept.length > 4096) return "html";
  const html = acceptWeight(accept, "text", "html");
  const json = acceptWeight(accept, "application", "json");
  const text = acceptWeight(accept, "text", "plain");
  if (html >= json && html >= text) return "html";
  return json >= text ? "json" : "text";
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
