// createFileHandler()'s cacheControl on the running runtime's own port: the
// same Cache-Control on 200, 206, HEAD and 304, from the full path and from
// the small-file cache; listings revalidated; errors without it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { brotliCompressSync } from "node:zlib";
import { join } from "node:path";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { CACHE_PRESET } from "../src/core/cache_policy.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

let root: string;
let port: FileSystem;

// A Vite-style build: a shell, hashed assets, a public/ file, a folder
// without an index (for the listing).
const FILES: Record<string, string> = {
  "index.html": '<!doctype html><script src="/assets/index-BxT3k9Qa.js"></script>\n',
  "assets/index-BxT3k9Qa.js": "console.log('app');\n".repeat(20),
  "assets/index-D4kRz9aQ.css": "body { color: red }\n",
  "robots.txt": "User-agent: *\n",
  "downloads/tool.zip": "PK\u0003\u0004 not really\n",
  "docs/a.txt": "a\n",
};

before(async () => {
  root = mkdtempSync(join(tmpdir(), "fileserver-cachecontrol-"));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  // A sidecar, as a build writes it: the policy must see the original.
  const js = "assets/index-BxT3k9Qa.js";
  writeFileSync(join(root, js + ".br"), brotliCompressSync(FILES[js]));
  writeFileSync(join(root, "robots.txt.br"), brotliCompressSync(FILES["robots.txt"]));
  port = await runtimeFileSystem();
  // Settled, so that the second answer for each file comes from the cache.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
});
after(() => rmSync(root, { recursive: true, force: true }));

function make(options: Partial<FileHandlerOptions> = {}) {
  const opens: string[] = [];
  const fs: FileSystem = {
    ...port,
    open(path, range, openOptions) {
      opens.push(path);
      return port.open(path, range, openOptions);
    },
  };
  const handler = createFileHandler({ root, fs, listing: true, cacheControl: true, ...options });
  return { handler, opens };
}

async function get(handler: FileHandler, path: string, headers: Record<string, string> = {}) {
  const method = headers.method ?? "GET";
  delete headers.method;
  const response = await handler(new Request(`http://localhost${path}`, { method, headers }));
  await response.body?.cancel();
  return response;
}

/** Every kind of answer for `path`, first from the full path, then from the cache. */
async function allAnswers(handler: FileHandler, path: string): Promise<Response[]> {
  const first = await get(handler, path);
  const etag = first.headers.get("etag")!;
  const fresh = [
    first,
    await get(handler, path, { method: "HEAD", range: "bytes=0-3" }),
    await get(handler, path, { range: "bytes=0-3" }),
    await get(handler, path, { range: "bytes=0-1,3-4" }),
    await get(handler, path, { "if-none-match": etag, range: "bytes=0-1" }),
  ];
  const cached = [
    await get(handler, path),
    await get(handler, path, { method: "HEAD" }),
    await get(handler, path, { "if-none-match": etag }),
    await get(handler, path, { method: "HEAD", "if-none-match": etag }),
  ];
  return [...fresh, ...cached];
}

for (
  const [path, expected] of [
    ["/assets/index-BxT3k9Qa.js", CACHE_PRESET.fingerprinted],
    ["/assets/index-D4kRz9aQ.css", CACHE_PRESET.fingerprinted],
    ["/index.html", CACHE_PRESET.html],
    ["/", CACHE_PRESET.html],
    ["/robots.txt", CACHE_PRESET.other],
  ] as const
) {
  test(`createFileHandler() cacheControl puts ${JSON.stringify(expected)} on every answer for ${path}`, async () => {
    const { handler, opens } = make();
    const answers = await allAnswers(handler, path);
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 206, 206, 206, 304, 200, 200, 304, 304],
    );
    for (const [i, response] of answers.entries()) {
      assert.equal(response.headers.get("cache-control"), expected, `answer ${i}`);
    }
    // The last four came from the cache: only the GET, two ranges and the
    // multipart ranges opened the file.
    assert.equal(opens.length, 3, opens.join(", "));
  });
}

test("createFileHandler() cacheControl's 304 on the full path carries the value (RFC 9110 §15.4.5)", async () => {
  const etag = (await get(make().handler, "/assets/index-BxT3k9Qa.js")).headers.get("etag")!;
  // A new handler: nothing cached, so the 304 comes from fileResponse().
  const { handler, opens } = make();
  const response = await get(handler, "/assets/index-BxT3k9Qa.js", { "if-none-match": etag });
  assert.equal(response.status, 304);
  assert.equal(response.headers.get("cache-control"), CACHE_PRESET.fingerprinted);
  assert.deepEqual(opens, []);
});

test("createFileHandler() cacheControl rules win over the preset, first match first", async () => {
  const { handler } = make({
    cacheControl: {
      rules: [["downloads/**", "no-store"], ["assets/*.css", "public, max-age=60"]],
    },
  });
  assert.equal(
    (await get(handler, "/downloads/tool.zip")).headers.get("cache-control"),
    "no-store",
  );
  const css = await get(handler, "/assets/index-D4kRz9aQ.css");
  assert.equal(css.headers.get("cache-control"), "public, max-age=60");
  const js = await get(handler, "/assets/index-BxT3k9Qa.js");
  assert.equal(js.headers.get("cache-control"), CACHE_PRESET.fingerprinted);
});

test("createFileHandler() cacheControl matches globs below urlRoot", async () => {
  const { handler } = make({ urlRoot: "/static", cacheControl: { rules: [["robots.txt", "x"]] } });
  assert.equal((await get(handler, "/static/robots.txt")).headers.get("cache-control"), "x");
});

test("createFileHandler() cacheControl marks listings no-cache and leaves errors without it", async () => {
  const { handler } = make();
  const listing = await get(handler, "/docs/");
  assert.equal(listing.status, 200);
  assert.equal(listing.headers.get("cache-control"), "no-cache");
  for (
    const [path, headers, status] of [
      ["/missing-BxT3k9Qa.js", {}, 404],
      ["/.env", {}, 404],
      ["/robots.txt", { range: "bytes=999-" }, 416],
      ["/robots.txt", { "if-match": '"nope"' }, 412],
      ["/docs", {}, 301],
    ] as const
  ) {
    const response = await get(handler, path, { ...headers });
    assert.equal(response.status, status, path);
    assert.equal(response.headers.get("cache-control"), null, `${status} ${path}`);
  }
});

test("createFileHandler() sends no Cache-Control by default, and the user's own from headers", async () => {
  const plain = createFileHandler({ root, fs: port });
  assert.equal((await get(plain, "/assets/index-BxT3k9Qa.js")).headers.get("cache-control"), null);
  const own = createFileHandler({ root, fs: port, headers: { "cache-control": "max-age=5" } });
  assert.equal((await get(own, "/index.html")).headers.get("cache-control"), "max-age=5");
  assert.throws(
    () =>
      createFileHandler({
        root,
        fs: port,
        cacheControl: true,
        headers: { "cache-control": "max-age=5" },
      }),
    TypeError,
  );
});

test("createFileHandler() cacheControl gives a precompressed answer its original's value", async () => {
  const { handler } = make({
    precompressed: true,
    cacheControl: { rules: [["*.txt", "public, max-age=60"]] },
  });
  const br = { "accept-encoding": "br" };
  for (
    const [path, expected] of [
      ["/assets/index-BxT3k9Qa.js", CACHE_PRESET.fingerprinted],
      ["/robots.txt", "public, max-age=60"],
    ] as const
  ) {
    const first = await get(handler, path, { ...br });
    assert.equal(first.headers.get("content-encoding"), "br", path);
    const etag = first.headers.get("etag")!;
    const answers = [
      first,
      await get(handler, path, { ...br }),
      await get(handler, path, { ...br, method: "HEAD" }),
      await get(handler, path, { ...br, range: "bytes=0-1" }),
      await get(handler, path, { ...br, "if-none-match": etag }),
      await get(handler, path, {}),
    ];
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 206, 304, 200], path);
    for (const [i, response] of answers.entries()) {
      assert.equal(response.headers.get("cache-control"), expected, `${path} answer ${i}`);
    }
  }
});
