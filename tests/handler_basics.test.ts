import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler } from "../src/core/handler.ts";
import type { FileSystem } from "../src/core/fs.ts";
import {
  buildFixture,
  fixtureHandler,
  get,
  MTIME,
  ODD_NAMES,
  runtimeFileSystem,
} from "./_helpers/fixture.ts";

const fixture = buildFixture();
after(() => fixture.remove());

test("createFileHandler() serves GET with body and representation headers", async () => {
  const response = await get(await fixtureHandler(fixture), "/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(response.headers.get("content-length"), "12");
  assert.equal(response.headers.get("last-modified"), new Date(MTIME * 1000).toUTCString());
  assert.match(response.headers.get("etag") ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await response.text(), "hello world\n");
});

test("createFileHandler() answers HEAD with GET's status and headers and no body", async () => {
  const handler = await fixtureHandler(fixture);
  const got = await get(handler, "/style.css");
  await got.body?.cancel();
  const head = await get(handler, "/style.css", { method: "HEAD" });
  assert.equal(head.status, got.status);
  assert.deepEqual([...head.headers], [...got.headers]);
  assert.equal(head.body, null);
});

test("createFileHandler() answers HEAD without opening the file", async () => {
  const real = await runtimeFileSystem();
  let opened = 0;
  const fs: FileSystem = { ...real, open: (path, range) => (opened++, real.open(path, range)) };
  const handler = createFileHandler({ root: fixture.root, fs });
  const response = await handler(new Request("http://localhost/big.bin", { method: "HEAD" }));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), String(5 * 1024 * 1024));
  const ranged = await handler(
    new Request("http://localhost/big.bin", {
      method: "HEAD",
      headers: { range: "bytes=0-1,9-10" },
    }),
  );
  assert.equal(ranged.status, 206);
  assert.equal(opened, 0);
});

test("createFileHandler() answers OPTIONS with 204 and Allow", async () => {
  const response = await get(await fixtureHandler(fixture), "/hello.txt", { method: "OPTIONS" });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
  assert.equal(response.body, null);
});

test("createFileHandler() answers other methods with 405 and Allow", async () => {
  const handler = await fixtureHandler(fixture);
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "PROPFIND"]) {
    const response = await get(handler, "/hello.txt", { method });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
    await response.body?.cancel();
  }
});

test("createFileHandler() serves index.html for a directory URL", async () => {
  const handler = await fixtureHandler(fixture);
  const response = await get(handler, "/");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(await response.text(), /<title>home<\/title>/);
  assert.equal(await (await get(handler, "/nested/")).text(), "<p>nested index</p>\n");
});

test("createFileHandler() tries the configured index names in order", async () => {
  const handler = await fixtureHandler(fixture, { index: ["readme.md", "index.html"] });
  assert.equal(await (await get(handler, "/docs/")).text(), "# docs\n");
  assert.equal(await (await get(handler, "/nested/")).text(), "<p>nested index</p>\n");
});

test("createFileHandler() with index: false serves no index file", async () => {
  const response = await get(await fixtureHandler(fixture, { index: false }), "/nested/");
  assert.equal(response.status, 404);
  await response.body?.cancel();
});

test("createFileHandler() redirects a directory URL without its slash (301)", async () => {
  const handler = await fixtureHandler(fixture);
  const response = await get(handler, "/nested?x=1");
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/nested/?x=1");
  await response.body?.cancel();
  const odd = await get(handler, "/link-inside-dir");
  assert.equal(odd.headers.get("location"), "/link-inside-dir/");
  await odd.body?.cancel();
});

test("createFileHandler() never redirects to a Location readable as another host", async () => {
  const handler = await fixtureHandler(fixture);
  // The URL parser keeps "//nested" as a path; a naive "pathname + /" would
  // send the browser to the host "nested".
  for (const path of ["//nested", "///nested", "/%2fnested", "/.//nested", "//nested/deeper"]) {
    const response = await get(handler, path);
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (location !== null) {
      assert.ok(location.startsWith("/") && !location.startsWith("//"), `${path} -> ${location}`);
      assert.ok(!location.startsWith("/\\"), location);
    }
  }
});

test("createFileHandler() answers 404 to a directory without index when listing is off", async () => {
  const response = await get(await fixtureHandler(fixture), "/docs/");
  assert.equal(response.status, 404);
  await response.body?.cancel();
});

test("createFileHandler() lists a directory as HTML, folders first, with a parent link", async () => {
  const response = await get(await fixtureHandler(fixture, { listing: true }), "/docs/");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("vary"), "Accept");
  const html = await response.text();
  assert.ok(html.includes('<a href="../" aria-label="Parent folder">'));
  assert.ok(html.indexOf('href="sub/"') < html.indexOf('href="readme.md"'));
  assert.ok(!html.includes(".secret"));
  assert.match(html, /7 B/);
});

test("createFileHandler() escapes every name in the HTML listing", async () => {
  const html = await (await get(await fixtureHandler(fixture, { listing: true }), "/odd/")).text();
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.html"));
  for (const name of Object.values(ODD_NAMES)) {
    assert.ok(html.includes(`href="${encodeURIComponent(name).replaceAll("'", "&#39;")}"`), name);
  }
});

test("createFileHandler() lists as JSON when the client prefers application/json", async () => {
  const handler = await fixtureHandler(fixture, { listing: true });
  const response = await get(handler, "/docs/", { headers: { accept: "application/json" } });
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const json = await response.json();
  assert.equal(json.path, "/docs/");
  assert.deepEqual(json.entries.map((e: { name: string }) => e.name), ["sub", "readme.md"]);
  assert.equal(json.entries[1].size, 7);
  const html = await get(handler, "/docs/", {
    headers: { accept: "text/html,application/json;q=0.9" },
  });
  assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
  await html.body?.cancel();
});

test("createFileHandler() leaves unservable entries out of a listing", async () => {
  const handler = await fixtureHandler(fixture, { listing: true, index: false });
  const json = await (await get(handler, "/", { headers: { accept: "application/json" } })).json();
  const names: string[] = json.entries.map((e: { name: string }) => e.name);
  for (
    const hidden of [
      ".env",
      ".git",
      "fifo",
      "socket",
      "link-outside.txt",
      "link-outside-dir",
      "dangling",
      "devnull",
    ]
  ) {
    assert.ok(!names.includes(hidden), hidden);
  }
  for (const shown of [".well-known", "link-inside.txt", "hello.txt", "emptydir"]) {
    assert.ok(names.includes(shown), shown);
  }
});

test("createFileHandler() lists the root without a parent link and an empty folder", async () => {
  const handler = await fixtureHandler(fixture, { listing: true, index: false });
  assert.ok(!(await (await get(handler, "/")).text()).includes('href="../"'));
  const empty = await get(handler, "/emptydir/", { headers: { accept: "application/json" } });
  assert.deepEqual((await empty.json()).entries, []);
});

test("createFileHandler() adds the user's headers to files and listings", async () => {
  const handler = await fixtureHandler(fixture, {
    listing: true,
    headers: { "cache-control": "public, max-age=60", "x-frame-options": "DENY" },
  });
  for (const path of ["/hello.txt", "/docs/"]) {
    const response = await get(handler, path);
    assert.equal(response.headers.get("cache-control"), "public, max-age=60", path);
    assert.equal(response.headers.get("x-frame-options"), "DENY", path);
    await response.body?.cancel();
  }
});

test("createFileHandler() serves an empty file", async () => {
  const response = await get(await fixtureHandler(fixture), "/empty.txt");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "0");
  assert.equal(await response.text(), "");
});

test("createFileHandler() picks Content-Type from the extension", async () => {
  const handler = await fixtureHandler(fixture);
  const cases = [
    ["/style.css", "text/css; charset=utf-8"],
    ["/data.json", "application/json; charset=utf-8"],
    ["/big.bin", "application/octet-stream"],
    ["/docs/readme.md", "text/markdown; charset=utf-8"],
  ];
  for (const [path, type] of cases) {
    const response = await get(handler, path, { method: "HEAD" });
    assert.equal(response.headers.get("content-type"), type, path);
  }
});

test("createFileHandler() answers 403 when the file system refuses access", async () => {
  const real = await runtimeFileSystem();
  const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
  const fs: FileSystem = {
    ...real,
    open: (path, range) =>
      path.endsWith("/hello.txt") ? Promise.reject(denied) : real.open(path, range),
    realStat: (path) => path.endsWith("/nested") ? Promise.reject(denied) : real.realStat(path),
  };
  const handler = createFileHandler({ root: fixture.root, fs });
  const file = await handler(new Request("http://localhost/hello.txt"));
  assert.equal(file.status, 403);
  assert.equal(await file.text(), "Forbidden\n");
  const dir = await handler(new Request("http://localhost/nested/"));
  assert.equal(dir.status, 403);
  await dir.body?.cancel();
});

test("createFileHandler() answers an unexpected error with a bare 500 and calls onError", async () => {
  const real = await runtimeFileSystem();
  const failure = Object.assign(new Error(`EIO: i/o error, read '${fixture.root}/hello.txt'`), {
    code: "EIO",
  });
  const seen: Array<[unknown, string]> = [];
  const handler = createFileHandler({
    root: fixture.root,
    fs: { ...real, realStat: () => Promise.reject(failure) },
    onError: (error, request) => seen.push([error, request.url]),
  });
  const response = await handler(new Request("http://localhost/hello.txt"));
  assert.equal(response.status, 500);
  const body = await response.text();
  assert.equal(body, "Internal Server Error\n");
  assert.ok(!body.includes(fixture.root) && !body.includes("EIO") && !body.includes("at "));
  assert.deepEqual(seen, [[failure, "http://localhost/hello.txt"]]);
});

test("createFileHandler() still answers 500 when onError throws", async () => {
  const real = await runtimeFileSystem();
  const handler = createFileHandler({
    root: fixture.root,
    fs: { ...real, realPath: () => Promise.reject(new TypeError("boom")) },
    onError: () => {
      throw new Error("hook failed");
    },
  });
  const response = await handler(new Request("http://localhost/hello.txt"));
  assert.equal(response.status, 500);
  await response.body?.cancel();
});

test("createFileHandler() never puts the root's absolute path in a response", async () => {
  const handler = await fixtureHandler(fixture, { listing: true, index: false });
  for (const path of ["/", "/docs/", "/nope", "/%zz", "/nested", "/link-outside.txt", "/fifo"]) {
    const response = await get(handler, path);
    const text = await response.text();
    assert.ok(!text.includes(fixture.base), path);
    for (const [, value] of response.headers) assert.ok(!value.includes(fixture.base), path);
  }
});

test("createFileHandler() throws TypeError at construction for bad options", async () => {
  const fs = await runtimeFileSystem();
  const bad: unknown[] = [
    undefined,
    {},
    { root: "relative/path", fs },
    { root: "", fs },
    { root: "/srv" },
    { root: "/srv", fs: { stat() {} } },
    { root: "/srv", fs, dotfiles: "show" },
    { root: "/srv", fs, symlinks: "yes" },
    { root: "/srv", fs, listing: "yes" },
    { root: "/srv", fs, index: "index.html" },
    { root: "/srv", fs, index: ["../index.html"] },
    { root: "/srv", fs, urlRoot: "static" },
    { root: "/srv", fs, urlRoot: "/a/../b" },
    { root: "/srv", fs, headers: { "content-length": "1" } },
    { root: "/srv", fs, headers: { "bad header": "x" } },
    { root: "/srv", fs, onError: "log" },
    { root: "/srv", fs, maxRanges: "3" },
  ];
  for (const options of bad) {
    assert.throws(
      () => createFileHandler(options as Parameters<typeof createFileHandler>[0]),
      TypeError,
      JSON.stringify(options),
    );
  }
});

test("createFileHandler() throws RangeError at construction for maxRanges out of range", async () => {
  const fs = await runtimeFileSystem();
  for (const maxRanges of [0, -1, 1.5, 1e6, Number.NaN]) {
    assert.throws(() => createFileHandler({ root: "/srv", fs, maxRanges }), RangeError);
  }
});

test("createFileHandler() answers carry the standard statusText for every status", async () => {
  const handler = await fixtureHandler(fixture, { listing: true, index: false });
  const cases: Array<[string, RequestInit, number, string]> = [
    ["/hello.txt", {}, 200, "OK"],
    ["/hello.txt", { method: "OPTIONS" }, 204, "No Content"],
    ["/hello.txt", { headers: { range: "bytes=0-1" } }, 206, "Partial Content"],
    ["/hello.txt", { headers: { range: "bytes=0-1,4-5" } }, 206, "Partial Content"],
    ["/docs", {}, 301, "Moved Permanently"],
    [
      "/hello.txt",
      { headers: { "if-modified-since": new Date().toUTCString() } },
      304,
      "Not Modified",
    ],
    ["/%zz", {}, 400, "Bad Request"],
    ["/.env", {}, 404, "Not Found"],
    ["/nope", { method: "HEAD" }, 404, "Not Found"],
    ["/hello.txt", { method: "POST" }, 405, "Method Not Allowed"],
    ["/hello.txt", { headers: { "if-match": '"nope"' } }, 412, "Precondition Failed"],
    ["/hello.txt", { headers: { range: "bytes=99-" } }, 416, "Range Not Satisfiable"],
    ["/docs/", {}, 200, "OK"],
  ];
  for (const [path, init, status, text] of cases) {
    const response = await get(handler, path, init);
    await response.body?.cancel();
    assert.deepEqual([response.status, response.statusText], [status, text], path);
  }
  const denied = createFileHandler({
    root: fixture.root,
    fs: { ...(await runtimeFileSystem()), realStat: () => Promise.reject(new Error("EIO")) },
  });
  const failed = await get(denied, "/hello.txt");
  await failed.body?.cancel();
  assert.deepEqual([failed.status, failed.statusText], [500, "Internal Server Error"]);
});

test("prefersJson() weighs the most specific range, and ranges with other parameters match nothing", async () => {
  const { prefersJson } = await import("../src/core/listing.ts");
  // RFC 9110 §12.5.1: text/html;charset=utf-8 (q=0) is more specific than text/html.
  assert.equal(prefersJson("application/json,text/html,text/html;charset=utf-8;q=0"), true);
  // `level=1` is a parameter the listing does not have: that range does not apply.
  assert.equal(prefersJson("text/html;q=0.5, application/json;level=1"), false);
  // `application/json/x` is no media range.
  assert.equal(prefersJson("application/json/x, text/html;q=0.5"), false);
  assert.equal(prefersJson("application/json;charset=utf-8, text/html;q=0.9"), true);
  assert.equal(prefersJson("text/html, application/json"), false);
});

test("createFileHandler() lists only names whose links it serves (a backslash is refused)", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const root = mkdtempSync(join(tmpdir(), "fileserver-names-"));
  try {
    for (const name of ["a\\b.txt", "plain.txt", "50%.txt", "é ü.txt"]) {
      writeFileSync(join(root, name), name);
    }
    const handler = createFileHandler({ root, fs: await runtimeFileSystem(), listing: true });
    const listing = await get(handler, "/", { headers: { accept: "application/json" } });
    const names: string[] = (await listing.json()).entries.map((e: { name: string }) => e.name);
    assert.deepEqual(names.sort(), ["50%.txt", "plain.txt", "é ü.txt"]);
    // Every listed name's link answers 200 with the file.
    for (const name of names) {
      const response = await get(handler, "/" + encodeURIComponent(name));
      assert.equal(response.status, 200, name);
      assert.equal(await response.text(), name);
    }
    const html = await (await get(handler, "/")).text();
    assert.ok(!html.includes("a\\b.txt") && !html.includes("a%5Cb.txt"), "backslash name listed");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
