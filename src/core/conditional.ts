/**
 * Validators and the evaluation of conditional requests (RFC 9110 §13).
 *
 * @module
 */

import type { HeaderReader } from "./request_view.ts";

/** The validators of one representation. */
export interface Validators {
  /**
   * A strong entity tag including its quotes, e.g. `"5f-18c"` (weak for
   * bytes made on the fly), or `null` when the representation has none.
   */
  etag: string | null;
  /** Last modification time in whole seconds since the epoch, or `null`. */
  lastModified: number | null;
}

/** What the preconditions decide: go on, or answer 304 / 412 now. */
export type ConditionalOutcome = "proceed" | 304 | 412;

/**
 * Makes a strong entity tag from a file's size and modification time.
 *
 * Only size and mtime go in (no inode), so replicas serving the same deployed
 * files agree on the tag.
 *
 * @param size Size in bytes.
 * @param mtimeMs Modification time in milliseconds, or `null`.
 * @returns The quoted entity tag.
 *
 * @example A tag from metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeEtag } from "./conditional.ts";
 *
 * assert.equal(makeEtag(1234, 1700000000000), '"4d2-18bcfe56800"');
 * ```
 */
export function makeEtag(size: number, mtimeMs: number | null): string {
  const time = mtimeMs === null ? "0" : Math.floor(mtimeMs).toString(16);
  return `"${size.toString(16)}-${time}"`;
}

/**
 * Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and
 * `If-Modified-Since` in the order of RFC 9110 §13.2.2.
 *
 * @param method The request method.
 * @param headers The request headers.
 * @param validators The current representation's validators.
 * @returns `"proceed"`, or the status to answer with.
 *
 * @example A revalidation answered 304
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePreconditions } from "./conditional.ts";
 *
 * const validators = { etag: '"a-1"', lastModified: 1700000000 };
 * const headers = new Headers({ "if-none-match": 'W/"a-1"' });
 * assert.equal(evaluatePreconditions("GET", headers, validators), 304);
 * ```
 */
export function evaluatePreconditions(
  method: string,
  headers: HeaderReader,
  validators: Validators,
): ConditionalOutcome {
  // Step 1 and 2: a failed If-Match, or (only without If-Match) a failed
  // If-Unmodified-Since, means the client's state is not the server's.
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    if (!matchesAny(ifMatch, validators.etag, strongEqual)) return 412;
  } else {
    const since = parseHttpDate(headers.get("if-unmodified-since"));
    if (
      since !== null && validators.lastModified !== null &&
      validators.lastModified > since
    ) return 412;
  }
  const safe = method === "GET" || method === "HEAD";
  // Step 3: If-None-Match uses the weak comparison (§13.1.2).
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (matchesAny(ifNoneMatch, validators.etag, weakEqual)) {
      return safe ? 304 : 412;
    }
    return "proceed";
  }
  // Step 4: If-Modified-Since only counts without If-None-Match, and only
  // for GET and HEAD.
  if (safe && validators.lastModified !== null) {
    const since = parseHttpDate(headers.get("if-modified-since"));
    if (since !== null && validators.lastModified <= since) return 304;
  }
  return "proceed";
}

/**
 * Whether a `Range` may be honoured under the request's `If-Range`
 * (RFC 9110 §13.1.5): no `If-Range`, a strong entity tag that matches, or a
 * date equal to `Last-Modified`.
 *
 * @param headers The request headers.
 * @param validators The current representation's validators.
 * @returns `true` when the Range applies, `false` when the whole
 *   representation must be sent.
 *
 * @example An outdated If-Range
 * ```ts
 * import assert from "node:assert/strict";
 * import { rangeAllowed } from "./conditional.ts";
 *
 * const validators = { etag: '"a-2"', lastModified: 1700000000 };
 * assert.equal(rangeAllowed(new Headers({ "if-range": '"a-1"' }), validators), false);
 * assert.equal(rangeAllowed(new Headers({ "if-range": '"a-2"' }), validators), true);
 * ```
 */
export function rangeAllowed(headers: HeaderReader, validators: Validators): boolean {
  const ifRange = headers.get("if-range");
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) {
    // A weak tag can never satisfy If-Range: it needs a strong comparison.
    return validators.etag !== null && strongEqual(value, validators.etag);
  }
  const date = parseHttpDate(value);
  return date !== null && validators.lastModified === date;
}

function strongEqual(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

function weakEqual(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

// The field is `*` or a comma-separated list of entity tags; commas may sit
// inside a quoted tag, so split on the quotes rather than on commas.
function matchesAny(
  field: string,
  etag: string | null,
  equal: (a: string, b: string) => boolean,
): boolean {
  if (field.trim() === "*") return true;
  if (etag === null) return false;
  let i = 0;
  while (i < field.length) {
    const quote = field.indexOf('"', i);
    if (quote === -1) return false;
    const close = field.indexOf('"', quote + 1);
    if (close === -1) return false;
    const weak = quote >= 2 && field.slice(quote - 2, quote) === "W/";
    const tag = (weak ? "W/" : "") + field.slice(quote, close + 1);
    if (equal(tag, etag)) return true;
    i = close + 1;
  }
  return false;
}

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) into whole seconds since the epoch.
 *
 * @param value The field value, or `null`.
 * @returns Seconds since the epoch, or `null` when absent or invalid.
 *
 * @example Parsing the preferred format
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHttpDate } from "./conditional.ts";
 *
 * assert.equal(parseHttpDate("Tue, 14 Nov 2023 22:13:20 GMT"), 1700000000);
 * assert.equal(parseHttpDate("yesterday"), null);
 * ```
 */
export function parseHttpDate(value: string | null): number | null {
  if (value === null || value.length > 64) return null;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return toSeconds(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC850_DATE.exec(text);
  if (m !== null) {
    // §5.6.7: a two-digit year more than 50 years in the future is in the
    // past century.
    const yy = Number(m[3]);
    const now = new Date().getUTCFullYear();
    let year = Math.floor(now / 100) * 100 + yy;
    if (year > now + 50) year -= 100;
    return toSeconds(String(year), m[2], m[1], m[4], m[5], m[6]);
  }
  m = ASCTIME_DATE.exec(text);
  if (m !== null) return toSeconds(m[6], m[1], m[2], m[3], m[4], m[5]);
  return null;
}

// The three forms RFC 9110 §5.6.7 requires recipients to accept. Date.parse
// is not used: runtimes disagree on the obsolete forms and on time zones.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

function toSeconds(
  year: string,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
): number | null {
  const index = MONTHS.indexOf(month);
  if (index % 3 !== 0) return null;
  const d = Number(day.trim());
  const h = Number(hour);
  const min = Number(minute);
  const s = Number(second);
  if (d < 1 || d > 31 || h > 23 || min > 59 || s > 60) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), index / 3, d);
  // A day past the month's end (31 Feb) rolls into the next month; such a
  // date is not a valid HTTP-date, and §13.1.3 and §13.1.4 say to ignore it.
  if (date.getUTCMonth() !== index / 3) return null;
  date.setUTCHours(h, min, s);
  return Math.floor(date.getTime() / 1000);
}

/**
 * Formats whole seconds since the epoch as an IMF-fixdate.
 *
 * @param seconds Seconds since the epoch.
 * @returns A value such as `Tue, 14 Nov 2023 22:13:20 GMT`.
 *
 * @example Formatting a Last-Modified value
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHttpDate } from "./conditional.ts";
 *
 * assert.equal(formatHttpDate(1700000000), "Tue, 14 Nov 2023 22:13:20 GMT");
 * ```
 */
export function formatHttpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}
