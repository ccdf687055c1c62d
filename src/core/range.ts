/**
 * Range requests (RFC 9110 §14): parsing `Range` and the `Content-Range` of
 * a 206 or 416.
 *
 * @module
 */

import type { ByteRange } from "./fs.ts";

// Re-exported so this module's documentation is complete on its own.
export type { ByteRange } from "./fs.ts";

/**
 * What a `Range` header asks of a representation of known size.
 *
 * - `"ignore"`: serve 200 with the whole representation (no header, a
 *   malformed or unknown-unit header, or more ranges than allowed).
 * - `"unsatisfiable"`: answer 416 with {@linkcode unsatisfiedRange}.
 * - `"ranges"`: answer 206 with these ranges, sorted, coalesced, non-empty.
 */
export type RangeResult =
  | { kind: "ignore" }
  | { kind: "unsatisfiable" }
  | { kind: "ranges"; ranges: ByteRange[] };

/** Options of {@linkcode parseRange}. */
export interface ParseRangeOptions {
  /**
   * The most ranges served, counted after coalescing; beyond it the whole
   * representation is sent. A positive integer (validated by the caller).
   *
   * @default {10}
   */
  maxRanges?: number;
}

// Headers are bounded before parsing so the work stays linear and small
// whatever a client sends.
const MAX_HEADER_LENGTH = 1024;
const MAX_ITEMS = 100;
// RFC 9110 §14.2 lets a server coalesce ranges "separated by a gap that is
// smaller than the overhead of sending multiple parts"; a part header costs
// roughly this many bytes.
const COALESCE_GAP = 80;
const DEFAULT_MAX_RANGES = 10;

type RangeSpec =
  | { kind: "suffix"; length: number }
  | { kind: "span"; first: number; last: number };

/**
 * Parses a `Range` header against a representation of `size` bytes
 * (RFC 9110 §14.1.2, §14.2).
 *
 * @param header The `Range` request header, or `null` when absent.
 * @param size The representation's length in bytes.
 * @param options The limit on the number of ranges.
 * @returns Whether to ignore the header, answer 416, or send which ranges.
 *
 * @example Overlapping ranges are coalesced
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./range.ts";
 *
 * assert.deepEqual(parseRange("bytes=0-99,50-199,-100", 1000), {
 *   kind: "ranges",
 *   ranges: [{ start: 0, end: 199 }, { start: 900, end: 999 }],
 * });
 * assert.deepEqual(parseRange("bytes=1000-", 1000), { kind: "unsatisfiable" });
 * assert.deepEqual(parseRange("bytes=5-2", 1000), { kind: "ignore" });
 * ```
 */
export function parseRange(
  header: string | null,
  size: number,
  options: ParseRangeOptions = {},
): RangeResult {
  const specs = parseRangeSet(header);
  if (specs === null) return { kind: "ignore" };
  if (size === 0) {
    // §14.1.3: a suffix range of a positive length is satisfiable even by an
    // empty representation, but no byte range can express zero bytes, so
    // the whole (empty) representation is sent instead of a 416.
    const anySuffix = specs.some((s) => s.kind === "suffix" && s.length > 0);
    return { kind: anySuffix ? "ignore" : "unsatisfiable" };
  }
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const range = satisfy(spec, size);
    if (range !== null) ranges.push(range);
  }
  // §15.5.17: 416 only when no range in the set overlaps the representation.
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  const merged = coalesce(ranges);
  // §14.2 allows ignoring a Range with many ranges; serving the whole body
  // bounds the per-request work a client can demand.
  if (merged.length > (options.maxRanges ?? DEFAULT_MAX_RANGES)) {
    return { kind: "ignore" };
  }
  return { kind: "ranges", ranges: merged };
}

/**
 * Formats the `Content-Range` of a 206 response or of one multipart part
 * (RFC 9110 §14.4).
 *
 * @param range The range sent.
 * @param size The complete representation's length in bytes.
 * @returns The field value, e.g. `bytes 0-499/1234`.
 *
 * @example One range
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentRange } from "./range.ts";
 *
 * assert.equal(contentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
 * ```
 */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/**
 * Formats the `Content-Range` of a 416 response (RFC 9110 §14.4, §15.5.17).
 *
 * @param size The complete representation's length in bytes.
 * @returns The field value: `bytes *`, a slash, then `size`.
 *
 * @example An unsatisfied range
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsatisfiedRange } from "./range.ts";
 *
 * assert.match(unsatisfiedRange(1234), /^bytes \*\/1234$/);
 * ```
 */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

function parseRangeSet(header: string | null): RangeSpec[] | null {
  if (header === null || header.length > MAX_HEADER_LENGTH) return null;
  // §14.1: the unit is a case-insensitive token joined to the set by "="
  // with no whitespace; units other than bytes are ignored (§14.2).
  if (header.slice(0, 6).toLowerCase() !== "bytes=") return null;
  const specs: RangeSpec[] = [];
  for (const element of header.slice(6).split(",")) {
    // §5.6.1: recipients accept empty list elements and OWS around them.
    const item = trimOws(element);
    if (item === "") continue;
    if (specs.length === MAX_ITEMS) return null;
    const spec = parseSpec(item);
    if (spec === null) return null;
    specs.push(spec);
  }
  return specs.length === 0 ? null : specs;
}

function parseSpec(item: string): RangeSpec | null {
  const dash = item.indexOf("-");
  if (dash === -1) return null;
  const firstText = item.slice(0, dash);
  const lastText = item.slice(dash + 1);
  if (firstText === "") {
    const length = parseDigits(lastText);
    return length === null ? null : { kind: "suffix", length };
  }
  const first = parseDigits(firstText);
  if (first === null) return null;
  if (lastText === "") return { kind: "span", first, last: Infinity };
  const last = parseDigits(lastText);
  // §14.1.1: a last-pos below its first-pos makes the whole set invalid.
  if (last === null || last < first) return null;
  return { kind: "span", first, last };
}

function parseDigits(text: string): number | null {
  if (text === "") return null;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
    // Past 2^53 positions are no longer exact, so offsets could be wrong.
    if (value > Number.MAX_SAFE_INTEGER) return null;
  }
  return value;
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function satisfy(spec: RangeSpec, size: number): ByteRange | null {
  if (spec.kind === "suffix") {
    // §14.1.3: a suffix longer than the representation selects all of it.
    if (spec.length === 0) return null;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  // §14.1.1: a last-pos at or beyond the end is clamped to the last byte.
  if (spec.first >= size) return null;
  return { start: spec.first, end: Math.min(spec.last, size - 1) };
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  const sorted = ranges.toSorted((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteRange[] = [{ ...sorted[0] }];
  for (let i = 1; i < sorted.length; i++) {
    const current = merged[merged.length - 1];
    const next = sorted[i];
    if (next.start - current.end - 1 <= COALESCE_GAP) {
      current.end = Math.max(current.end, next.end);
    } else {
      merged.push({ ...next });
    }
  }
  return merged;
}
