/**
 * Path globs for the cache policy's rules: `*` and `?` within one path
 * segment, `**` for any number of whole segments.
 *
 * @module
 */

/** A glob compiled once, at construction. */
export interface Glob {
  /** The glob as written. */
  readonly source: string;
  /** Its segments, split on `/`; `**` stands alone in a segment. */
  readonly segments: readonly string[];
}

/**
 * Compiles `source`, or throws a `TypeError` naming what is wrong.
 *
 * A leading `/` is optional (`/assets/**` and `assets/**` are the same):
 * globs are matched against the whole path below the root.
 *
 * @param source The glob, such as `assets/**` or `**\/*.pdf`.
 * @returns The compiled glob.
 * @throws {TypeError} for an empty glob, an empty segment (`a//b`), or a
 *   `**` that shares its segment with other characters (`a**b`).
 *
 * @example Compiling a glob
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileGlob, matchGlob } from "./glob.ts";
 *
 * const glob = compileGlob("/assets/**");
 * assert.equal(matchGlob(glob, "assets/js/app.js"), true);
 * assert.throws(() => compileGlob("a**b"), TypeError);
 * ```
 */
export function compileGlob(source: string): Glob {
  if (typeof source !== "string") throw new TypeError("a glob must be a string");
  const body = source.startsWith("/") ? source.slice(1) : source;
  if (body === "") throw new TypeError(`glob "${source}" is empty`);
  const segments = body.split("/");
  for (const segment of segments) {
    if (segment === "") throw new TypeError(`glob "${source}" has an empty segment`);
    if (segment.includes("**") && segment !== "**") {
      throw new TypeError(`glob "${source}": "**" must be a whole segment`);
    }
  }
  return { source, segments };
}

/**
 * Whether `path` (root-relative, segments joined with `/`, no leading `/`)
 * matches `glob`.
 *
 * Runs in time proportional to the glob's length times the path's, for any
 * input: a table over (glob segment, path segment) rather than the
 * backtracking of a regular expression with several `.*`, which a long
 * request path could make exponential.
 *
 * @param glob A glob from {@linkcode compileGlob}.
 * @param path The path to test.
 * @returns `true` when it matches.
 *
 * @example `*` stays within a segment, `**` crosses them
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileGlob, matchGlob } from "./glob.ts";
 *
 * assert.equal(matchGlob(compileGlob("*.pdf"), "a.pdf"), true);
 * assert.equal(matchGlob(compileGlob("*.pdf"), "docs/a.pdf"), false);
 * assert.equal(matchGlob(compileGlob("**\/*.pdf"), "docs/a.pdf"), true);
 * ```
 */
export function matchGlob(glob: Glob, path: string): boolean {
  const parts = path.startsWith("/") ? path.slice(1).split("/") : path.split("/");
  const globs = glob.segments;
  // reach[j]: the first i glob segments can match the first j path segments.
  let reach = new Array<boolean>(parts.length + 1).fill(false);
  reach[0] = true;
  for (const g of globs) {
    const next = new Array<boolean>(parts.length + 1).fill(false);
    if (g === "**") {
      // Zero or more whole segments: every j at or after a reachable one.
      let any = false;
      for (let j = 0; j <= parts.length; j++) {
        any ||= reach[j];
        next[j] = any;
      }
    } else {
      for (let j = 0; j < parts.length; j++) {
        if (reach[j] && matchSegment(g, parts[j])) next[j + 1] = true;
      }
    }
    reach = next;
  }
  return reach[parts.length];
}

// `*` (any run, possibly empty) and `?` (one character) within a segment,
// with the usual single backtrack point: linear for one `*`, at worst the
// product of the two lengths, never exponential.
function matchSegment(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === "?" || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === "*") {
      star = g++;
      mark = t;
    } else if (star !== -1) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === "*") g++;
  return g === glob.length;
}
