/**
 * Builds the JavaScript that the npm package runs on Node, which does not
 * strip types from files inside node_modules: every .ts source becomes a
 * .js file under dist/ with its types erased and its relative `.ts`
 * imports pointed at `.js`, and gets a .d.ts beside it for TypeScript
 * consumers (the "types" condition of each export in package.json). Deno and
 * Bun keep running the .ts sources.
 *
 * Run: node scripts/build_npm.ts (npm runs it before `npm pack`).
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

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

/**
 * The options of the declaration emit. `noCheck`: the sources call `Deno` and
 * `Bun`, whose global types tsc's lib lacks; `deno check` type-checks them,
 * and `deno publish` (no slow types) already requires every export to carry
 * explicit types, so the emit needs no inference. The public declarations
 * name neither global, so a Node consumer's tsc reads them without
 * `@types/bun` or Deno's lib (tests/npm_package.test.ts checks both).
 */
const DECLARATION_OPTIONS: ts.CompilerOptions = {
  declaration: true,
  emitDeclarationOnly: true,
  noCheck: true,
  allowImportingTsExtensions: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2024,
  types: ["node"],
  rootDir: ROOT,
  outDir: OUT,
  skipLibCheck: true,
};

/** Writes a .d.ts beside each built .js, its `.ts` specifiers pointed at `.js`. */
function buildDeclarations(files: string[]): number {
  const program = ts.createProgram(files.map((file) => join(ROOT, file)), DECLARATION_OPTIONS);
  let written = 0;
  const result = program.emit(undefined, (path, text) => {
    mkdirSync(dirname(path), { recursive: true });
    // tsc keeps `./x.ts` in declarations, even with rewriteRelativeImportExtensions
    // (TypeScript 6.0). TypeScript 6 maps it to x.d.ts when reading, but TypeScript 4
    // rejects a `.ts` specifier (TS2691); `.js` names the file beside it.
    writeFileSync(path, rewriteSpecifiers(text));
    written++;
  });
  if (result.diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(result.diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    }));
  }
  return written;
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
  const declarations = buildDeclarations(sources());
  // stderr: npm runs this as prepack, and on stdout the line would come
  // before the JSON of `npm pack --json` and break its readers.
  console.error(
    `built ${sources().length} files and ${declarations} declarations into ${relative(ROOT, OUT)}/`,
  );
}

if (import.meta.main) build();
