/**
 * How long to wait before reading a file that was just changed, so that a
 * write still copying its bytes is not read half done.
 *
 * @module
 */

import type { FileInfo } from "./fs.ts";

/**
 * How long after its last change a file is read at the earliest.
 *
 * A write stamps the file's times before it copies its bytes (Linux's
 * `file_modified()` runs before the copy), so while the copy is under way
 * the metadata already names the new version and stays unchanged: no
 * metadata check can tell a torn read from a whole one. The copy of a small
 * file takes microseconds, unless the writer is descheduled in the middle
 * of it; then the half-written bytes stay put for as long as it waits (two
 * identical reads in a row were seen to return them, on Bun and Node).
 * Reading only once the last change is this old leaves a torn read to a
 * write still in progress this long (less one timestamp tick: 4 ms at the
 * kernel's common HZ=250, 10 ms at HZ=100, since a second write within a
 * tick may leave the times as they were).
 */
export const QUIET_MS = 20;

/**
 * The milliseconds to wait before reading the file `info` describes: until
 * its last write (its mtime) is {@linkcode QUIET_MS} old, at most that long.
 *
 * A time further ahead of `now` than `QUIET_MS` is ignored: a write stamps
 * the current time, so such a time was set by a program (`utimes`) or a
 * skewed clock, and waiting would only slow every read of the file.
 *
 * @param info The file's metadata, as looked up.
 * @param now The current time, in milliseconds since the epoch.
 * @returns 0 for a file changed long enough ago, else up to `QUIET_MS`.
 *
 * @example A file written just now, and one written an hour ago
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUIET_MS, quietDelay } from "./quiet_delay.ts";
 *
 * const now = Date.now();
 * const info = { kind: "file" as const, size: 3, dev: 1, ino: 2 };
 * assert.equal(quietDelay({ ...info, mtimeMs: now, ctimeMs: now }, now), QUIET_MS);
 * const hourAgo = now - 3_600_000;
 * assert.equal(quietDelay({ ...info, mtimeMs: hourAgo, ctimeMs: hourAgo }, now), 0);
 * ```
 */
export function quietDelay(info: FileInfo, now: number): number {
  // Only mtime: a write moves it (and ctime) before it copies the bytes,
  // while a link, rename or chmod moves ctime alone and leaves the bytes
  // whole. Waiting on ctime too would hold back, and under steady renames
  // turn into 503s, files whose bytes never change (tests/symlink_race).
  const time = info.mtimeMs;
  if (time === null) return 0;
  const left = time + QUIET_MS - now;
  return left > 0 && left <= 2 * QUIET_MS ? Math.min(left, QUIET_MS) : 0;
}
