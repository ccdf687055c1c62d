/**
 * Maps a URL pathname onto a path under the root, or refuses it.
 *
 * @module
 */

/** A pathname that names something under the root. */
export interface ResolvedPath {
  /** Decoded, non-empty segments below the root; `[]` is the root itself. */
  segments: string[];
  /** Whether the URL ended with `/` (it asks for a directory). */
  trailingSlash: boolean;
}

/** Why a pathname is refused: 400 for a malformed one, 404 for one outside `urlRoot`. */
export interface RefusedPath {
  /** The status to answer with. */
  status: 400 | 404;
  /** A short reason, safe to send to the client. */
  reason: string;
}

/**
 * Decodes a URL pathname once and splits it into segments under the root.
 *
 * The WHATWG URL parser has already removed `.`/`..` segments (including
 * `%2e` forms) from `request.url`, so a dot-dot that survives to here was
 * smuggled past it and is refused rather than resolved. Empty segments are
 * dropped, which also keeps redirects built from the segments from ever
 * starting with `//`.
 *
 * @param pathname The raw (percent-encoded) pathname, starting with `/`.
 * @param urlRoot A prefix such as `/static` that the pathname must start
 *   with at a segment boundary; `""` for none.
 * @returns The segments, or the refusal.
 *
 * @example Resolving and refusing
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePath } from "./resolve_path.ts";
 *
 * assert.deepEqual(resolvePath("/a%20b/c.txt", ""), {
 *   segments: ["a b", "c.txt"],
 *   trailingSlash: false,
 * });
 * assert.equal((resolvePath("/a%2fb", "") as { status: number }).status, 400);
 * assert.equal((resolvePath("/other/x", "/static") as { status: number }).status, 404);
 * ```
 */
export function resolvePath(
  pathname: string,
  urlRoot: string,
): ResolvedPath | RefusedPath {
  if (!pathname.startsWith("/")) return refuse(400, "Bad Request");
  let rest = pathname;
  if (urlRoot !== "") {
    // "/static" names the root folder without its slash: the rest is "",
    // and the handler redirects, as for any other directory.
    const below = belowUrlRoot(pathname, urlRoot);
    if (below === null) return refuse(404, "Not Found");
    rest = below;
  }
  const segments: string[] = [];
  for (const raw of rest.split("/")) {
    if (raw === "") continue;
    const segment = decodeSegment(raw);
    if (segment === null) return refuse(400, "Bad Request");
    if (segment === ".") continue;
    if (segment === "..") return refuse(400, "Bad Request");
    segments.push(segment);
  }
  return { segments, trailingSlash: rest.endsWith("/") };
}

// The part of `pathname` after the urlRoot's segments, or null. Segments
// are compared decoded, as every other segment is: the WHATWG URL parser
// keeps ":@$&+,;=" as they are in a path (its path percent-encode set),
// while the option is stored with encodeURIComponent ("/a:b" as
// "/a%3Ab"), so comparing the raw text never matched what clients send.
function belowUrlRoot(pathname: string, urlRoot: string): string | null {
  let at = 0;
  for (const expected of urlRoot.slice(1).split("/")) {
    if (pathname.charCodeAt(at) !== 0x2f) return null;
    let end = pathname.indexOf("/", at + 1);
    if (end === -1) end = pathname.length;
    const want = decodeSegment(expected);
    if (want === null || decodeSegment(pathname.slice(at + 1, end)) !== want) return null;
    at = end;
  }
  return pathname.slice(at);
}

/** Whether `value` is a refusal rather than a resolved path. */
export function isRefused(
  value: ResolvedPath | RefusedPath,
): value is RefusedPath {
  return "status" in value;
}

function refuse(status: 400 | 404, reason: string): RefusedPath {
  return { status, reason };
}

// A segment that decodes to a separator or NUL would let one URL segment
// name several path components (or truncate the path in C APIs), so it is
// malformed rather than "not found". A raw backslash is refused too: some
// file systems and proxies read it as a separator.
function decodeSegment(raw: string): string | null {
  if (raw.includes("\\")) return null;
  let decoded: string;
  try {
    decoded = raw.includes("%") ? decodeURIComponent(raw) : raw;
  } catch {
    return null;
  }
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    // 0x2f "/", 0x5c "\", 0x00 NUL.
    if (c === 0x2f || c === 0x5c || c === 0) return null;
  }
  return decoded;
}

/**
 * Encodes segments back into an absolute URL path.
 *
 * @param segments Decoded segments, none empty.
 * @param urlRoot The prefix to put in front, `""` for none.
 * @returns A path such as `/static/a%20b/`, never starting with `//`.
 *
 * @example Building a directory URL
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePath } from "./resolve_path.ts";
 *
 * assert.equal(encodePath(["a b", "c"], "/static") + "/", "/static/a%20b/c/");
 * ```
 */
export function encodePath(segments: readonly string[], urlRoot: string): string {
  let path = urlRoot;
  for (const segment of segments) path += "/" + encodeURIComponent(segment);
  return path;
}
