/**
 * Finding what URL segments name under the root, under the symlink policy.
 *
 * @module
 */

import type { FileInfo } from "./fs.ts";
import type { ResolvedOptions } from "./options.ts";
import { statusForFsError } from "./responses.ts";

/** What a path names, once found. */
export interface Located {
  /** The path to read: the real path when links were resolved. */
  path: string;
  /** Its metadata. */
  info: FileInfo;
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
    let path = joined;
    if (options.symlinks !== "always") {
      path = await options.fs.realPath(joined);
      // Compare with a trailing "/" so that root "www" does not contain a
      // sibling "www-secret".
      const inside = path === root || path.startsWith(root === "/" ? "/" : root + "/");
      if (!inside) return 404;
      if (options.symlinks === "never" && path !== joined) return 404;
    }
    return { path, info: await options.fs.stat(path) };
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
