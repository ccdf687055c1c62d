/**
 * The order of a directory listing: folders first, then files, by name,
 * size or time, chosen with `?sort=name|size|time&order=asc|desc` so that
 * sorting works without JavaScript (as Caddy's browse page does).
 *
 * @module
 */

import type { ListingEntry } from "./listing.ts";

/** The key a listing is sorted by. */
export type SortKey = "name" | "size" | "time";

/** The direction of a sort. */
export type SortOrder = "asc" | "desc";

/** How a listing is sorted. */
export interface ListingSort {
  /** The key. */
  key: SortKey;
  /** The direction. */
  order: SortOrder;
}

/**
 * Each key's order when `order` is not given: names A to Z, but sizes and
 * times largest and newest first, which is what one sorts them for.
 */
export const DEFAULT_ORDER: Readonly<Record<SortKey, SortOrder>> = {
  name: "asc",
  size: "desc",
  time: "desc",
};

/** The listing's order when the query names none. */
export const DEFAULT_SORT: ListingSort = { key: "name", order: "asc" };

/**
 * Reads the sort from a URL query. Unknown or repeated values are ignored
 * (the default order), never an error: a listing link with a stale or
 * mistyped query still lists the folder.
 *
 * @param search The URL's query, with or without its `?`.
 * @returns The sort.
 *
 * @example Keys, orders and junk
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListingSort } from "./listing_sort.ts";
 *
 * assert.deepEqual(parseListingSort("?sort=size"), { key: "size", order: "desc" });
 * assert.deepEqual(parseListingSort("?sort=time&order=asc"), { key: "time", order: "asc" });
 * assert.deepEqual(parseListingSort("?sort=colour&order=up"), { key: "name", order: "asc" });
 * ```
 */
export function parseListingSort(search: string): ListingSort {
  if (search.length <= 1) return DEFAULT_SORT;
  const params = new URLSearchParams(search);
  const sort = params.get("sort");
  const key: SortKey = sort === "size" || sort === "time" || sort === "name" ? sort : "name";
  const given = params.get("order");
  const order: SortOrder = given === "asc" || given === "desc" ? given : DEFAULT_ORDER[key];
  return { key, order };
}

/**
 * The query that selects `sort`, for links that keep it: empty for the
 * default sort, so that plain listings keep plain URLs.
 *
 * @param sort The sort.
 * @returns `""` or `?sort=KEY&order=ORDER` (raw, to be HTML-escaped).
 *
 * @example Default and chosen
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortQuery } from "./listing_sort.ts";
 *
 * assert.equal(sortQuery({ key: "name", order: "asc" }), "");
 * assert.equal(sortQuery({ key: "size", order: "asc" }), "?sort=size&order=asc");
 * ```
 */
export function sortQuery(sort: ListingSort): string {
  if (sort.key === DEFAULT_SORT.key && sort.order === DEFAULT_SORT.order) return "";
  return `?sort=${sort.key}&order=${sort.order}`;
}

/**
 * Sorts entries folders first (in both directions), then by the key; ties
 * are broken by name, so the order is total and the same on every runtime.
 *
 * @param entries The entries, in any order.
 * @param sort The key and direction; by name, ascending, when omitted.
 * @returns A new sorted array.
 *
 * @example Folders first, then natural name order
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortEntries } from "./listing_sort.ts";
 *
 * const entry = (name: string, directory = false, size = 1) =>
 *   ({ name, directory, size, mtimeMs: 0 });
 * const sorted = sortEntries([entry("file10.txt"), entry("z", true), entry("file9.txt", false, 5)]);
 * assert.deepEqual(sorted.map((e) => e.name), ["z", "file9.txt", "file10.txt"]);
 * const bySize = sortEntries(sorted, { key: "size", order: "desc" });
 * assert.deepEqual(bySize.map((e) => e.name), ["z", "file9.txt", "file10.txt"]);
 * ```
 */
export function sortEntries(
  entries: readonly ListingEntry[],
  sort: ListingSort = DEFAULT_SORT,
): ListingEntry[] {
  const sign = sort.order === "asc" ? 1 : -1;
  const byKey = sort.key === "size"
    ? (a: ListingEntry, b: ListingEntry) => a.size - b.size
    : sort.key === "time"
    ? (a: ListingEntry, b: ListingEntry) => (a.mtimeMs ?? -Infinity) - (b.mtimeMs ?? -Infinity)
    : null;
  return [...entries].sort((a, b) => {
    if (a.directory !== b.directory) return a.directory ? -1 : 1;
    const first = byKey === null ? 0 : byKey(a, b);
    // NaN-free: sizes are finite and -Infinity only meets a number.
    if (first !== 0 && !Number.isNaN(first)) return sign * first;
    return sign * compareNames(a.name, b.name);
  });
}

/**
 * Compares names in natural order: runs of ASCII digits by their numeric
 * value (`file9` before `file10`), ASCII letters without case (`a.txt`,
 * `B.txt`), everything else by UTF-16 code unit; full ties fall back to
 * plain code unit order, so that distinct names never compare equal.
 *
 * Only ASCII is folded, and no `Intl.Collator` or `localeCompare` is used:
 * those follow the runtime's ICU data and the host's locale, so the same
 * folder would list in a different order on Deno, Bun and Node.
 *
 * @param a A name.
 * @param b Another name.
 * @returns Negative when `a` sorts first, positive when `b` does, 0 when equal.
 *
 * @example Numbers and case
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareNames } from "./listing_sort.ts";
 *
 * const names = ["img12.png", "IMG2.png", "img1.png", "b", "A"];
 * assert.deepEqual(names.sort(compareNames), ["A", "b", "img1.png", "IMG2.png", "img12.png"]);
 * ```
 */
export function compareNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      // Compare the digit runs as numbers of any length: skip leading
      // zeros, then the longer run is larger, else the first differing digit.
      let si = i;
      let sj = j;
      while (a.charCodeAt(si) === 48) si++;
      while (b.charCodeAt(sj) === 48) sj++;
      let ei = si;
      let ej = sj;
      while (isDigit(a.charCodeAt(ei))) ei++;
      while (isDigit(b.charCodeAt(ej))) ej++;
      if (ei - si !== ej - sj) return (ei - si) - (ej - sj);
      for (let k = 0; k < ei - si; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      i = ei;
      j = ej;
      continue;
    }
    const fa = ca >= 65 && ca <= 90 ? ca + 32 : ca;
    const fb = cb >= 65 && cb <= 90 ? cb + 32 : cb;
    if (fa !== fb) return fa - fb;
    i++;
    j++;
  }
  const rest = (a.length - i) - (b.length - j);
  if (rest !== 0) return rest;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
