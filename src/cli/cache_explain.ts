/**
 * `--cache-explain PATH`: which `Cache-Control` a path would get, and why;
 * and the banner's one-line summary of the policy.
 *
 * @module
 */

import { CACHE_PRESET, type CacheControlOptions, createCachePolicy } from "../core/cache_policy.ts";
import { contentType } from "../core/media_types.ts";

/**
 * The `-H Cache-Control` value, which replaces the preset when no `--cache`
 * is given.
 *
 * @param headers The `-H` headers.
 * @returns The value, or `null`.
 */
export function fixedCacheControl(headers: ReadonlyArray<[string, string]>): string | null {
  return headers.find(([name]) => name.toLowerCase() === "cache-control")?.[1] ?? null;
}

/**
 * One line per path: `PATH: VALUE (REASON)`.
 *
 * @param cache The parsed `--cache` policy, or `false`.
 * @param paths URL paths below the root, with or without a leading `/`.
 * @param fixed The `-H Cache-Control` value, if any (then `cache` is `false`).
 * @returns The lines to print.
 */
export function explainCache(
  cache: CacheControlOptions | false,
  paths: readonly string[],
  fixed: string | null = null,
): string[] {
  const policy = createCachePolicy(cache);
  return paths.map((path) => {
    // The handler matches the decoded path below the root, without query.
    const bare = path.replace(/[?#].*$/, "").replace(/^\/+/, "");
    let relative = bare;
    try {
      relative = decodeURIComponent(bare);
    } catch {
      // A malformed escape is matched as written.
    }
    if (policy === null) {
      return fixed === null
        ? `${path}: no Cache-Control (--cache off)`
        : `${path}: ${fixed} (-H Cache-Control, on every response)`;
    }
    const { value, reason } = policy.decide(relative, contentType(relative));
    return `${path}: ${value ?? "no Cache-Control"} (${reason})`;
  });
}

/**
 * The banner's summary: the rules in order, then the preset.
 *
 * @param cache The parsed `--cache` policy, or `false`.
 * @param fixed The `-H Cache-Control` value, if any (then `cache` is `false`).
 * @returns One line.
 */
export function describeCache(
  cache: CacheControlOptions | false,
  fixed: string | null = null,
): string {
  if (cache === false) {
    return fixed === null
      ? "no Cache-Control (--cache off)"
      : `${fixed} on every response (-H Cache-Control)`;
  }
  const rules = (cache.rules ?? []).map(([glob, value]) => `${glob}=${value}`);
  if (cache.preset !== false) {
    rules.push(
      `preset (fingerprinted names: ${CACHE_PRESET.fingerprinted}; ` +
        `HTML and the rest: ${CACHE_PRESET.other})`,
    );
  }
  return rules.join("; ") + "; check a path with --cache-explain PATH";
}
