/**
 * The HTML listing page: breadcrumbs, sort links that work without
 * JavaScript, one row per entry with an icon by kind, and every name
 * escaped. Built in one pass into a string array.
 *
 * @module
 */

import { escapeHtml, type ListingEntry } from "./listing.ts";
import { formatBytes } from "./format_bytes.ts";
import { LISTING_FAVICON, LISTING_ICONS, LISTING_SCRIPT, LISTING_STYLE } from "./listing_page.ts";
import {
  DEFAULT_ORDER,
  DEFAULT_SORT,
  type ListingSort,
  type SortKey,
  sortQuery,
} from "./listing_sort.ts";

/** How {@linkcode renderHtmlListing} renders a page. */
export interface HtmlListingOptions {
  /** Whether to link to the parent folder (`../`). */
  parent: boolean;
  /**
   * The decoded URL prefix under which the root is served (`/static`), shown
   * as the first breadcrumb; the segments after it get one crumb each.
   * @default {""}
   */
  base?: string;
  /**
   * The order `entries` are in, marked on the column headers and kept in
   * the folder and breadcrumb links.
   * @default {{ key: "name", order: "asc" }}
   */
  sort?: ListingSort;
  /**
   * Whether to offer the folder as a zip (a "Download as zip" link to
   * `?download=zip`).
   * @default {false}
   */
  archive?: boolean;
}

const COLUMNS: ReadonlyArray<readonly [SortKey, string]> = [
  ["name", "Name"],
  ["size", "Size"],
  // The script shows local times and drops "(UTC)"; without it, UTC.
  ["time", 'Modified<span class="tz"> (UTC)</span>'],
];

/**
 * Renders an HTML listing page.
 *
 * @param urlPath The directory's decoded URL path, shown as the title.
 * @param entries The entries, already sorted (see `sortEntries()`).
 * @param options The parent link, URL prefix, sort and zip link.
 * @returns A complete HTML document, whose inline style and script are
 * those `listingCsp()` allows.
 *
 * @example Escaped names and links
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlListing } from "./listing_html.ts";
 *
 * const html = renderHtmlListing("/docs/", [
 *   { name: "<b>.txt", directory: false, size: 3, mtimeMs: 0 },
 *   { name: "sub", directory: true, size: 0, mtimeMs: 0 },
 * ], { parent: true, sort: { key: "size", order: "asc" }, archive: true });
 * assert.ok(html.includes('href="%3Cb%3E.txt"'));
 * assert.ok(html.includes("&lt;b&gt;.txt"));
 * assert.ok(html.includes('href="../?sort=size&amp;order=asc"'));
 * assert.ok(html.includes('href="sub/?sort=size&amp;order=asc"'));
 * assert.ok(html.includes('href="?download=zip"'));
 * ```
 */
export function renderHtmlListing(
  urlPath: string,
  entries: readonly ListingEntry[],
  options: HtmlListingOptions,
): string {
  const sort = options.sort ?? DEFAULT_SORT;
  const keep = escapeHtml(sortQuery(sort));
  const title = escapeHtml(`Index of ${urlPath}`);
  const out: string[] = [
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${title}</title>\n<link rel="icon" href="${LISTING_FAVICON}">\n`,
    `<style>${LISTING_STYLE}</style>\n</head>\n<body>\n${LISTING_ICONS}\n<main>\n`,
    `<h1>Index of ${breadcrumbs(urlPath, options.base ?? "", keep)}</h1>\n`,
    '<div class="bar"><div hidden><label for="filter">Filter</label>',
    '<input id="filter" type="search" autocomplete="off" spellcheck="false" ',
    'aria-describedby="shown"> <output id="shown" aria-live="polite"></output></div>',
  ];
  if (options.archive === true) {
    out.push(
      '<a href="?download=zip" download><svg class="i" aria-hidden="true"><use href="#k-zip"/>',
      "</svg>Download as zip</a>",
    );
  }
  out.push(`</div>\n<table>\n<caption>${summary(entries)}</caption>\n<thead><tr>`);
  for (const [key, label] of COLUMNS) out.push(header(key, label, sort));
  out.push("</tr></thead>\n<tbody>\n");
  if (options.parent) {
    out.push(
      `<tr class="up"><td><a href="../${keep}" aria-label="Parent folder">`,
      '<svg class="i" aria-hidden="true"><use href="#k-up"/></svg>../</a></td><td></td><td></td></tr>\n',
    );
  }
  for (const entry of entries) out.push(row(entry, keep));
  out.push(`</tbody>\n</table>\n</main>\n<script>${LISTING_SCRIPT}</script>\n</body>\n</html>\n`);
  return out.join("");
}

function row(entry: ListingEntry, keep: string): string {
  const encoded = escapeHtml(encodeURIComponent(entry.name));
  const name = escapeHtml(entry.name);
  const href = entry.directory ? `${encoded}/${keep}` : encoded;
  const icon = entry.symlink === true ? "link" : entry.directory ? "dir" : fileKind(entry.name);
  const tag = entry.symlink === true ? '<span class="tag">symlink</span>' : "";
  const size = entry.directory
    ? '<td><span aria-hidden="true">—</span><span class="sr">folder</span></td>'
    : `<td title="${groupDigits(entry.size)} bytes">${formatBytes(entry.size)}</td>`;
  let time = "<td></td>";
  if (entry.mtimeMs !== null) {
    const iso = new Date(entry.mtimeMs).toISOString();
    time = `<td><time datetime="${iso}" title="${iso}">${iso.slice(0, 10)} ${
      iso.slice(11, 16)
    }</time></td>`;
  }
  const svg = `<svg class="i${entry.directory ? " d" : ""}" aria-hidden="true">`;
  return `<tr><td><a href="${href}">${svg}<use href="#k-${icon}"/></svg>${name}${
    entry.directory ? "/" : ""
  }</a>${tag}</td>${size}${time}</tr>\n`;
}

function header(key: SortKey, label: string, sort: ListingSort): string {
  const active = sort.key === key;
  // The active column's link flips its order; another column's link sorts
  // by it in that key's own first order.
  const order = active ? (sort.order === "asc" ? "desc" : "asc") : DEFAULT_ORDER[key];
  const href = escapeHtml(sortQuery({ key, order }) || "./");
  const state = active ? ` aria-sort="${sort.order === "asc" ? "ascending" : "descending"}"` : "";
  const arrow = active
    ? `<span aria-hidden="true"> ${sort.order === "asc" ? "↑" : "↓"}</span>`
    : "";
  const hint = `<span class="sr"> (sort ${order === "asc" ? "ascending" : "descending"})</span>`;
  return `<th scope="col"${state}><a href="${href}">${label}${arrow}${hint}</a></th>`;
}

// The URL path as links: the root (with its URL prefix) and each folder
// below it, relative (`../../`), so the page works behind a proxy that
// mounts it under another prefix; the current folder is marked.
function breadcrumbs(urlPath: string, base: string, keep: string): string {
  const below = urlPath.slice(base.length + 1).split("/").filter((s) => s !== "");
  const up = (n: number) => (n === 0 ? "./" : "../".repeat(n)) + keep;
  const crumb = (href: string, text: string, last: boolean) =>
    `<a href="${href}"${last ? ' aria-current="page"' : ""}>${text}</a>`;
  const parts = [crumb(up(below.length), escapeHtml(base + "/"), below.length === 0)];
  for (const [i, segment] of below.entries()) {
    const last = i === below.length - 1;
    parts.push(crumb(up(below.length - 1 - i), escapeHtml(segment), last) + "/");
  }
  return parts.join("");
}

function summary(entries: readonly ListingEntry[]): string {
  let folders = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.directory) folders++;
    else bytes += entry.size;
  }
  const files = entries.length - folders;
  return `${folders} ${folders === 1 ? "folder" : "folders"}, ${files} ${
    files === 1 ? "file" : "files"
  } (${formatBytes(bytes)})`;
}

function groupDigits(n: number): string {
  const digits = String(n);
  if (digits.length <= 3) return digits;
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += "," + digits.slice(i, i + 3);
  return grouped;
}

const KINDS = new Map<string, string>();
for (
  const [kind, extensions] of [
    ["image", "png jpg jpeg gif webp avif svg ico bmp tif tiff heic jxl"],
    ["video", "mp4 m4v webm mkv mov avi ogv mpg mpeg"],
    ["audio", "mp3 wav flac ogg oga opus m4a aac mid"],
    ["archive", "zip tar gz tgz bz2 xz zst 7z rar br jar deb rpm iso dmg"],
    [
      "code",
      "js mjs cjs ts mts tsx jsx json html htm css scss xml yaml yml toml py rb go rs c h cc cpp java kt swift sh php wasm sql",
    ],
    ["text", "txt md markdown csv tsv log rst ini conf"],
    ["pdf", "pdf"],
  ]
) {
  for (const extension of extensions.split(" ")) KINDS.set(extension, kind);
}

// The icon for a file, from its extension alone (no I/O, no sniffing).
function fileKind(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return "file";
  return KINDS.get(name.slice(dot + 1).toLowerCase()) ?? "file";
}
