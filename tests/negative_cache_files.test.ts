// The negative cache of createFileHandler() on the running runtime's own
// port, in a temp folder: a path that was missing is served the moment it
// appears, however it appears, and a known-missing path skips the lookup.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CACHED_REPLY, createFileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

let base: string;
let root: string;
let staging: string;
let port: FileSystem;

const SHELL = "<!doctype html><title>app</title><div id=app></div>\n";
const NAVIGATE = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

// One folder per test, made before the wait: a folder's ctime cannot be set
// back (utimes sets only atime and mtime), so they settle by waiting once.
const FOLDERS = ["file", "folder", "rename", "parent", "fresh", "fallback", "clean", "head", "app"];

before(async () => {
  base = mkdtempSync(join(tmpdir(), "fileserver-negative-"));
  root = join(base, "root");
  staging = join(base, "staging");
  mkdirSync(staging);
  for (const folder of FOLDERS) mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, "404.html"), "<p>not here</p>\n");
  writeFileSync(join(root, "index.html"), SHELL);
  writeFileSync(join(staging, "page.txt"), "renamed into place\n");
  port = await runtimeFileSystem();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
});
after(() => rmSync(base, { recursive: true, force: true }));

/** A handler on the real port that counts the lookups of full paths. */
function counted(options: Partial<FileHandlerOptions> = {}) {
  const lookups: string[] = [];
  const fs: FileSystem = {
    ...port,
    realStat(path) {
      lookups.push(path.slice(root.length));
      return port.realStat(path);
    },
  };
  const handler = createFileHandler({ root, fs, ...options });
  const get = async (path: string, init?: RequestInit) => {
    const response = await handler(new Request(`http://localhost${path}`, init));
    return { status: response.status, text: await response.text() };
  };
  return { handler, lookups, get };
}

test("createFileHandler() serves a file created right after its 404", async () => {
  const { get, lookups } = counted();
  assert.equal((await get("/file/new.txt")).status, 404);
  assert.equal((await get("/file/new.txt")).status, 404);
  assert.deepEqual(lookups, ["/file/new.txt"], "the second 404 skipped the lookup");
  writeFileSync(join(root, "file", "new.txt"), "new\n");
  assert.deepEqual(await get("/file/new.txt"), { status: 200, text: "new\n" });
});

test("createFileHandler() serves a folder created right after its 404", async () => {
  const { get, lookups } = counted();
  assert.equal((await get("/folder/docs/")).status, 404);
  assert.equal((await get("/folder/docs/")).status, 404);
  assert.deepEqual(lookups, ["/folder/docs"]);
  mkdirSync(join(root, "folder", "docs"));
  writeFileSync(join(root, "folder", "docs", "index.html"), "<p>docs</p>\n");
  assert.deepEqual(await get("/folder/docs/"), { status: 200, text: "<p>docs</p>\n" });
});

test("createFileHandler() serves a file renamed into place right after its 404", async () => {
  const { get, lookups } = counted();
  assert.equal((await get("/rename/page.txt")).status, 404);
  assert.equal((await get("/rename/page.txt")).status, 404);
  assert.deepEqual(lookups, ["/rename/page.txt"]);
  renameSync(join(staging, "page.txt"), join(root, "rename", "page.txt"));
  assert.deepEqual(await get("/rename/page.txt"), { status: 200, text: "renamed into place\n" });
});

test("createFileHandler() serves a file whose missing folders are created after its 404", async () => {
  const { get, lookups } = counted();
  assert.equal((await get("/parent/a/b/deep.txt")).status, 404);
  assert.equal((await get("/parent/a/b/deep.txt")).status, 404);
  assert.deepEqual(lookups, ["/parent/a/b/deep.txt"]);
  mkdirSync(join(root, "parent", "a", "b"), { recursive: true });
  writeFileSync(join(root, "parent", "a", "b", "deep.txt"), "deep\n");
  assert.deepEqual(await get("/parent/a/b/deep.txt"), { status: 200, text: "deep\n" });
});

test("createFileHandler() looks up again a path missing from a folder changed just now", async () => {
  const { get, lookups } = counted();
  writeFileSync(join(root, "fresh", "other.txt"), "changes the folder\n");
  assert.equal((await get("/fresh/missing.txt")).status, 404);
  assert.equal((await get("/fresh/missing.txt")).status, 404);
  assert.deepEqual(lookups, ["/fresh/missing.txt", "/fresh/missing.txt"]);
});

test("createFileHandler() answers a known-missing path with its 404 page, then the file", async () => {
  const { get, lookups, handler } = counted({ notFound: "404.html" });
  const html = { headers: { accept: "text/html" } };
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(await get("/fallback/x.txt", html), {
      status: 404,
      text: "<p>not here</p>\n",
    });
  }
  assert.equal(lookups.filter((path) => path === "/fallback/x.txt").length, 1);
  assert.equal(await handler[CACHED_REPLY]("GET", "/fallback/x.txt", new Headers()), null);
  writeFileSync(join(root, "fallback", "x.txt"), "x\n");
  assert.deepEqual(await get("/fallback/x.txt", html), { status: 200, text: "x\n" });
});

test("createFileHandler() with cleanUrls serves a page created right after a 404", async () => {
  const { get, lookups } = counted({ cleanUrls: true });
  assert.equal((await get("/clean/about")).status, 404);
  assert.equal((await get("/clean/about")).status, 404);
  assert.deepEqual(lookups, ["/clean/about", "/clean/about.html"]);
  writeFileSync(join(root, "clean", "about.html"), "<p>about</p>\n");
  assert.deepEqual(await get("/clean/about"), { status: 200, text: "<p>about</p>\n" });
});

test("createFileHandler() answers HEAD of a known-missing path as before, then the file", async () => {
  const { get, lookups, handler } = counted();
  assert.deepEqual(await get("/head/h.txt", { method: "HEAD" }), { status: 404, text: "" });
  const reply = await handler[CACHED_REPLY]("HEAD", "/head/h.txt", new Headers());
  assert.equal(reply?.status, 404);
  const response = reply!.response();
  assert.equal(response.headers.get("content-length"), "10");
  assert.equal(await response.text(), "");
  assert.deepEqual(lookups, ["/head/h.txt"]);
  writeFileSync(join(root, "head", "h.txt"), "h\n");
  assert.equal(await handler[CACHED_REPLY]("HEAD", "/head/h.txt", new Headers()), null);
  assert.equal((await get("/head/h.txt", { method: "HEAD" })).status, 200);
});

test("createFileHandler() with spa answers a known-missing deep link from the cache, as the full path does", async () => {
  const { handler, lookups } = counted({ spa: true });
  const first = await handler(new Request("http://localhost/app/users/42", { headers: NAVIGATE }));
  assert.equal(first.status, 200);
  assert.equal(await first.text(), SHELL);
  const looked = lookups.length;
  // Asked again, the path is known to name nothing and the shell is cached:
  // at once through the adapters' side door, with no lookup.
  const reply = handler[CACHED_REPLY]("GET", "/app/users/42", new Headers(NAVIGATE));
  assert.ok(!(reply instanceof Promise));
  assert.equal(reply?.status, 200);
  const second = await handler(new Request("http://localhost/app/users/42", { headers: NAVIGATE }));
  assert.equal(await second.text(), SHELL);
  assert.equal(lookups.length, looked);
  assert.deepEqual([...second.headers], [...first.headers]);
  assert.equal(second.headers.get("cache-control"), "no-cache");
  assert.equal(second.headers.get("vary"), "Accept");
  // A revalidation and a HEAD, from the cache too, carry the same fields.
  const etag = first.headers.get("etag")!;
  const headers = { ...NAVIGATE, "if-none-match": etag };
  const revalidated = await handler(new Request("http://localhost/app/users/42", { headers }));
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.headers.get("vary"), "Accept");
  assert.equal(revalidated.headers.get("cache-control"), "no-cache");
  const head = await handler(
    new Request("http://localhost/app/users/42", { method: "HEAD", headers: NAVIGATE }),
  );
  assert.equal(head.headers.get("content-length"), String(SHELL.length));
  assert.equal(lookups.length, looked);
  // Not a navigation: the full path, which answers 404.
  const asset = await handler(new Request("http://localhost/app/users/42"));
  assert.equal(asset.status, 404);
  await asset.body?.cancel();
});

test("createFileHandler() with spa serves a file created at a cached deep link's path, and a new shell", async () => {
  const { get } = counted({ spa: true });
  const navigate = async (path: string) => {
    const response = await get(path, { headers: NAVIGATE });
    return response.text;
  };
  assert.equal(await navigate("/app/settings"), SHELL);
  assert.equal(await navigate("/app/settings"), SHELL);
  writeFileSync(join(root, "app", "settings"), "a file now\n");
  assert.equal(await navigate("/app/settings"), "a file now\n");
  assert.equal(await navigate("/app/profile"), SHELL);
  assert.equal(await navigate("/app/profile"), SHELL);
  const edited = SHELL.replace("app", "app, edited");
  writeFileSync(join(root, "index.html"), edited);
  assert.equal(await navigate("/app/profile"), edited);
});
