/**
 * Deno's permission refusals, told as what to do.
 *
 * @module
 */

/**
 * For an error thrown by Deno's permission checks, one line that says which
 * permission is missing and the flag that grants it; `null` for any other
 * error (including the operating system's own "permission denied").
 *
 * @param error What an operation threw.
 * @returns The reason, or `null`.
 *
 * @example A read without --allow-read
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingPermission } from "./missing_permission.ts";
 *
 * const error = new Error('Requires read access to "/srv", run again with the --allow-read flag');
 * error.name = "NotCapable";
 * assert.equal(
 *   missingPermission(error),
 *   'Deno has no read access to "/srv": run again with --allow-read, or -A',
 * );
 * assert.equal(missingPermission(Object.assign(new Error("no"), { code: "EACCES" })), null);
 * ```
 */
export function missingPermission(error: unknown): string | null {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  // NotCapable since Deno 2.0; PermissionDenied before, and still for the
  // OS's EACCES, which names no flag.
  if ((name !== "NotCapable" && name !== "PermissionDenied") || typeof message !== "string") {
    return null;
  }
  const flag = /--allow-[a-z-]+/.exec(message)?.[0];
  if (flag === undefined) return null;
  // "Requires read access to "/srv", run again with the --allow-read flag"
  const access = /^Requires (\w+ access to .+?), /.exec(message)?.[1] ?? "permission for this";
  return `Deno has no ${access}: run again with ${flag}, or -A`;
}
