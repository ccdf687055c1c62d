/**
 * Builds the JavaScript that the npm package runs on Node, which does not
 * strip types from files inside node_modules: every .ts source becomes a
 * .js file under dist/ with its types erased and its relative `.ts`
 * imports pointed at `.js`. Deno and Bun keep running the .ts sources.
 *
 * Run: node scripts/build_npm.ts (npm runs it before `npm pack`).
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist");
const CLI = "src/bin.ts";

/** Rewrites relative `.ts` specifiers in static and dynamic imports to `.js`. */
export function rewriteSpecifiers(code: string): string {
  return code.replace(
    /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g,
    (_match, head: string, path: string, tail: string) => `${head}${path}.js${tail}`,
  );
}

function sources(): string[] {
  const found = ["mod.ts"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) found.push(path);
    }
  };
  walk("src");
  return found;
}

function build(): void {
  rmSync(OUT, { recursive: true, force: true });
  for (const source of sources()) {
    const code = readFileSync(join(ROOT, source), "utf8");
    let js = rewriteSpecifiers(stripTypeScriptTypes(code, { mode: "strip" }));
    if (source === CLI) js = "#!/usr/bin/env node\n" + js;
    const target = join(OUT, source.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js, { mode: source === CLI ? 0o755 : 0o644 });
  }
  console.log(`built ${sources().length} files into ${relative(ROOT, OUT)}/`);
}

if (import.meta.main) build();
