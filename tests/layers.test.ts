// The dependency direction of STYLE.md, read from the source tree:
// `cli → adapters → fs, core`; `fs → core (types only)`; `core →` web
// globals only; `client →` fetch only.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));

interface Violation {
  /** Repository-relative path, e.g. `src/core/handler.ts`. */
  file: string;
  line: number;
  message: string;
}

interface Stripped {
  /** The source with comments blanked out, offsets and lines kept. */
  code: string;
  /** `code` with the insides of strings, templates and regexes blanked too. */
  bare: string;
}

// After these, a `/` starts a regular expression rather than dividing
// ("" is the start of the file).
const BEFORE_REGEX = new Set(["", ..."( , = : [ ! & | ? { } ; + - * % < > ~ ^".split(" ")]);
const KEYWORDS_BEFORE_REGEX = new Set(
  "return typeof case do else in of new delete void throw yield await".split(" "),
);

/**
 * Blanks comments (`//`, `/* *\/`, JSDoc) while respecting strings,
 * template literals (with `${}` nesting) and regular expressions, so that
 * `"http://x"` or `/\/\//` does not open a comment that hides code.
 */
function strip(source: string): Stripped {
  let code = "";
  let bare = "";
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  const emit = (text: string, bareText = text) => {
    code += text;
    bare += bareText;
  };
  // Keeps the delimiters of a literal, blanks what is between them.
  const emitLiteral = (text: string, open: number, close: number) => {
    emit(
      text,
      text.slice(0, open) + blank(text.slice(open, text.length - close)) +
        text.slice(text.length - close),
    );
  };
  const templates: number[] = []; // `{` depth inside each open `${`
  let last = ""; // the last significant token: a punctuator or a word
  let i = 0;

  // Reads template text from `start` up to a closing backtick or a `${`.
  const templateText = (start: number): number => {
    let j = start;
    while (j < source.length) {
      if (source[j] === "\\") j += 2;
      else if (source[j] === "`") {
        emitLiteral(source.slice(start, j + 1), 0, 1);
        last = "`";
        return j + 1;
      } else if (source[j] === "$" && source[j + 1] === "{") {
        emitLiteral(source.slice(start, j + 2), 0, 2);
        templates.push(0);
        last = "{";
        return j + 2;
      } else j++;
    }
    emitLiteral(source.slice(start), 0, 0);
    return source.length;
  };

  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      emit(blank(source.slice(i, stop)));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      emit(blank(source.slice(i, stop)));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== "\n") {
        j += source[j] === "\\" ? 2 : 1;
      }
      const closed = source[j] === c;
      const end = Math.min(closed ? j + 1 : j, source.length);
      emitLiteral(source.slice(i, end), 1, closed ? 1 : 0);
      last = c;
      i = end;
    } else if (c === "`") {
      emit("`");
      i = templateText(i + 1);
    } else if (c === "}" && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      emit("}");
      i = templateText(i + 1);
    } else if (c === "/" && (BEFORE_REGEX.has(last) || KEYWORDS_BEFORE_REGEX.has(last))) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== "\n") {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        else if (source[j] === "/" && !inClass) break;
        j++;
      }
      if (source[j] !== "/") {
        // Not a regular expression after all (none spans lines).
        emit("/");
        last = "/";
        i++;
        continue;
      }
      const close = j + 1;
      let end = close;
      while (end < source.length && /\w/.test(source[end])) end++;
      emitLiteral(source.slice(i, end), 1, end - close + 1);
      last = ")";
      i = end;
    } else if (/[\w$]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[\w$]/.test(source[j])) j++;
      last = source.slice(i, j);
      emit(last);
      i = j;
    } else {
      if (templates.length > 0 && c === "{") templates[templates.length - 1]++;
      if (templates.length > 0 && c === "}") templates[templates.length - 1]--;
      if (!/\s/.test(c)) last = c;
      emit(c);
      i++;
    }
  }
  return { code, bare };
}

interface Import {
  specifier: string | null; // null: a computed `import(expression)`
  typeOnly: boolean;
  index: number;
}

const STATIC_IMPORT = /\b(import|export)\s+(type\s+)?([^;"'`()=]*?)\bfrom\s*(["'])([^"'\n]*)\4/g;
const BARE_IMPORT = /\bimport\s*(["'])([^"'\n]*)\1/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*([^)]*?)\s*\)/g;
const REQUIRE = /\brequire\s*\(/g;

function findImports(code: string): Import[] {
  const imports: Import[] = [];
  for (const match of code.matchAll(STATIC_IMPORT)) {
    const clause = match[3].trim();
    // `import { type A, type B } from` is as type-only as `import type`.
    const braces = /^\{([^}]*)\}$/.exec(clause);
    const names = braces?.[1].split(",").map((name) => name.trim()).filter((name) => name !== "");
    const allTypes = names !== undefined && names.length > 0 &&
      names.every((name) => /^type\s/.test(name));
    imports.push({
      specifier: match[5],
      typeOnly: match[2] !== undefined || allTypes,
      index: match.index,
    });
  }
  for (const match of code.matchAll(BARE_IMPORT)) {
    imports.push({ specifier: match[2], typeOnly: false, index: match.index });
  }
  for (const match of code.matchAll(DYNAMIC_IMPORT)) {
    const literal = /^(["'`])([^"'`$]*)\1$/.exec(match[1]);
    imports.push({ specifier: literal?.[2] ?? null, typeOnly: false, index: match.index });
  }
  for (const match of code.matchAll(REQUIRE)) {
    imports.push({ specifier: null, typeOnly: false, index: match.index });
  }
  return imports;
}

// The repository-relative path a specifier names, or null for `node:`,
// URLs and packages.
function target(file: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  return posix.normalize(posix.join(posix.dirname(file), specifier));
}

// Why `file` may not import `specifier`, or null when it may.
function importRule(file: string, found: Import): string | null {
  const { specifier, typeOnly } = found;
  if (specifier === null) return "a computed import() or require() hides its target";
  const path = target(file, specifier);
  if (file.startsWith("src/core/")) {
    if (specifier.startsWith("node:")) return "the core knows only web globals, not node: modules";
    if (path === null) return "the core has no dependencies";
    if (!path.startsWith("src/core/")) return "the core imports nothing outside src/core";
  } else if (file.startsWith("src/fs/")) {
    if (specifier.startsWith("node:")) return null;
    // The one runtime dependency (tests/dependencies.test.ts says why), in
    // the one port made for it.
    if (path === null && file === "src/fs/zip_archiver.ts" && specifier === "client-zip") {
      return null;
    }
    if (path === null) return "a file-system port uses only node: modules and web APIs";
    if (/^src\/core\/[^/]+\.ts$/.test(path)) {
      return typeOnly ? null : "a file-system port imports only types from the core";
    }
    if (!path.startsWith("src/fs/")) {
      return "a file-system port imports only its own files, core types and node: modules";
    }
  } else if (file.startsWith("src/client/")) {
    if (path !== null && !path.startsWith("src/client/")) {
      return "the client stands alone: it imports nothing from core, fs or adapters";
    }
  } else if (file.startsWith("src/adapters/")) {
    if (path !== null && (path.startsWith("src/client/") || path === "src/cli.ts")) {
      return "adapters sit below the cli and beside the client";
    }
  } else if (file === "src/hono.ts") {
    // A framework entry point is a thin layer over the core and the ports,
    // never a second implementation, and needs no framework package.
    if (specifier.startsWith("node:")) return null;
    if (path === null) return "the Hono middleware imports no package, hono included";
    if (!path.startsWith("src/core/") && !/^src\/fs\/(deno|bun|node|runtime)\.ts$/.test(path)) {
      return "the Hono middleware imports only the core and the file-system ports";
    }
  } else if (file === "src/std.ts") {
    // The std drop-in maps option names onto the core's, never a second
    // implementation of serving, and needs no std package.
    if (specifier.startsWith("node:")) return null;
    if (path === null) return "the std drop-in imports no package, @std/http included";
    if (!path.startsWith("src/core/") && !/^src\/fs\/(deno|bun|node|runtime)\.ts$/.test(path)) {
      return "the std drop-in imports only the core and the file-system ports";
    }
  } else if (file === "src/express.ts") {
    // Thin as well: it writes through the Node adapter's bridge, never a
    // second one, and needs no framework package.
    if (specifier.startsWith("node:")) return null;
    if (path === null) return "the Express middleware imports no package, express included";
    if (
      !path.startsWith("src/core/") && path !== "src/fs/node.ts" &&
      path !== "src/adapters/_node_bridge.ts" && path !== "src/adapters/_serve_options.ts"
    ) {
      return "the Express middleware imports only the core, the Node port and the Node bridge";
    }
  }
  return null;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// Runtime names the core must not use, checked outside comments. `bare`
// has no string contents, so a data word ("wordprocessingml") or a message
// cannot trip `process`; `Deno.` and `Bun.` are refused even in strings.
const CORE_NAMES: { pattern: RegExp; in: keyof Stripped; message: string }[] = [
  { pattern: /\bDeno\./g, in: "code", message: "the core never names Deno" },
  { pattern: /\bBun\./g, in: "code", message: "the core never names Bun" },
  { pattern: /\bprocess\b/g, in: "bare", message: "the core never uses Node's process" },
  {
    pattern: /(["'`])(Deno|Bun|process)\1/g,
    in: "code",
    message: "the core never sniffs for a runtime",
  },
];

/** Every dependency-direction violation in one source file. */
function checkSource(file: string, source: string): Violation[] {
  const stripped = strip(source);
  const violations: Violation[] = [];
  for (const found of findImports(stripped.code)) {
    const rule = importRule(file, found);
    if (rule === null) continue;
    const what = found.specifier === null ? "" : ` "${found.specifier}"`;
    violations.push({
      file,
      line: lineOf(stripped.code, found.index),
      message: `imports${what}: ${rule}`,
    });
  }
  if (file.startsWith("src/core/")) {
    for (const name of CORE_NAMES) {
      for (const match of stripped[name.in].matchAll(name.pattern)) {
        violations.push({ file, line: lineOf(stripped.code, match.index), message: name.message });
      }
    }
  }
  return violations;
}

function sourceFiles(dir: string): string[] {
  const full = posix.join(REPO, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.[cm]?[jt]sx?$/.test(name))
    .map((name) => posix.join(dir, name))
    .sort();
}

function checkTree(dir: string): string[] {
  return sourceFiles(dir).flatMap((file) =>
    checkSource(file, readFileSync(posix.join(REPO, file), "utf8")).map((v) =>
      `${v.file}:${v.line}: ${v.message}`
    )
  );
}

test("layers: the checker finds the core and the file-system ports", () => {
  const core = sourceFiles("src/core");
  assert.ok(core.includes("src/core/fs.ts"), core.join(", "));
  assert.ok(core.includes("src/core/handler.ts"), core.join(", "));
  const fs = sourceFiles("src/fs");
  for (const port of ["deno", "bun", "node"]) {
    assert.ok(fs.includes(`src/fs/${port}.ts`), fs.join(", "));
  }
});

test("layers: src/core/ imports nothing outside src/core and no node: modules", () => {
  const violations = checkTree("src/core").filter((v) => v.includes(": imports"));
  assert.deepEqual(violations, []);
});

test("layers: src/core/ never names Deno., Bun. or process outside comments", () => {
  const violations = checkTree("src/core").filter((v) => !v.includes(": imports"));
  assert.deepEqual(violations, []);
});

test("layers: src/fs/ imports only core types, node: modules and its own files", () => {
  assert.deepEqual(checkTree("src/fs"), []);
});

test("layers: src/client/ imports nothing from src/core, src/fs or src/adapters", () => {
  // Passes while the client does not exist yet.
  assert.deepEqual(checkTree("src/client"), []);
});

test("layers: src/adapters/ imports neither src/client nor src/cli.ts", () => {
  assert.deepEqual(checkTree("src/adapters"), []);
});

function messages(file: string, source: string): string[] {
  return checkSource(file, source).map((v) => `${v.line}: ${v.message}`);
}

test("layers: src/hono.ts imports only the core and the file-system ports", () => {
  const file = "src/hono.ts";
  assert.deepEqual(checkSource(file, readFileSync(posix.join(REPO, file), "utf8")), []);
});

test("checkSource() reports an adapter or a package imported by src/hono.ts", () => {
  const rules = (code: string) => messages("src/hono.ts", code);
  assert.equal(rules(`import { serve } from "./adapters/node.ts";`).length, 1);
  assert.equal(rules(`import type { Context } from "hono";`).length, 1);
  assert.equal(rules(`import { x } from "./cli.ts";`).length, 1);
  assert.deepEqual(rules(`import { createFileHandler } from "./core/handler.ts";`), []);
  assert.deepEqual(rules(`const m = await import("./fs/bun.ts");`), []);
});

test("layers: src/std.ts imports only the core and the file-system ports", () => {
  const file = "src/std.ts";
  assert.deepEqual(checkSource(file, readFileSync(posix.join(REPO, file), "utf8")), []);
});

test("checkSource() reports a package or an adapter imported by src/std.ts", () => {
  const rules = (code: string) => messages("src/std.ts", code);
  assert.equal(rules(`import { serveDir } from "jsr:@std/http/file-server";`).length, 1);
  assert.equal(rules(`import { serve } from "./adapters/deno.ts";`).length, 1);
  assert.deepEqual(rules(`import { withCors } from "./core/cors.ts";`), []);
  assert.deepEqual(rules(`const m = await import("./fs/node.ts");`), []);
});

test("layers: src/express.ts imports only the core, the Node port and the Node bridge", () => {
  const file = "src/express.ts";
  assert.deepEqual(checkSource(file, readFileSync(posix.join(REPO, file), "utf8")), []);
});

test("checkSource() reports a package or another adapter imported by src/express.ts", () => {
  const rules = (code: string) => messages("src/express.ts", code);
  assert.equal(rules(`import express from "express";`).length, 1);
  assert.equal(rules(`import { serve } from "./adapters/node.ts";`).length, 1);
  assert.equal(rules(`import { bunFileSystem } from "./fs/bun.ts";`).length, 1);
  assert.deepEqual(rules(`import { writeReply } from "./adapters/_node_bridge.ts";`), []);
  assert.deepEqual(rules(`import { createFileHandler } from "./core/handler.ts";`), []);
  assert.deepEqual(rules(`import type { ServerResponse } from "node:http";`), []);
});

test("checkSource() reports a node: import in src/core", () => {
  assert.equal(messages("src/core/x.ts", `import { x } from "node:fs";`).length, 1);
  assert.equal(messages("src/core/x.ts", `import "node:process";`).length, 1);
  assert.equal(messages("src/core/x.ts", `const fs = await import("node:fs");`).length, 1);
  assert.equal(messages("src/core/x.ts", `import * as fs from "fs";`).length, 1);
  assert.equal(messages("src/core/x.ts", `const fs = require("fs");`).length, 1);
  assert.deepEqual(messages("src/core/x.ts", `import {\n  a,\n  b,\n} from "node:fs";`), [
    `1: imports "node:fs": the core knows only web globals, not node: modules`,
  ]);
});

test("checkSource() reports a src/core import from outside src/core", () => {
  assert.equal(
    messages("src/core/x.ts", `export { nodeFileSystem } from "../fs/node.ts";`).length,
    1,
  );
  assert.equal(
    messages("src/core/x.ts", `import type { Serve } from "../adapters/deno.ts";`).length,
    1,
  );
  assert.equal(messages("src/core/x.ts", `import { y } from "../../mod.ts";`).length, 1);
  assert.deepEqual(
    messages("src/core/x.ts", `import { y } from "./y.ts";\nimport type { Z } from "./fs.ts";`),
    [],
  );
});

test("checkSource() reports process, Deno. and Bun. in src/core code", () => {
  assert.deepEqual(messages("src/core/x.ts", `const a = process.env.X;`), [
    "1: the core never uses Node's process",
  ]);
  assert.equal(
    messages("src/core/x.ts", `\n\nconst cwd = Deno.cwd();`)[0],
    "3: the core never names Deno",
  );
  assert.equal(messages("src/core/x.ts", `const file = Bun.file(path);`).length, 1);
  assert.equal(messages("src/core/x.ts", `const onDeno = "Deno" in globalThis;`).length, 1);
  assert.equal(messages("src/core/x.ts", `const p = globalThis.process;`).length, 1);
});

test("checkSource() is not fooled by strings, templates or regexes that look like comments", () => {
  const cases = [
    `const u = "http://x"; const a = process.env.X;`,
    `const s = "/*"; process.exit(1); const t = "*/";`,
    "const t = `//${'}'}`; process.exit(1);",
    "const t = `a${ { b: 1 }.b }//`; process.exit(1);",
    `const r = /\\/\\//; process.exit(1);`,
    `const r = /[/]/g; process.exit(1);`,
    `const half = 1 / 2; process.exit(1); const q = 3 / 4;`,
  ];
  for (const source of cases) {
    assert.deepEqual(
      messages("src/core/x.ts", source),
      ["1: the core never uses Node's process"],
      source,
    );
  }
});

test("checkSource() ignores comments, JSDoc examples and data words", () => {
  const source = [
    `// process.env.X and Deno.cwd() are fine in a comment`,
    `/* Bun.file(path) */`,
    `/**`,
    ` * @example`,
    " * ```ts",
    ` * import assert from "node:assert/strict";`,
    ` * const handler = createFileHandler({ root: Deno.cwd(), fs: denoFileSystem() });`,
    " * ```",
    ` */`,
    `export const types = ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"];`,
    `const message = "Cannot process the request";`,
  ].join("\n");
  assert.deepEqual(messages("src/core/x.ts", source), []);
});

test("checkSource() holds src/fs to type-only core imports and away from adapters", () => {
  assert.deepEqual(messages("src/fs/x.ts", `import type { FileSystem } from "../core/fs.ts";`), []);
  assert.deepEqual(
    messages("src/fs/x.ts", `import { type ByteRange, type FileSystem } from "../core/fs.ts";`),
    [],
  );
  assert.deepEqual(messages("src/fs/x.ts", `import { constants, promises } from "node:fs";`), []);
  assert.deepEqual(messages("src/fs/x.ts", `import { readDir } from "./_node_fs.ts";`), []);
  assert.equal(
    messages("src/fs/x.ts", `import { createFileHandler } from "../core/handler.ts";`).length,
    1,
  );
  assert.equal(messages("src/fs/x.ts", `import { type A, b } from "../core/fs.ts";`).length, 1);
  assert.equal(messages("src/fs/x.ts", `import { serve } from "../adapters/node.ts";`).length, 1);
  assert.equal(messages("src/fs/x.ts", `import type { X } from "../client/errors.ts";`).length, 1);
  assert.equal(messages("src/fs/x.ts", `import mime from "mime-db";`).length, 1);
});

test("checkSource() keeps node:crypto, which content tags hash with, in src/fs and out of src/core", () => {
  const crypto = `import { createHash } from "node:crypto";`;
  assert.deepEqual(messages("src/fs/hash_file.ts", crypto), []);
  assert.equal(messages("src/core/content_tags.ts", crypto).length, 1);
  // The core reaches the hash only through the port's optional hash().
  const core = readFileSync(posix.join(REPO, "src/core/content_tags.ts"), "utf8");
  assert.doesNotMatch(strip(core).code, /createHash|node:crypto/);
  assert.match(readFileSync(posix.join(REPO, "src/core/fs.ts"), "utf8"), /\bhash\?\(path: string/);
});

test("checkSource() lets client-zip into src/fs/zip_archiver.ts alone", () => {
  const zip = `import { makeZip } from "client-zip";`;
  assert.deepEqual(messages("src/fs/zip_archiver.ts", zip), []);
  assert.equal(messages("src/fs/node.ts", zip).length, 1);
  assert.equal(messages("src/core/archive.ts", zip).length, 1);
  assert.equal(messages("src/fs/zip_archiver.ts", `import x from "fflate";`).length, 1);
});

test("checkSource() reports src/client importing core, fs or adapters", () => {
  assert.equal(
    messages("src/client/x.ts", `import { createFileHandler } from "../core/handler.ts";`).length,
    1,
  );
  assert.equal(
    messages("src/client/x.ts", `import type { FileSystem } from "../core/fs.ts";`).length,
    1,
  );
  assert.equal(
    messages("src/client/x.ts", `import { nodeFileSystem } from "../fs/node.ts";`).length,
    1,
  );
  assert.equal(
    messages("src/client/x.ts", `export { serve } from "../adapters/deno.ts";`).length,
    1,
  );
  assert.deepEqual(
    messages("src/client/x.ts", `import { TooManyRedirects } from "./errors.ts";`),
    [],
  );
});

test("checkSource() reports src/adapters importing the client or the cli", () => {
  assert.equal(
    messages("src/adapters/x.ts", `import { follow } from "../client/follow.ts";`).length,
    1,
  );
  assert.equal(messages("src/adapters/x.ts", `import { main } from "../cli.ts";`).length, 1);
  assert.deepEqual(
    messages("src/adapters/x.ts", `import { nodeFileSystem } from "../fs/node.ts";`),
    [],
  );
});

test("layers: live reload, shared by the three adapters, names no runtime", () => {
  const files = ["_live_reload.ts", "_live_reload_client.ts", "_tree_watcher.ts"];
  for (const file of files.map((name) => `src/adapters/${name}`)) {
    const { code } = strip(readFileSync(REPO + file, "utf8"));
    const specifiers = [...code.matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) => m[1]);
    for (const specifier of specifiers) {
      assert.ok(
        specifier === "node:fs" || specifier.startsWith("../core/") ||
          specifier === "./_live_reload_client.ts" || specifier === "./_tree_watcher.ts",
        `${file} imports ${specifier}`,
      );
    }
    assert.doesNotMatch(code, /\b(Deno|Bun)\s*\./, file);
  }
});
