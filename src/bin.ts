/**
 * The npm package's `fileserver` bin. It checks the Node version before
 * loading anything else, then runs the command line. It does not rely on
 * `import.meta.main`, which Node sets only from 24.2 on: with it, the bin
 * did nothing on Node 20 and 22 and exited 0.
 *
 * @module
 */

import process from "node:process";

/** The lowest Node the package runs on: `URL.parse` arrived in Node 22.1.0. */
export const LOWEST_NODE = "22.1.0";

/**
 * Says whether a Node version (`process.versions.node`) is at least `lowest`.
 *
 * @param version A version such as `"20.19.5"`.
 * @param lowest The lowest accepted version.
 * @returns Whether `version` is at least `lowest`.
 *
 * @example Node 20 is too old
 * ```ts
 * import assert from "node:assert/strict";
 * import { atLeast } from "./bin.ts";
 *
 * assert.equal(atLeast("20.19.5", "22.1.0"), false);
 * assert.equal(atLeast("22.1.0", "22.1.0"), true);
 * ```
 */
export function atLeast(version: string, lowest: string): boolean {
  const have = version.split(".").map(Number);
  const need = lowest.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i];
  }
  return true;
}

if (!process.versions.bun && !process.versions.deno) {
  const version = process.versions.node;
  if (!atLeast(version, LOWEST_NODE)) {
    process.stderr.write(
      `fileserver: needs Node ${LOWEST_NODE} or later; this is Node ${version}\n`,
    );
    process.exit(1);
  }
}
// Imported only after the check, so that an older Node never parses the rest.
const { exitOnStrayErrors, main } = await import("./cli.ts");
exitOnStrayErrors();
// Signal listeners keep the event loop alive: exit explicitly.
process.exit(await main(process.argv.slice(2)));
