/**
 * A snippet inserted into every HTML file answer (live reload's script tag):
 * the inserted bytes are part of the representation, so its length, its
 * entity tag and its 304s are those of the bytes as sent.
 *
 * @module
 */

import type { FileBody, FileInfo } from "./fs.ts";
import type { Validators } from "./conditional.ts";
import type { RequestView } from "./request_view.ts";
import type { WholeFile } from "./file_response.ts";
import { reply } from "./responses.ts";

/** A snippet ready to insert: its bytes and the tag suffix that names it. */
export interface HtmlSnippet {
  /** The snippet as UTF-8. */
  bytes: Uint8Array<ArrayBuffer>;
  /** A short hash of the snippet, for the entity tag of an answer that carries it. */
  tag: string;
}

/**
 * HTML files larger than this are sent as they are: the snippet is inserted
 * into the whole file held in memory, which a page of this size never needs
 * in development.
 */
export const MAX_INJECTED_SIZE = 16 * 1024 * 1024;

// What the ports read at once; larger answers are not kept by the cache.
const WHOLE_READ_SIZE = 64 * 1024;

/**
 * Validates the `htmlSnippet` option.
 *
 * @param value The option's value.
 * @returns The snippet, or `null` for none.
 * @throws {TypeError} when it is not a string.
 */
export function resolveHtmlSnippet(value: unknown): HtmlSnippet | null {
  if (value === undefined) return null;
  if (typeof value !== "string") {
    throw new TypeError('Cannot create file handler: "htmlSnippet" must be a string');
  }
  if (value === "") return null;
  return { bytes: new TextEncoder().encode(value), tag: fnv1a(value) };
}

// FNV-1a, 32 bits: a different snippet (another version of the script)
// must give another tag, and the core has no crypto it may rely on.
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Whether a media type is HTML, the only type that gets the snippet.
 *
 * @param type A Content-Type value.
 * @returns `true` for `text/html`.
 */
export function isHtml(type: string): boolean {
  return type.split(";")[0].trim().toLowerCase() === "text/html";
}

/**
 * The entity tag of the file's bytes with the snippet inserted: the plain
 * file's tag with the snippet's hash, so that neither validates the other.
 *
 * @param etag The plain file's strong tag.
 * @param snippet The snippet.
 * @returns The tag.
 */
export function snippetEtag(etag: string, snippet: HtmlSnippet): string {
  return `${etag.slice(0, -1)}-s${snippet.tag}"`;
}

/**
 * Inserts `snippet` before the last `</body` (any case), or at the end when
 * there is none. The search is on bytes: `</body` is ASCII, and in UTF-8 no
 * byte of a longer character falls in the ASCII range.
 *
 * @param bytes The file.
 * @param snippet The bytes to insert.
 * @returns A new array, `bytes.length + snippet.length` long.
 *
 * @example Before the closing tag
 * ```ts
 * import assert from "node:assert/strict";
 * import { insertSnippet } from "./html_snippet.ts";
 *
 * const encode = (text: string) => new TextEncoder().encode(text);
 * const out = insertSnippet(encode("<p>é</p></BODY></html>"), encode("<script></script>"));
 * assert.equal(new TextDecoder().decode(out), "<p>é</p><script></script></BODY></html>");
 * ```
 */
export function insertSnippet(bytes: Uint8Array, snippet: Uint8Array): Uint8Array<ArrayBuffer> {
  const at = lastBodyClose(bytes);
  const out = new Uint8Array(bytes.length + snippet.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(snippet, at);
  out.set(bytes.subarray(at), at + snippet.length);
  return out;
}

const CLOSE = [0x3c, 0x2f, 0x62, 0x6f, 0x64, 0x79]; // "</body", lower case

function lastBodyClose(bytes: Uint8Array): number {
  for (let i = bytes.length - CLOSE.length; i >= 0; i--) {
    if (closesBodyAt(bytes, i)) return i;
  }
  return bytes.length;
}

function closesBodyAt(bytes: Uint8Array, i: number): boolean {
  for (let j = 0; j < CLOSE.length; j++) {
    // `| 0x20` lowers ASCII letters; "<" and "/" are compared as they are.
    const byte = j < 2 ? bytes[i + j] : bytes[i + j] | 0x20;
    if (byte !== CLOSE[j]) return false;
  }
  return true;
}

/**
 * Sends an HTML file with the snippet inserted (preconditions already
 * passed): the whole file is read, even for a large one, and never ranged;
 * HEAD reads nothing, since the length is known from the file's size.
 *
 * @param request The request (GET or HEAD).
 * @param file The file's version, the snippet, and the cache's callback.
 * @param read Opens the whole file (or answers the status to send).
 * @param answer Fields, validators, and the 304 fields for the cache.
 * @returns The 200.
 */
export async function snippetReply(
  request: RequestView,
  file: { info: FileInfo; snippet: HtmlSnippet; onWhole?: (whole: WholeFile) => void },
  read: () => Promise<FileBody | Response>,
  answer: { headers: Headers; validators: Validators; notModified: () => Array<[string, string]> },
): Promise<Response> {
  const { info, snippet } = file;
  const { headers, validators } = answer;
  // RFC 9110 §14.2: a server may ignore Range; ranges of bytes the server
  // makes up would not survive the next version of the snippet.
  headers.set("accept-ranges", "none");
  headers.set("content-length", String(info.size + snippet.bytes.length));
  if (request.method === "HEAD") return reply(null, 200, headers);
  const raw = info.size === 0 ? new Uint8Array(0) : await read();
  if (raw instanceof Response) return raw;
  const plain = raw instanceof Uint8Array
    ? raw
    : new Uint8Array(await new Response(raw).arrayBuffer());
  // The file grew or shrank between stat and read: the length sent must be
  // that of the bytes, so the handler looks the file up again.
  if (plain.byteLength !== info.size) {
    throw Object.assign(new Error("Cannot send file: it changed while read"), { code: "ESTALE" });
  }
  const bytes = insertSnippet(plain, snippet.bytes);
  if (info.size <= WHOLE_READ_SIZE) {
    file.onWhole?.({
      info,
      bytes,
      validators,
      headers: [...headers],
      notModifiedHeaders: answer.notModified(),
    });
  }
  return reply(bytes, 200, headers);
}
