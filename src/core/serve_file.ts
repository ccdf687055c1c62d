/**
 * Serving one located file: the file itself, or the precompressed sidecar
 * the client accepts best, and where its answer may be cached.
 *
 * @module
 */

import { acceptedCodings } from "./accept_encoding.ts";
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

// The file, or the precompressed sidecar the client accepts best. Either is
// cached under the URL's path and the client's ranking of codings, guarded
// by the folder's version (taken before the sidecars are looked for, so
// that one appearing since is seen) and, for a sidecar, the original's.
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
  if (options.precompressed.length === 0) {
    const onWhole = cache.keep(key, cache.lookup);
    return await fileResponse(request, { ...plain, onWhole }, options);
  }
  const folder = cache.lookup === null ? null : await folderGuard(root, segments, options);
  const selected = await selectRepresentation(root, segments, found, request, options);
  if (selected.kind === "none") {
    return errorResponse(406, request.method, { vary: "accept-encoding" });
  }
  if (selected.kind === "identity") {
    const lookup = folder === null ? null : { ...cache.lookup!, guards: [folder] };
    const onWhole = cache.keep(key, lookup);
    return await fileResponse(request, { ...plain, onWhole }, options);
  }
  const { path, info } = selected.file;
  const sidecar = cachedLookup(root, selected.segments, selected.file, options);
  const original = { path: cache.lookup?.path ?? "", info: found.info };
  const lookup = folder === null || sidecar === null
    ? null
    : { ...sidecar, guards: [folder, original] };
  const onWhole = cache.keep(key, lookup);
  const coded = { path, info, coding: selected.coding, typePath: found.path, relative, onWhole };
  return await fileResponse(request, coded, options);
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

// Without sidecars the URL's path; with them, the path and the codings the
// request ranks (Chrome's and Firefox's fields rank the same, and share an
// entry).
export function cacheKey(
  pathname: string,
  headers: HeaderReader,
  options: ResolvedOptions,
): string {
  if (options.precompressed.length === 0) return pathname;
  const { codings, identity } = acceptedCodings(
    headers.get("accept-encoding"),
    options.precompressed,
  );
  return `${pathname}\0${codings.join(",")}${identity ? "+identity" : ""}`;
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
