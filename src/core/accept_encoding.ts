/**
 * Choosing a content coding from `Accept-Encoding` (RFC 9110 §12.5.3).
 *
 * @module
 */

/** The content codings the server can offer besides identity. */
export type ContentCoding = "br" | "zstd" | "gzip";

/** Every {@linkcode ContentCoding}, in the server's default preference. */
export const CONTENT_CODINGS: readonly ContentCoding[] = ["br", "zstd", "gzip"];

/**
 * The content codings a request accepts, best first, among `offered` (in
 * the server's preference), and whether the unencoded form is acceptable.
 *
 * - No `Accept-Encoding` at all: identity only. RFC 9110 lets a server pick
 *   any coding then, but a client that sent nothing (curl, a script) would
 *   get bytes it cannot read.
 * - A coding not named takes the weight of `*`, or is refused without one;
 *   `q=0` refuses. `x-gzip` is `gzip` (RFC 9110 §8.4.1.3). Names and `q` are
 *   case-insensitive; a member that cannot be parsed is skipped.
 * - Identity is acceptable unless `identity;q=0`, or `*;q=0` without an
 *   `identity` member, says otherwise.
 * - Equal weights go to the server's order: Chrome sends
 *   `gzip, deflate, br, zstd`, all at 1, and should get br
 *   (denoland/std#3503). A coding ties ahead of identity, and identity
 *   left unnamed ranks after every coding accepted.
 *
 * @param field The `Accept-Encoding` value, or `null` when absent.
 * @param offered The codings available, in the server's preference.
 * @returns The codings to prefer to identity, best first (those weighed
 *   below a named identity are left out), and whether identity is
 *   acceptable.
 *
 * @example Chrome's field, and one that refuses the unencoded form
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptedCodings } from "./accept_encoding.ts";
 *
 * const all = ["br", "zstd", "gzip"] as const;
 * assert.deepEqual(acceptedCodings("gzip, deflate, br, zstd", all).codings, ["br", "zstd", "gzip"]);
 * assert.deepEqual(acceptedCodings("gzip;q=0.5, identity;q=0", all), {
 *   codings: ["gzip"],
 *   identity: false,
 * });
 * assert.deepEqual(acceptedCodings(null, all), { codings: [], identity: true });
 * ```
 */
export function acceptedCodings(
  field: string | null,
  offered: readonly ContentCoding[],
): { codings: ContentCoding[]; identity: boolean } {
  if (field === null || offered.length === 0) {
    return { codings: [], identity: field === null || identityWeight(parseWeights(field)) > 0 };
  }
  const weights = parseWeights(field);
  const star = weights.get("*");
  const identity = identityWeight(weights);
  // Only a weight the client gave identity itself competes:
  // `identity;q=1, gzip;q=0.5` asks for the plain bytes, while
  // `br;q=0.5, gzip;q=0.8` asks for gzip.
  const floor = weights.has("identity") ? identity : 0;
  const ranked: Array<{ coding: ContentCoding; q: number; order: number }> = [];
  offered.forEach((coding, order) => {
    const q = weights.get(coding) ?? star ?? 0;
    if (q > 0 && q >= floor) ranked.push({ coding, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return { codings: ranked.map((r) => r.coding), identity: identity > 0 };
}

/**
 * What decides the choice of coding in a field, as a short string: the
 * weight it gives each coding, identity and `*` (`-` where unnamed), or
 * `none` without the field. Two fields with the same string always get the
 * same answer, so it keys cached answers.
 *
 * @param field The `Accept-Encoding` value, or `null`.
 * @returns The key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingWeights } from "./accept_encoding.ts";
 *
 * assert.equal(codingWeights("gzip, deflate, br, zstd"), codingWeights("br, gzip, zstd"));
 * assert.notEqual(codingWeights("br;q=0.5, gzip"), codingWeights("br, gzip"));
 * ```
 */
export function codingWeights(field: string | null): string {
  if (field === null) return "none";
  // Each browser sends the same field on every request: the last one seen
  // is kept, so that a cache hit does not parse it again.
  if (field === lastField) return lastWeights;
  const weights = parseWeights(field);
  lastWeights = ["br", "zstd", "gzip", "identity", "*"].map((name) => weights.get(name) ?? "-")
    .join(",");
  lastField = field;
  return lastWeights;
}

let lastField: string | null = null;
let lastWeights = "";

/**
 * The weight a field gives `coding`: its own, else that of `*`, else 0;
 * without the field, 0 (identity only).
 *
 * @param field The `Accept-Encoding` value, or `null`.
 * @param coding A content coding.
 * @returns The weight, from 0 to 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingWeight } from "./accept_encoding.ts";
 *
 * assert.equal(codingWeight("gzip, br;q=0.1", "br"), 0.1);
 * assert.equal(codingWeight("*;q=0.5", "zstd"), 0.5);
 * assert.equal(codingWeight(null, "gzip"), 0);
 * ```
 */
export function codingWeight(field: string | null, coding: ContentCoding): number {
  if (field === null) return 0;
  const weights = parseWeights(field);
  return weights.get(coding) ?? weights.get("*") ?? 0;
}

function identityWeight(weights: Map<string, number>): number {
  return weights.get("identity") ?? (weights.get("*") === 0 ? 0 : 1);
}

// coding *( OWS ";" OWS "q=" qvalue ), members split by commas; the first
// member naming a coding counts.
function parseWeights(field: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const member of field.split(",")) {
    const [rawName, ...params] = member.split(";");
    let name = rawName.trim().toLowerCase();
    if (name === "") continue;
    if (name === "x-gzip") name = "gzip";
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) continue;
    let q: number | null = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/i.exec(param);
      if (match !== null) q = Number(match[1]);
      else if (/^\s*q\s*=/i.test(param)) q = null;
    }
    if (q !== null && !weights.has(name)) weights.set(name, q);
  }
  return weights;
}
