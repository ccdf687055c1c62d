// What a cached answer costs the file system, counted on the running
// runtime's own port: one lstat per path component below the root (each
// folder must still be a real folder, the file still the version read),
// and nothing else. bench/README.md's never-stale bound is the one-lstat
// case; a deeper path pays one more lstat per folder.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import { CACHED_REPLY } from "../src/core/fast_paths.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

let root: string;
let port: FileSystem;

before(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-hit-cost-")));
  mkdirSync(join(root, "a", "b"), { recursive: true });
  writeFileSync(join(root, "top.js"), "export const top = 1;\n");
  writeFileSync(join(root, "a", "b", "c.js"), "export const c = 3;\n");
  port = await runtimeFileSystem();
  // Only files still for SETTLE_MS are cached.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
});
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * A handler whose port records every call as `method path`; with `sync`,
 * the port also has the synchronous lookups the runtimes' ports have.
 */
function counted(sync: boolean) {
  const calls: string[] = [];
  const record = <K extends keyof FileSystem>(name: K) =>
    ((path: string, ...rest: unknown[]) => {
      calls.push(`${name.replace("Sync", "")} ${path.slice(root.length) || "/"}`);
      return (port[name] as (...args: unknown[]) => unknown)(path, ...rest);
    }) as FileSystem[K];
  const fs: FileSystem = {
    stat: record("stat"),
    lstat: record("lstat"),
    realPath: record("realPath"),
    realStat: record("realStat"),
    readDir: record("readDir"),
    open: record("open"),
    ...(sync ? { statSync: record("statSync"), lstatSync: record("lstatSync") } : {}),
  };
  return { handler: createFileHandler({ root, fs }), calls };
}

test("runtimeFileSystem() has lstatSync and statSync, for cached answers with no async step", () => {
  assert.equal(typeof port.lstatSync, "function");
  assert.equal(typeof port.statSync, "function");
});

const CASES = [
  { path: "/top.js", sync: true, expected: ["lstat /top.js"] },
  { path: "/a/b/c.js", sync: true, expected: ["lstat /a", "lstat /a/b", "lstat /a/b/c.js"] },
  { path: "/a/b/c.js", sync: false, expected: ["lstat /a", "lstat /a/b", "lstat /a/b/c.js"] },
];

for (const { path, sync, expected } of CASES) {
  const how = sync ? "at once" : "through a promise-only port";
  test(`createFileHandler() answers a cached GET of ${path} ${how}, one lstat per component (${expected.length})`, async () => {
    const { handler, calls } = counted(sync);
    const first = await handler(new Request(`http://localhost${path}`));
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    calls.splice(0);
    const second = await handler(new Request(`http://localhost${path}`));
    assert.equal(second.status, 200);
    await second.arrayBuffer();
    assert.deepEqual(calls, expected);
    // A revalidation, through the adapters' side door, costs the same, and
    // with synchronous lookups comes with no promise to await.
    calls.splice(0);
    const etag = second.headers.get("etag")!;
    const reply = handler[CACHED_REPLY]("GET", path, new Headers({ "if-none-match": etag }));
    assert.equal(reply instanceof Promise, !sync);
    assert.equal((await reply)?.status, 304);
    assert.deepEqual(calls, expected);
  });
}
