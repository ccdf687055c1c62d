/**
 * The plain-text listing, for `curl -H 'Accept: text/plain'` and scripts:
 * one line per entry, columns aligned.
 *
 * @module
 */

import type { ListingEntry } from "./listing.ts";
import { formatBytes } from "./format_bytes.ts";

/**
 * Renders a plain-text listing: a title line, then `name  size  date` per
 * entry (folders end in `/`, links are marked `->`), names padded to one
 * width, control characters shown as `\xNN`.
 *
 * @param urlPath The directory's decoded URL path.
 * @param entries The entries, already sorted.
 * @returns The text, ending with a newline.
 *
 * @example Aligned columns
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderTextListing } from "./listing_text.ts";
 *
 * const text = renderTextListing("/docs/", [
 *   { name: "sub", directory: true, size: 0, mtimeMs: 0 },
 *   { name: "a\nb.txt", directory: false, size: 2048, mtimeMs: 0 },
 * ]);
 * assert.equal(text, [
 *   "Index of /docs/",
 *   "",
 *   "sub/        -        1970-01-01 00:00",
 *   "a\\x0ab.txt  2.0 KiB  1970-01-01 00:00",
 *   "",
 * ].join("\n"));
 * ```
 */
export function renderTextListing(urlPath: string, entries: readonly ListingEntry[]): string {
  const names: string[] = [];
  const sizes: string[] = [];
  let nameWidth = 0;
  let sizeWidth = 1;
  for (const entry of entries) {
    const name = printable(entry.name) + (entry.directory ? "/" : "") +
      (entry.symlink === true ? " ->" : "");
    const size = entry.directory ? "-" : formatBytes(entry.size);
    names.push(name);
    sizes.push(size);
    if (name.length > nameWidth) nameWidth = name.length;
    if (size.length > sizeWidth) sizeWidth = size.length;
  }
  const lines = [`Index of ${printable(urlPath)}`, ""];
  for (const [i, entry] of entries.entries()) {
    const mtime = entry.mtimeMs;
    const date = mtime === null ? "" : new Date(mtime).toISOString().slice(0, 16).replace("T", " ");
    lines.push(
      `${names[i].padEnd(nameWidth)}  ${sizes[i].padEnd(sizeWidth)}  ${date}`.trimEnd(),
    );
  }
  return lines.join("\n") + "\n";
}

// C0 and C1 controls and DEL: a name holding ESC or a newline must not
// drive the reader's terminal or forge lines.
function printable(text: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += text.slice(start, i) + "\\x" + code.toString(16).padStart(2, "0");
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}
