/**
 * HTTP Digest access authentication (RFC 7616): reading a Digest challenge
 * and computing the `Authorization` that answers it.
 *
 * @module
 */

// MD5 is not in WebCrypto, and WebCrypto is async only; node:crypto has
// MD5, SHA-256 and SHA-512/256 on Deno, Bun and Node alike.
import { createHash } from "node:crypto";
import type { Challenge } from "./challenge.ts";

/** The Digest algorithms of RFC 7616 §3.2, strongest first. */
export type DigestAlgorithm =
  | "SHA-512-256"
  | "SHA-512-256-sess"
  | "SHA-256"
  | "SHA-256-sess"
  | "MD5"
  | "MD5-sess";

/** The quality of protection (RFC 7616 §3.3); null is RFC 2069's none. */
export type DigestQop = "auth" | "auth-int" | null;

const HASHES: Record<string, string> = {
  "SHA-512-256": "sha512-256",
  "SHA-256": "sha256",
  "MD5": "md5",
};

// Each domain URI is resolved, and checked by every later request on the
// origin; servers list one or two (RFC 7616 §3.3), so a list of thousands
// (1 MiB took over a second to resolve) is cut short.
const MAX_DOMAIN_URIS = 100;

/** What a Digest challenge asks for, read and validated. */
export interface DigestChallenge {
  /** The algorithm, spelled as in RFC 7616 (MD5 when the challenge has none). */
  algorithm: DigestAlgorithm;
  /** The realm, "" when absent. */
  realm: string;
  /** The server's nonce. */
  nonce: string;
  /** The opaque value to send back, if any. */
  opaque: string | null;
  /** The qop this client picked from those offered. */
  qop: DigestQop;
  /** Whether the server accepts a hashed username (RFC 7616 §3.4.4). */
  userhash: boolean;
  /** Whether the server said the previous nonce was stale (§3.3). */
  stale: boolean;
  /** The `domain` URIs of the protection space (§3.3), at most the first 100. */
  domain: string[];
}

/**
 * Reads a Digest challenge, or returns null when this client cannot answer
 * it (another scheme, no nonce, an unknown algorithm, no usable qop, or a
 * `-sess` algorithm without qop).
 *
 * When both `auth` and `auth-int` are offered, `auth` is picked: it does not
 * hold the whole request body in memory to hash it.
 *
 * @param challenge A parsed challenge.
 * @returns The challenge's Digest parameters, or null.
 *
 * @example Defaults of an old-style challenge
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChallenges } from "./challenge.ts";
 * import { readDigestChallenge } from "./digest.ts";
 *
 * const [challenge] = parseChallenges('Digest realm="r", nonce="n"');
 * const digest = readDigestChallenge(challenge);
 * assert.equal(digest?.algorithm, "MD5");
 * assert.equal(digest?.qop, null);
 * ```
 */
export function readDigestChallenge(challenge: Challenge): DigestChallenge | null {
  const { params } = challenge;
  const nonce = params.get("nonce");
  if (challenge.scheme.toLowerCase() !== "digest" || nonce === undefined) return null;
  const name = (params.get("algorithm") ?? "MD5").toUpperCase();
  const base = name.endsWith("-SESS") ? name.slice(0, -5) : name;
  if (HASHES[base] === undefined) return null;
  let qop: DigestQop = null;
  const offered = params.get("qop");
  if (offered !== undefined) {
    const options = offered.split(",").map((option) => option.trim().toLowerCase());
    if (options.includes("auth")) qop = "auth";
    else if (options.includes("auth-int")) qop = "auth-int";
    else return null;
  } else if (base !== name) {
    // A -sess A1 needs the cnonce, which is sent only with a qop (RFC 7616
    // §3.4): without one the challenge cannot be answered as specified.
    return null;
  }
  return {
    algorithm: (base === name ? base : `${base}-sess`) as DigestAlgorithm,
    realm: params.get("realm") ?? "",
    nonce,
    opaque: params.get("opaque") ?? null,
    qop,
    userhash: params.get("userhash")?.toLowerCase() === "true",
    stale: params.get("stale")?.toLowerCase() === "true",
    domain: (params.get("domain") ?? "").split(/[ \t]+/).filter((uri) => uri !== "")
      .slice(0, MAX_DOMAIN_URIS),
  };
}

/** Everything that goes into one Digest `response`. */
export interface DigestInput {
  /** The algorithm. */
  algorithm: DigestAlgorithm;
  /** The user name, not hashed. */
  username: string;
  /** The password. */
  password: string;
  /** The realm. */
  realm: string;
  /** The server's nonce. */
  nonce: string;
  /** The quality of protection. */
  qop: DigestQop;
  /** The client nonce (ignored when `qop` is null). */
  cnonce: string;
  /** The nonce count, from 1 (ignored when `qop` is null). */
  nc: number;
  /** The request method. */
  method: string;
  /** The request-target, e.g. `/dir/index.html?x=1`. */
  uri: string;
  /** The request body, hashed for `auth-int`. */
  body?: Uint8Array;
  /** The server's opaque value, sent back as is. */
  opaque?: string | null;
  /** Whether to send the username hashed (RFC 7616 §3.4.4). */
  userhash?: boolean;
}

function hash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(HASHES[algorithm.replace(/-sess$/, "")]).update(data).digest("hex");
}

/**
 * Computes the `response` of RFC 7616 §3.4.1: `KD(H(A1), nonce:nc:cnonce:
 * qop:H(A2))`, with A1 of the `-sess` variants (§3.4.2) and A2 of
 * `auth-int` (§3.4.3).
 *
 * @param input The challenge's values and the request's.
 * @returns The lowercase hex digest.
 *
 * @example RFC 7616 §3.9.1, SHA-256
 * ```ts
 * import assert from "node:assert/strict";
 * import { digestResponse } from "./digest.ts";
 *
 * const response = digestResponse({
 *   algorithm: "SHA-256", username: "Mufasa", password: "Circle of Life",
 *   realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
 *   qop: "auth", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: 1,
 *   method: "GET", uri: "/dir/index.html",
 * });
 * assert.equal(response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
 * ```
 */
export function digestResponse(input: DigestInput): string {
  const { algorithm, nonce, cnonce, qop } = input;
  let ha1 = hash(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith("-sess")) ha1 = hash(algorithm, `${ha1}:${nonce}:${cnonce}`);
  let a2 = `${input.method}:${input.uri}`;
  if (qop === "auth-int") a2 += `:${hash(algorithm, input.body ?? new Uint8Array())}`;
  const ha2 = hash(algorithm, a2);
  if (qop === null) return hash(algorithm, `${ha1}:${nonce}:${ha2}`);
  return hash(algorithm, `${ha1}:${nonce}:${formatNc(input.nc)}:${cnonce}:${qop}:${ha2}`);
}

function formatNc(nc: number): string {
  return nc.toString(16).padStart(8, "0");
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

// RFC 7616 §3.4: a username that a quoted-string cannot carry goes in
// `username*` with the RFC 8187 encoding; attr-char excludes ' ( ) *. A
// lone surrogate, which encodeURIComponent() refuses with a URIError, is
// sent as U+FFFD, as the hashes (UTF-8 by node:crypto) already read it.
function username(input: DigestInput): string {
  if (input.userhash) {
    return `username=${quote(hash(input.algorithm, `${input.username}:${input.realm}`))}`;
  }
  if (/^[\x20-\x7e]*$/.test(input.username)) return `username=${quote(input.username)}`;
  const encoded = encodeURIComponent(input.username.toWellFormed()).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `username*=UTF-8''${encoded}`;
}

/**
 * Builds the `Authorization` field value that answers a Digest challenge
 * (RFC 7616 §3.4).
 *
 * @param input The challenge's values and the request's.
 * @returns The field value, starting with `Digest `.
 *
 * @example RFC 7616 §3.9.1, MD5
 * ```ts
 * import assert from "node:assert/strict";
 * import { digestAuthorization } from "./digest.ts";
 *
 * const value = digestAuthorization({
 *   algorithm: "MD5", username: "Mufasa", password: "Circle of Life",
 *   realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
 *   qop: "auth", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: 1,
 *   method: "GET", uri: "/dir/index.html", opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
 * });
 * assert.match(value, /^Digest username="Mufasa", realm="http-auth@example.org", /);
 * assert.match(value, /response="8ca523f5e9506fed4657c9700eebdbec"/);
 * ```
 */
export function digestAuthorization(input: DigestInput): string {
  const fields = [
    username(input),
    `realm=${quote(input.realm)}`,
    `uri=${quote(input.uri)}`,
    `algorithm=${input.algorithm}`,
    `nonce=${quote(input.nonce)}`,
  ];
  if (input.qop !== null) {
    fields.push(`nc=${formatNc(input.nc)}`, `cnonce=${quote(input.cnonce)}`, `qop=${input.qop}`);
  }
  fields.push(`response=${quote(digestResponse(input))}`);
  if (input.opaque != null) fields.push(`opaque=${quote(input.opaque)}`);
  if (input.userhash) fields.push("userhash=true");
  return `Digest ${fields.join(", ")}`;
}

/**
 * A fresh client nonce: 128 random bits, hex.
 *
 * @returns The cnonce.
 *
 * @example Two nonces differ
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCnonce } from "./digest.ts";
 *
 * assert.match(createCnonce(), /^[0-9a-f]{32}$/);
 * assert.notEqual(createCnonce(), createCnonce());
 * ```
 */
export function createCnonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
