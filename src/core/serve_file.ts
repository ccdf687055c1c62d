/**
 * Serving one located file: the file itself, or the precompressed sidecar
 * the client accepts best, and where its answer may be cached.
 *
 * @module
 */

import {
  acceptedCodings,
  codingWeight,
  codingWeights,
  type ContentCoding,
} from "./accept_encoding.ts";
import {
  isCompressible,
  MAX_COMPRESSED_SIZE,
  MAX_STREAMED_SIZE,
  MIN_COMPRESSED_SIZE,
} from "./compression.ts";
import { contentType } from "./media_types.ts";
import { isHtml, MAX_INJECTED_SIZE } from "./html_snippet.ts";
import type { CachedLookup } from "./file_cache.ts";
import { fileResponse, type WholeFile } from "./file_response.ts";
import type { FileInfo } from "./fs.ts";
import { joinPath, type Located } from "./locate.ts";
import type { ResolvedOptions } from "./options.ts";
import { selectRepresentation } from "./precompressed.ts";
import type { HeaderReader, RequestView } from "./request_view.ts";
import { errorResponse } from "./responses.ts";

/** Where one answer may be cached: its URL path, how a hit re-checks it, and the keeper. */
export interface CacheSlot {
  /** The URL's path (`""` for an answer that is never cached). */
  pathname: string;
  /** How a hit re-checks the file, or `null` when it cannot be cached. */
  lookup: CachedLookup | null;
  /** The cache's callback for a whole 200 kept under `key`, if any. */
  keep: (key: string, lookup: CachedLookup | null) => ((whole: WholeFile) => void) | undefined;
}

// The file, the precompressed sidecar the client accepts best, or the file
// compressed on the fly. Each is cached under the URL's path and the
// client's weights of codings, guarded by the folder's version when
// sidecars are served (taken before they are looked for, so that one
// appearing since is seen) and, for a sidecar, by the original's.
export async function serveFile(
  request: RequestView,
  file: { root: string; segments: readonly string[]; found: Located },
  cache: CacheSlot,
  options: ResolvedOptions,
): Promise<Response> {
  const { root, segments, found } = file;
  const key = cacheKey(cache.pathname, request.headers, options);
  // The cache policy's globs see the original's path, for a sidecar too.
  const relative = segments.join("/");
  const plain = { path: found.path, info: found.info, relative };
  let lookup = cache.lookup;
  const snippet = options.htmlSnippet;
  // An HTML page gets the snippet, and then no sidecar (which has none)
  // and no coding: the page is made for one developer's browser.
  if (snippet !== null && found.info.size <= MAX_INJECTED_SIZE && isHtml(contentType(found.path))) {
    const onWhole = cache.keep(key, lookup);
    return await fileResponse(request, { ...plain, snippet, onWhole }, options);
  }
  let identity = true;
  const coding = onTheFly(request, found, options);
  if (options.precompressed.length > 0) {
    const folder = lookup === null ? null : await folderGuard(root, segments, options);
    lookup = folder === null ? null : { ...lookup!, guards: [folder] };
    const selected = await selectRepresentation(root, segments, found, request, options);
    // A sidecar wins unless the client weighs a coding that can be made
    // higher (a tie goes to the sidecar: made once, at build time).
    if (selected.kind === "coded" && !weighsMore(request, coding, selected.coding)) {
      const sidecar = cachedLookup(root, selected.segments, selected.file, options);
      const original = { path: cache.lookup?.path ?? "", info: found.info };
      const guarded = folder === null || sidecar === null
        ? null
        : { ...sidecar, guards: [folder, original] };
      const { path, info } = selected.file;
      const onWhole = cache.keep(key, guarded);
      const coded = { path, info, coding: selected.coding, typePath: found.path, relative };
      return await fileResponse(request, { ...coded, onWhole }, options);
    }
    identity = selected.kind !== "none";
  }
  if (coding !== null) {
    const compressor = options.compress!;
    if (found.info.size > MAX_COMPRESSED_SIZE) {
      const compressStream = (body: ReadableStream<Uint8Array>) =>
        compressor.compressStream!(body, coding);
      return await fileResponse(request, { ...plain, coding, compressStream }, options);
    }
    const compress = (bytes: Uint8Array) => compressor.compress(bytes, coding);
    const onWhole = cache.keep(key, lookup);
    return await fileResponse(request, { ...plain, coding, compress, onWhole }, options);
  }
  // RFC 9110 §12.5.3: nothing the client accepts.
  if (!identity) return errorResponse(406, request.method, { vary: "accept-encoding" });
  const onWhole = cache.keep(key, lookup);
  return await fileResponse(request, { ...plain, onWhole }, options);
}

// The coding to compress `found` with on the fly, or null: a compressible
// type within the size bounds and a coding the client accepts. A Range
// gets the file's own bytes (a range of bytes made on the fly would not
// survive the next version of the compressor), unless the client refuses
// those: then the Range is ignored (RFC 9110 §14.2 allows it) rather than
// answered 406.
function onTheFly(
  request: RequestView,
  found: Located,
  options: ResolvedOptions,
): ContentCoding | null {
  const compressor = options.compress;
  if (compressor === null) return null;
  const { size } = found.info;
  if (size < MIN_COMPRESSED_SIZE || size > MAX_STREAMED_SIZE) return null;
  if (size > MAX_COMPRESSED_SIZE && compressor.compressStream === undefined) return null;
  if (!isCompressible(contentType(found.path))) return null;
  const field = request.headers.get("accept-encoding");
  const { codings, identity } = acceptedCodings(field, compressor.codings);
  if (request.headers.get("range") !== null && identity) return null;
  return codings[0] ?? null;
}

function weighsMore(request: RequestView, made: ContentCoding | null, sidecar: ContentCoding) {
  if (made === null) return false;
  const field = request.headers.get("accept-encoding");
  return codingWeight(field, made) > codingWeight(field, sidecar);
}

// The version of the folder that holds the file, or null when it cannot be
// read (then nothing is cached).
async function folderGuard(
  root: string,
  segments: readonly string[],
  options: ResolvedOptions,
): Promise<{ path: string; info: FileInfo } | null> {
  const path = joinPath(root, segments.slice(0, -1));
  const { fs, symlinks } = options;
  try {
    return { path, info: symlinks === "always" ? await fs.stat(path) : await fs.lstat(path) };
  } catch {
    return null;
  }
}

// Without codings the URL's path; with them, the path and the weights the
// request gives each coding, which decide the choice (Chrome's and
// Firefox's fields weigh them the same, and share an entry).
export function cacheKey(
  pathname: string,
  headers: HeaderReader,
  options: ResolvedOptions,
): string {
  if (options.precompressed.length === 0 && options.compress === null) return pathname;
  return `${pathname}\0${codingWeights(headers.get("accept-encoding"))}`;
}

// How a hit re-checks the path: lstat along real directories, or a plain
// stat when every link is followed anyway. A path through a link under the
// other policies is not cached: a hit could not see the link retargeted
// without resolving it again.
export function cachedLookup(
  root: string,
  segments: readonly string[],
  found: Located,
  options: ResolvedOptions,
): CachedLookup | null {
  const joined = joinPath(root, segments);
  if (options.symlinks === "always") return { directories: [], path: joined, follow: true };
  if (found.path !== joined) return null;
  const directories: string[] = [];
  for (let i = 1; i < segments.length; i++) directories.push(joinPath(root, segments.slice(0, i)));
  return { directories, path: joined, follow: false };
}
