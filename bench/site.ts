/**
 * The temp site every server serves.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SITE_FILES } from "./config.ts";

/**
 * Writes the site's files (random bytes, so that nothing compresses) into
 * `dir`, readable by everyone: nginx's worker runs as `nobody` when started
 * by root.
 *
 * @param dir The folder to create.
 * @returns `dir`.
 */
export function makeSite(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [name, size] of Object.entries(SITE_FILES)) {
    writeFileSync(join(dir, name), randomBytes(size), { mode: 0o644 });
  }
  return dir;
}
