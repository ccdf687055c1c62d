/**
 * Precompressed sidecars: `app.js.br`, `app.js.zst`, `app.js.gz` written by
 * a build next to `app.js`, served in its place to clients that accept the
 * coding.
 *
 * @module
 */

import { acceptedCodings, type ContentCoding } from "./accept_encoding.ts";
import { locate, type Located } from "./locate.ts";
import type { ResolvedOptions } from "./options.ts";
import type { HeaderReader } from "./request_view.ts";

/** The file name suffix of each coding's sidecar. */
export const SIDECAR_SUFFIX: Readonly<Record<ContentCoding, string>> = {
  br: ".br",
  zstd: ".zst",
  gzip: ".gz",
};

/** The representation to send for a file that may have sidecars. */
export type Selected =
  | { kind: "identity" }
  | { kind: "coded"; coding: ContentCoding; file: Located; segments: readonly string[] }
  | { kind: "none" };

/**
 * Picks the sidecar of `original` (reached by `segments` under `root`) that
 * the request accepts best, the file itself, or nothing acceptable (406).
 *
 * A sidecar counts only when it is a regular file that the same rules as
 * any request would serve (containment, symbolic-link policy) and is not
 * older than the original: a stale `.br` left from an earlier build must
 * never win over a newer `app.js`. A time that is unknown proves nothing,
 * so such a sidecar is not used either.
 *
 * @param root The root's real path.
 * @param segments The original file's URL segments.
 * @param original The original file, as located.
 * @param request The request's method and header fields.
 * @param options The handler's options (`precompressed`, `fs`, policies).
 * @returns What to send.
 */
export async function selectRepresentation(
  root: string,
  segments: readonly string[],
  original: Located,
  request: { headers: HeaderReader },
  options: ResolvedOptions,
): Promise<Selected> {
  const field = request.headers.get("accept-encoding");
  const { codings, identity } = acceptedCodings(field, options.precompressed);
  const last = segments.length - 1;
  for (const coding of codings) {
    const sidecar = [...segments.slice(0, last), segments[last] + SIDECAR_SUFFIX[coding]];
    const found = await locate(root, sidecar, options);
    if (typeof found === "number" || found.info.kind !== "file") continue;
    const made = found.info.mtimeMs;
    const changed = original.info.mtimeMs;
    if (made === null || changed === null || made < changed) continue;
    return { kind: "coded", coding, file: found, segments: sidecar };
  }
  return identity ? { kind: "identity" } : { kind: "none" };
}
