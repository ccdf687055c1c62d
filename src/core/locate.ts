/**
 * Finding what URL segments name under the root, under the symlink policy.
 *
 * @module
 */

import type { FileInfo } from "./fs.ts";
import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import { statusForFsError } from "./responses.ts";

/** What a path names, once found. */
export interface Located {
  /** The path to read: the real path when links were resolved. */
  path: string;
  /** Its metadata. */
  info: FileInfo;
}

/**
 * Serves a file that `segments` located, as the handler serves any file
 * (its best precompressed variant, preconditions, ranges) but without
 * caching it under the request's path: what the fallbacks (SPA shell, 404
 * page, clean URLs) use, so that they serve files exactly as the handler
 * does and a later file at that path is never hidden by a cache entry.
 */
export type ServeLocated = (
  request: RequestView,
  segments: readonly string[],
  found: Located,
) => Promise<Response>;

/** Where a fallback looks files up, and how it serves what it finds. */
export interface FallbackPlace {
  /** The root's real path. */
  root: string;
  /** Serves a located file. */
  serve: ServeLocated;
}

/**
 * Finds what `segments` name under `root`, applying the symlink policy, or
 * returns the status to answer with.
 */
export async function locate(
  root: string,
  segments: readonly string[],
  options: ResolvedOptions,
): Promise<Located | 403 | 404> {
  const joined = joinPath(root, segments);
  try {
    if (options.symlinks === "always") return { path: joined, info: await options.fs.stat(joined) };
    // The real path and the metadata come from one observation: checking a
    // real path and then stat-ing it would be two lookups, and a link
    // swapped in between (CWE-367) would hand over an outside file's
    // metadata under an inside path.
    const found = await options.fs.realStat(joined);
    // Compare with a trailing "/" so that root "www" does not contain a
    // sibling "www-secret".
    const inside = found.path === root ||
      found.path.startsWith(root === "/" ? "/" : root + "/");
    if (!inside) return 404;
    if (options.symlinks === "never" && found.path !== joined) return 404;
    return found;
  } catch (error) {
    const status = statusForFsError(error);
    if (status === null) throw error;
    return status;
  }
}

/** Joins decoded segments under an absolute root with `/`. */
export function joinPath(root: string, segments: readonly string[]): string {
  if (segments.length === 0) return root;
  return (root === "/" ? "" : root) + "/" + segments.join("/");
}
