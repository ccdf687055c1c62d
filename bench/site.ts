/**
 * The temp site every server serves.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SITE_FILES } from "./config.ts";

/**
 * The file the RSS-growth probe downloads (`rss_growth.ts`): 1 GiB, sparse,
 * so it costs no disk and no time to create. It is all zeros, which would
 * compress, but neither wrk nor the probe's curl sends `Accept-Encoding`.
 */
export const HUGE_FILE: { name: string; size: number } = { name: "1g.bin", size: 1024 ** 3 };

// Minified-looking JavaScript with varied names and numbers, which brotli
// shrinks about as much as a real bundle (to roughly a quarter), not to
// nothing as it would a repeated line.
/**
 * JavaScript-like text of `size` bytes.
 *
 * @param size The length.
 * @returns The bytes.
 */
export function scriptLike(size: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < size; i++) {
    const name = randomBytes(4).toString("hex");
    text += `function f${name}(a,b){return a*${i % 97}+b.${name}||"${i}";}`;
  }
  return new TextEncoder().encode(text.slice(0, size));
}

/**
 * A single-page app's shell of `size` bytes: what a bundler writes (a root
 * element, a module script and a stylesheet with hashed names), padded
 * with a comment.
 *
 * @param size The length, at least 300.
 * @returns The bytes.
 */
export function shellLike(size: number): Uint8Array {
  const head = '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>App</title>\n' +
    '<script type="module" crossorigin src="/assets/index-BxT3k9Qa.js"></script>\n' +
    '<link rel="stylesheet" crossorigin href="/assets/index-Cq2Lm8Zr.css">\n</head>\n';
  const tail = '<body>\n<div id="app"></div>\n</body>\n</html>\n';
  const padding = size - head.length - tail.length - "<!--  -->\n".length;
  if (padding < 0) throw new RangeError(`Cannot make a shell of ${size} bytes`);
  return new TextEncoder().encode(`${head}<!-- ${"x".repeat(padding)} -->\n${tail}`);
}

/**
 * Writes the site's files (the `.bin` files random bytes, so that nothing
 * compresses; the script and the shell text) into `dir`, readable by everyone: nginx's worker runs as `nobody` when started
 * by root. Also creates the sparse {@linkcode HUGE_FILE}.
 *
 * @param dir The folder to create.
 * @returns `dir`.
 */
export function makeSite(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [name, size] of Object.entries(SITE_FILES)) {
    const bytes = name.endsWith(".js")
      ? scriptLike(size)
      : name.endsWith(".html")
      ? shellLike(size)
      : randomBytes(size);
    writeFileSync(join(dir, name), bytes, { mode: 0o644 });
  }
  // Extending with ftruncate leaves a hole: no block is written.
  const fd = openSync(join(dir, HUGE_FILE.name), "w", 0o644);
  try {
    ftruncateSync(fd, HUGE_FILE.size);
  } finally {
    closeSync(fd);
  }
  return dir;
}
