/**
 * `--cache preset|off|GLOB=VALUE`: the serve command's cache policy.
 *
 * @module
 */

import { compileGlob } from "../core/glob.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Reads the `--cache` values: `preset` (the default), `off`, or
 * `GLOB=VALUE` rules (repeatable, first match wins, tried before the
 * preset; with `off`, alone).
 *
 * @param values The flag's values, in order.
 * @param headers The `-H` headers: a `Cache-Control` there replaces the
 *   default preset, and conflicts with an explicit `--cache`.
 * @returns The policy for `createFileHandler()`'s `cacheControl`, or `false`.
 * @throws {UsageError} for a malformed rule, `preset` with `off`, or
 *   `--cache` with `-H Cache-Control`.
 */
export function parseCache(
  values: readonly string[],
  headers: ReadonlyArray<[string, string]> = [],
): { rules: Array<[string, string]>; preset: boolean } | false {
  const fixed = headers.some(([name]) => name.toLowerCase() === "cache-control");
  if (values.length === 0) return fixed ? false : { rules: [], preset: true };
  const rules: Array<[string, string]> = [];
  let preset: boolean | null = null;
  for (const value of values) {
    if (value === "preset" || value === "off") {
      if (preset !== null && preset !== (value === "preset")) {
        throw new UsageError("--cache preset and --cache off contradict each other");
      }
      preset = value === "preset";
      continue;
    }
    rules.push(parseCacheRule(value));
  }
  if (fixed && (rules.length > 0 || preset === true)) {
    throw new UsageError(
      "--cache and -H Cache-Control both set Cache-Control",
      "Use --cache 'GLOB=VALUE' rules, or -H with --cache off.",
    );
  }
  if (preset === false && rules.length === 0) return false;
  return { rules, preset: preset ?? true };
}

function parseCacheRule(text: string): [string, string] {
  const equals = text.indexOf("=");
  const glob = equals < 0 ? "" : text.slice(0, equals).trim();
  const value = equals < 0 ? "" : text.slice(equals + 1).trim();
  const hint = "Write --cache preset, --cache off or --cache 'GLOB=VALUE', " +
    "e.g. --cache 'downloads/**=no-store'.";
  if (glob === "" || value === "") throw new UsageError(`Malformed --cache '${text}'`, hint);
  try {
    compileGlob(glob);
  } catch (error) {
    throw new UsageError(`--cache: ${(error as Error).message}`, hint);
  }
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new UsageError(
      `--cache ${glob}: the value may hold only printable Latin-1 characters`,
      hint,
    );
  }
  return [glob, value];
}
