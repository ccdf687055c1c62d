/**
 * What the never-stale bounds share (issue 16 §1): the file they check,
 * its bytes, and the header fields ours sends for it, all read once at
 * start-up.
 *
 * A bound does per request only what no never-stale server can skip: one
 * `lstat` of the file, with the call our port makes on that runtime, then
 * a constant answer. It sends ours's six header fields for `1k.bin`, so
 * that ours ÷ bound is the cost of our logic alone; ours ÷ ceiling (no
 * fields of ours, no `lstat`) stays the bare-runtime comparison.
 *
 * @module
 */

import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { makeEtag } from "../../src/core/conditional.ts";
import { contentType } from "../../src/core/media_types.ts";

/** The file every bound checks and answers with: the site's 1 KiB file. */
export const BOUND_FILE = "1k.bin";

/** What a bound answers with, read once. */
export interface BoundAnswer {
  /** The port to listen on. */
  port: number;
  /** The absolute path `lstat`ed per request. */
  path: string;
  /** The file's bytes at start-up. */
  body: Uint8Array<ArrayBuffer>;
  /**
   * Ours's fields for the file, names in lower case, in the order ours
   * sends them (`content-length` included).
   */
  fields: Array<[string, string]>;
}

/**
 * Reads `PORT ROOT` from the command line and the file under ROOT.
 *
 * @returns The answer.
 */
export function boundAnswer(): BoundAnswer {
  const [port, root] = process.argv.slice(2);
  const path = join(root, BOUND_FILE);
  const body = new Uint8Array(readFileSync(path));
  const info = lstatSync(path);
  // The fields ours sends for a cached .bin file (compression on, so
  // `vary` too): `curl -sI` against ours-<runtime> shows the same six.
  const fields: Array<[string, string]> = [
    ["accept-ranges", "bytes"],
    ["content-length", `${body.byteLength}`],
    ["content-type", contentType(BOUND_FILE)],
    ["etag", makeEtag(info.size, info.mtimeMs)],
    ["last-modified", info.mtime.toUTCString()],
    ["vary", "accept-encoding"],
    ["x-content-type-options", "nosniff"],
  ];
  return { port: Number(port), path, body, fields };
}
