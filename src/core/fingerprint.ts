/**
 * Telling a build tool's fingerprinted file name (`index-BxT3k9Qa.js`,
 * `app.3f9a1c2b.js`) from a name a person chose (`jquery-3.7.1.min.js`).
 *
 * @module
 */

// Folders whose every file is named per build by the tool that owns them:
// SvelteKit's `_app/immutable/` and Next's `_next/static/` (both documented
// by their frameworks as safe to cache forever).
const IMMUTABLE_FOLDERS = ["_app/immutable/", "_next/static/"];

/**
 * Whether `path` names a file whose content is fixed by its name: a file
 * under SvelteKit's `_app/immutable/` or Next's `_next/static/`, or one
 * whose name holds a content hash where build tools put it:
 *
 * - after a `-` at the end of a dot-separated part, as Vite, Rollup, Astro
 *   and esbuild write (`index-BxT3k9Qa.js`, `chunk-5JXQ4K3Y.js`);
 * - as a whole dot-separated part after the first, as webpack, Parcel and
 *   Astro write (`app.3f9a1c2b.js`, `787.3f9a1c2b.chunk.js`, `x.Bx3k9Qa1.css`);
 * - as the whole first part when it is 16 or more hex digits
 *   (`1a2b3c4d5e6f7a8b.js`, webpack's `[contenthash].js`).
 *
 * A hash is hex (8 or more lower-case hex digits, digits and letters
 * alternating at least twice), esbuild's base32 (8 or more of `A-Z2-7`,
 * the same; so `Q4FY2024`, with a 0, is no hash), or Rollup's base64url (exactly 8 characters of both
 * cases, in at least five runs of one kind, none longer than four): real
 * words, version numbers (`3.7.1`), dates (`2024-01-01`), sizes (`32x32`)
 * and CamelCase names (`ServiceWorker`) are none of these. A hash that
 * escapes the rule only costs a revalidation; a word taken for a hash would
 * be kept stale for a year, so the rule leans that way.
 *
 * @param path The path below the root, segments joined with `/`.
 * @returns `true` when the name is fingerprinted.
 *
 * @example Hashes and versions
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFingerprinted } from "./fingerprint.ts";
 *
 * assert.equal(isFingerprinted("assets/index-BxT3k9Qa.js"), true);
 * assert.equal(isFingerprinted("js/app.3f9a1c2b.js"), true);
 * assert.equal(isFingerprinted("jquery-3.7.1.min.js"), false);
 * assert.equal(isFingerprinted("2024-report.pdf"), false);
 * ```
 */
export function isFingerprinted(path: string): boolean {
  const slashed = "/" + path;
  if (IMMUTABLE_FOLDERS.some((folder) => slashed.includes("/" + folder))) return true;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const parts = name.split(".");
  // The last part is the extension, unless the name has no dot.
  const named = parts.length > 1 ? parts.slice(0, -1) : parts;
  for (const [i, part] of named.entries()) {
    const dash = part.lastIndexOf("-");
    if (dash !== -1 && isHash(part.slice(dash + 1))) return true;
    // Rollup's base64url alphabet holds "-": the hash is the last 8 characters.
    if (part.length > 9 && part[part.length - 9] === "-" && isBase64Hash(part.slice(-8))) {
      return true;
    }
    if (i > 0 && isHash(part)) return true;
    if (i === 0 && part.length >= 16 && isHexHash(part)) return true;
  }
  return false;
}

function isHash(text: string): boolean {
  return isHexHash(text) || isBase32Hash(text) || isBase64Hash(text);
}

function isHexHash(text: string): boolean {
  return text.length >= 8 && /^[0-9a-f]+$/.test(text) && runs(text) >= 3;
}

function isBase32Hash(text: string): boolean {
  return text.length >= 8 && /^[2-7A-Z]+$/.test(text) && runs(text) >= 3;
}

function isBase64Hash(text: string): boolean {
  return text.length === 8 && /^[\w-]+$/.test(text) && /[a-z]/.test(text) &&
    /[A-Z]/.test(text) && runs(text) >= 5 && longestRun(text) <= 4;
}

// Characters fall in four kinds (digit, lower, upper, other); a run is a
// stretch of one kind. Words have long runs and few of them; hashes the
// reverse.
function kind(c: string): number {
  return c >= "0" && c <= "9" ? 0 : c >= "a" && c <= "z" ? 1 : c >= "A" && c <= "Z" ? 2 : 3;
}

function runs(text: string): number {
  let count = 1;
  for (let i = 1; i < text.length; i++) if (kind(text[i]) !== kind(text[i - 1])) count++;
  return count;
}

function longestRun(text: string): number {
  let longest = 1;
  let current = 1;
  for (let i = 1; i < text.length; i++) {
    current = kind(text[i]) === kind(text[i - 1]) ? current + 1 : 1;
    if (current > longest) longest = current;
  }
  return longest;
}
