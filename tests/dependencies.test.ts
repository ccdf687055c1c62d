import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The root installs only what the server, its tests and its build need; the
// benchmark's peers live in bench/package.json, installed by npm run bench.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

/** Each root devDependency, with the reason it is there. */
const ROOT_DEV_DEPENDENCIES: Record<string, string> = {
  "@types/bun": "deno check of the Bun adapter and fs port",
  "@types/express":
    "tests/npm_package.test.ts: a consumer's tsc checks serveFiles() against Express's types",
  "@types/node": "deno check of node: imports",
  bun: "the Bun runner and adapter",
  connect: "tests/express.test.ts: the Express middleware mounted in a real Connect app",
  deno: "the Deno runner, fmt, lint, check, doc, publish",
  "@hono/node-server": "tests/hono.test.ts runs the Hono middleware on Node's own server",
  express: "tests/express.test.ts and examples/express.ts: the middleware in a real Express 5 app",
  polka: "tests/express.test.ts: the Express middleware mounted in a real Polka 1.0 app",
  "fast-check": "the property tests",
  hono: "tests/hono.test.ts and examples/hono.ts: the middleware in a real Hono app",
  "mime-db": "npm run gen:media and its up-to-date test",
  node: "Node 24: runs the .ts sources, the test runner and the build",
  // The core, not the whole puppeteer: that one downloads its own Chrome on
  // install, where the test drives Debian's chromium that .ci/run installs.
  "puppeteer-core": "tests/browser.test.ts drives headless Chromium",
  // The real compiler rather than a hand-written .d.ts or a bundler plugin:
  // its declaration emit is what consumers' tsc reads back.
  typescript:
    "npm run build emits dist/**/*.d.ts; tests/npm_package.test.ts type-checks a consumer",
};

/**
 * Each runtime dependency, with the reason it is there: what the npm
 * package installs with it (deno.json's "imports" maps the same version
 * for JSR).
 */
const DEPENDENCIES: Record<string, string> = {
  // Web streams only, so one code path on Deno, Bun and Node; streams each
  // file through (no temporary file), ZIP64 past 4 GiB, UTF-8 names, 6 kB,
  // no dependencies of its own. archiver and zip-stream are Node streams
  // only; fflate writes no ZIP64; @zip.js/zip.js is 25 times larger.
  "client-zip": "src/fs/zip_archiver.ts: folder downloads as zip (the archive option, --zip)",
};

const PEERS = [
  "@hono/node-server",
  "express",
  "hono",
  "http-server",
  "serve-handler",
  "serve-static",
  "sirv",
];

test("package.json dependencies and devDependencies are only what the server, tests and build need", () => {
  const manifest = read("package.json");
  assert.deepEqual(
    Object.keys(manifest.devDependencies ?? {}).sort(),
    Object.keys(ROOT_DEV_DEPENDENCIES).sort(),
  );
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}).sort(), Object.keys(DEPENDENCIES));
  // Exact versions (a prerelease too: Polka 1.0 has only those): a test run
  // on a fresh clone installs what was checked here.
  const pinned = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const [name, version] of Object.entries(pinned)) {
    assert.match(String(version), /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/, name);
  }
});

test("deno.json imports each runtime dependency at package.json's version", () => {
  const { dependencies } = read("package.json");
  const { imports } = read("deno.json");
  assert.deepEqual(
    imports,
    Object.fromEntries(
      Object.keys(DEPENDENCIES).map((name) => [
        name,
        `npm:${name}@${dependencies[name]}`,
      ]),
    ),
  );
});

test("bench/package.json holds the benchmark's peers, with its own lock file", () => {
  const bench = read("bench/package.json");
  assert.deepEqual(Object.keys(bench.dependencies ?? {}).sort(), PEERS);
  const lock = read("bench/package-lock.json");
  for (const name of PEERS) assert.ok(lock.packages[`node_modules/${name}`], name);
  assert.match(read("package.json").scripts.bench, /^npm --prefix bench ci\b/);
});
