/**
 * The cache policy: which `Cache-Control` a file's answers carry, from the
 * user's glob rules first and then a preset for built web apps.
 *
 * @module
 */

import { compileGlob, type Glob, matchGlob } from "./glob.ts";
import { isFingerprinted } from "./fingerprint.ts";

/** A rule: paths matching the glob get this `Cache-Control` value. */
export type CacheRule = readonly [glob: string, value: string];

/** The `cacheControl` option of {@linkcode createFileHandler}, as an object. */
export interface CacheControlOptions {
  /**
   * Rules tried in order before the preset; the first whose glob matches
   * the file's path below the root (`assets/app.js`, no leading `/`) gives
   * the value. `*` and `?` stay within a segment, `**` spans segments:
   * `*.pdf` is a PDF at the root, `**\/*.pdf` one at any depth.
   * @default {[]}
   */
  rules?: readonly CacheRule[];
  /**
   * Whether paths no rule matches get the preset's value (see
   * {@linkcode CACHE_PRESET}); without it they get no `Cache-Control`.
   * @default {true}
   */
  preset?: boolean;
}

/**
 * The preset's values: fingerprinted names never change, so they are kept a
 * year and never revalidated; anything else may change in place under its
 * name, so it is revalidated on every use (cheap: a 304 from the ETag).
 */
export const CACHE_PRESET = {
  fingerprinted: "public, max-age=31536000, immutable",
  html: "no-cache",
  other: "no-cache",
  listing: "no-cache",
} as const;

/** Which value applied to a path, and why. */
export interface CacheDecision {
  /** The `Cache-Control` value, or `null` for none. */
  value: string | null;
  /** What chose it: `rule "GLOB"`, `preset: fingerprinted name`, … or `no rule matched, preset off`. */
  reason: string;
}

/** A policy compiled at construction. */
export interface CachePolicy {
  /**
   * The decision for a file.
   * @param path Its path below the root, segments joined with `/`.
   * @param type Its `Content-Type`.
   */
  decide(path: string, type: string): CacheDecision;
  /** The value for a directory listing (or `null`). */
  readonly listing: string | null;
  /** The rules, for a banner or an explanation. */
  readonly rules: readonly CacheRule[];
  /** Whether the preset applies after the rules. */
  readonly preset: boolean;
}

/**
 * Compiles the `cacheControl` option: `false` for no policy, `true` for the
 * preset alone, or rules with or without the preset.
 *
 * @param option The option's value.
 * @returns The policy, or `null` when there is none.
 * @throws {TypeError} for a malformed rule or a value that cannot be a
 *   header field value.
 *
 * @example The preset
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCachePolicy } from "./cache_policy.ts";
 *
 * const policy = createCachePolicy({ rules: [["downloads/**", "no-store"]] })!;
 * assert.equal(policy.decide("downloads/a.zip", "application/zip").value, "no-store");
 * assert.equal(
 *   policy.decide("assets/index-BxT3k9Qa.js", "text/javascript").value,
 *   "public, max-age=31536000, immutable",
 * );
 * assert.equal(policy.decide("index.html", "text/html; charset=utf-8").value, "no-cache");
 * ```
 */
export function createCachePolicy(option: boolean | CacheControlOptions): CachePolicy | null {
  if (option === false) return null;
  if (option === true) return compile([], true);
  if (typeof option !== "object" || option === null || Array.isArray(option)) {
    throw new TypeError("must be a boolean or { rules, preset }");
  }
  const { rules = [], preset = true } = option;
  if (typeof preset !== "boolean") throw new TypeError("preset must be a boolean");
  if (!Array.isArray(rules)) throw new TypeError("rules must be an array of [glob, value]");
  for (const rule of rules) {
    if (!Array.isArray(rule) || rule.length !== 2) {
      throw new TypeError("rules must be an array of [glob, value]");
    }
    checkValue(rule[1]);
  }
  return compile(rules.map(([glob, value]) => [glob, value.trim()] as const), preset);
}

function compile(rules: readonly CacheRule[], preset: boolean): CachePolicy {
  const globs: Array<[Glob, string]> = rules.map(([glob, value]) => [compileGlob(glob), value]);
  return {
    rules: Object.freeze(rules),
    preset,
    listing: preset ? CACHE_PRESET.listing : null,
    decide(path, type) {
      for (const [glob, value] of globs) {
        if (matchGlob(glob, path)) return { value, reason: `rule "${glob.source}"` };
      }
      if (!preset) return { value: null, reason: "no rule matched, preset off" };
      if (isFingerprinted(path)) {
        return { value: CACHE_PRESET.fingerprinted, reason: "preset: fingerprinted name" };
      }
      if (type.startsWith("text/html")) return { value: CACHE_PRESET.html, reason: "preset: HTML" };
      return { value: CACHE_PRESET.other, reason: "preset: other file" };
    },
  };
}

// RFC 9110 §5.5: a field value is visible Latin-1, spaces and tabs; an
// empty one is a slip (omit the rule, or write `no-store`).
function checkValue(value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError("each rule's value must be a non-empty string");
  }
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new TypeError(`rule value ${JSON.stringify(value)} is not a valid header value`);
  }
}
