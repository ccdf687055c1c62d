/**
 * Media types: the `Content-Type` to send for a file, from its extension.
 *
 * The table is generated from `mime-db` by `scripts/gen_media_table.ts`.
 *
 * @module
 */

import { MEDIA_TABLE } from "./_media_table.ts";

/** What is sent for a file whose type is not known. */
const FALLBACK = "application/octet-stream";

/**
 * Returns the `Content-Type` value to send for the file at `path`.
 *
 * The extension is what follows the last `.` of the last `/`-separated
 * segment, compared case-insensitively. Text types carry
 * `; charset=utf-8`. A name without an extension (`Makefile`), a dotfile
 * (`.bashrc`), a name ending in `.`, or an unknown extension gives
 * `application/octet-stream`.
 *
 * @param path A file path or name, with `/` as the separator.
 * @returns The full `Content-Type` header value.
 *
 * @example Looking up types by extension
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentType } from "./media_types.ts";
 *
 * assert.equal(contentType("/site/index.html"), "text/html; charset=utf-8");
 * assert.equal(contentType("photos/CAT.JPG"), "image/jpeg");
 * assert.equal(contentType("/a.b/Makefile"), "application/octet-stream");
 * ```
 */
export function contentType(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  // A leading dot starts a hidden name, not an extension.
  if (dot <= 0) return FALLBACK;
  const ext = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(MEDIA_TABLE, ext) ? MEDIA_TABLE[ext] : FALLBACK;
}
