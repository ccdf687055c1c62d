// The small-file cache of createFileHandler(), on the running runtime's own
// port: what it keeps, when it lets go, and that no change to the tree is
// ever answered from memory.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileCacheLimits } from "../src/core/file_cache.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

let base: string;
let root: string;
let outside: string;
let port: FileSystem;

const FILES: Record<string, string> = {
  "a.txt": "alpha\n",
  "b.txt": "bravo\n",
  "c.txt": "charlie\n",
  "edit.txt": "version 1\n",
  "grow.txt": "short\n",
  "shrink.txt": "a long first version\n",
  "replace.txt": "replace me\n",
  "gone.txt": "about to go\n",
  "locked.txt": "readable for now\n",
  "index.html": "<p>home</p>\n",
  "sub/inner.txt": "inner\n",
  "moved/inner.txt": "inside the root\n",
  "second/index.htm": "second index name\n",
};

// The files are made once and left alone for longer than the settling
// time, so that they are cacheable by the time the tests run.
before(async () => {
  base = mkdtempSync(join(tmpdir(), "fileserver-cache-"));
  root = join(base, "root");
  outside = join(base, "outside");
  mkdirSync(outside);
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  symlinkSync(join(root, "a.txt"), join(root, "link-to-a.txt"));
  port = await runtimeFileSystem();
  await sleep(SETTLE_MS + 300);
});
after(() => rmSync(base, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A handler whose port counts opens, so that a test can tell a hit. */
function counted(
  options: { cache?: FileCacheLimits | false; symlinks?: "inside" | "always" } = {},
) {
  const opens: string[] = [];
  const fs: FileSystem = {
    ...port,
    open(path, range, options) {
      opens.push(path);
      return port.open(path, range, options);
    },
  };
  const handler = createFileHandler({ root, fs, index: ["index.html", "index.htm"], ...options });
  return { handler, opens };
}

async function fetchText(handler: FileHandler, path: string, init: RequestInit = {}) {
  const response = await handler(new Request(`http://localhost${path}`, init));
  return {
    status: response.status,
    statusText: response.statusText,
    text: await response.text(),
    headers: response.headers,
  };
}

test("createFileHandler() cache answers a settled file's second GET without opening it", async () => {
  const { handler, opens } = counted();
  const first = await fetchText(handler, "/a.txt");
  const second = await fetchText(handler, "/a.txt");
  assert.equal(first.text, FILES["a.txt"]);
  assert.equal(second.text, FILES["a.txt"]);
  assert.equal(second.headers.get("etag"), first.headers.get("etag"));
  assert.equal(second.headers.get("content-length"), String(FILES["a.txt"].length));
  assert.equal(second.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(second.statusText, "OK");
  assert.deepEqual(opens, [join(root, "a.txt")]);
});

test("createFileHandler() cache answers HEAD and a matching If-None-Match from memory", async () => {
  const { handler, opens } = counted();
  const first = await fetchText(handler, "/b.txt");
  const head = await fetchText(handler, "/b.txt", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.text, "");
  assert.equal(head.headers.get("content-length"), String(FILES["b.txt"].length));
  const etag = first.headers.get("etag")!;
  const revalidated = await fetchText(handler, "/b.txt", { headers: { "if-none-match": etag } });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.statusText, "Not Modified");
  assert.equal(revalidated.headers.get("etag"), etag);
  assert.equal(revalidated.headers.get("content-length"), null);
  const other = await fetchText(handler, "/b.txt", { headers: { "if-none-match": '"x"' } });
  assert.equal(other.status, 200);
  assert.equal(opens.length, 1);
});

test("createFileHandler() cache leaves Range and If-Match to the full path, which still answers them", async () => {
  const { handler, opens } = counted();
  await fetchText(handler, "/c.txt");
  const partial = await fetchText(handler, "/c.txt", { headers: { range: "bytes=0-3" } });
  assert.equal(partial.status, 206);
  assert.equal(partial.text, "char");
  const failed = await fetchText(handler, "/c.txt", { headers: { "if-match": '"nope"' } });
  assert.equal(failed.status, 412);
  assert.equal(opens.length, 2);
});

test("createFileHandler() cache serves an in-place edit of the same size at once", async () => {
  const { handler } = counted();
  assert.equal((await fetchText(handler, "/edit.txt")).text, "version 1\n");
  assert.equal((await fetchText(handler, "/edit.txt")).text, "version 1\n");
  writeFileSync(join(root, "edit.txt"), "version 2\n");
  assert.equal((await fetchText(handler, "/edit.txt")).text, "version 2\n");
});

test("createFileHandler() cache serves a grown and a truncated file whole at once", async () => {
  const { handler } = counted();
  await fetchText(handler, "/grow.txt");
  await fetchText(handler, "/shrink.txt");
  appendFileSync(join(root, "grow.txt"), "and longer\n");
  truncateSync(join(root, "shrink.txt"), 7);
  const grown = await fetchText(handler, "/grow.txt");
  assert.equal(grown.text, "short\nand longer\n");
  assert.equal(grown.headers.get("content-length"), String(grown.text.length));
  const shrunk = await fetchText(handler, "/shrink.txt");
  assert.equal(shrunk.text, "a long ");
  assert.equal(shrunk.headers.get("content-length"), "7");
});

test("createFileHandler() cache serves a file renamed over the cached one at once", async () => {
  const { handler } = counted();
  await fetchText(handler, "/replace.txt");
  writeFileSync(join(root, "replace.new"), "replaced!!\n");
  renameSync(join(root, "replace.new"), join(root, "replace.txt"));
  assert.equal((await fetchText(handler, "/replace.txt")).text, "replaced!!\n");
});

test("createFileHandler() cache answers 404 once a cached file is deleted", async () => {
  const { handler } = counted();
  assert.equal((await fetchText(handler, "/gone.txt")).status, 200);
  unlinkSync(join(root, "gone.txt"));
  assert.equal((await fetchText(handler, "/gone.txt")).status, 404);
});

test("createFileHandler() cache answers 403 once a cached file loses its permissions", async () => {
  const { handler } = counted();
  assert.equal((await fetchText(handler, "/locked.txt")).status, 200);
  chmodSync(join(root, "locked.txt"), 0o000);
  try {
    // As root the open still succeeds; what matters is that the cached copy
    // is not used: the change of mode moved ctime, so the file is read
    // again, with the answer the permissions give.
    const { handler: probe, opens } = counted();
    const status = (await fetchText(probe, "/locked.txt")).status;
    const again = (await fetchText(handler, "/locked.txt")).status;
    assert.equal(again, status);
    assert.equal(opens.length, 1);
  } finally {
    chmodSync(join(root, "locked.txt"), 0o644);
  }
});

test("createFileHandler() cache never serves a file after its folder is swapped for a link out of the root", async () => {
  const { handler } = counted();
  assert.equal((await fetchText(handler, "/moved/inner.txt")).text, "inside the root\n");
  // The very same file (same inode, same times) now lies outside the root,
  // reached through a link: only the lstat of the folder can tell.
  renameSync(join(root, "moved"), join(outside, "moved"));
  symlinkSync(join(outside, "moved"), join(root, "moved"));
  assert.equal((await fetchText(handler, "/moved/inner.txt")).status, 404);
});

test("createFileHandler() cache does not keep a path through a link under the inside policy", async () => {
  const { handler, opens } = counted();
  assert.equal((await fetchText(handler, "/link-to-a.txt")).text, FILES["a.txt"]);
  assert.equal((await fetchText(handler, "/link-to-a.txt")).text, FILES["a.txt"]);
  assert.equal(opens.length, 2);
});

test("createFileHandler() cache keeps a path through a link when every link is followed", async () => {
  const { handler, opens } = counted({ symlinks: "always" });
  await fetchText(handler, "/link-to-a.txt");
  await fetchText(handler, "/link-to-a.txt");
  assert.equal(opens.length, 1);
});

test("createFileHandler() cache keeps a folder's first index file, not a later one", async () => {
  const { handler, opens } = counted();
  assert.equal((await fetchText(handler, "/")).text, FILES["index.html"]);
  assert.equal((await fetchText(handler, "/")).text, FILES["index.html"]);
  assert.equal(opens.length, 1);
  assert.equal((await fetchText(handler, "/second/")).text, FILES["second/index.htm"]);
  assert.equal((await fetchText(handler, "/second/")).text, FILES["second/index.htm"]);
  assert.equal(opens.length, 3);
});

test("createFileHandler() cache waits for a file to settle before keeping it", async () => {
  const { handler, opens } = counted();
  writeFileSync(join(root, "fresh.txt"), "just written\n");
  assert.equal((await fetchText(handler, "/fresh.txt")).text, "just written\n");
  assert.equal((await fetchText(handler, "/fresh.txt")).text, "just written\n");
  assert.equal(opens.length, 2);
});

test("createFileHandler() cache: false opens the file for every request", async () => {
  const { handler, opens } = counted({ cache: false });
  await fetchText(handler, "/sub/inner.txt");
  await fetchText(handler, "/sub/inner.txt");
  assert.equal(opens.length, 2);
});

test("createFileHandler() cache holds at most maxFiles files, dropping the least recently used", async () => {
  const { handler, opens } = counted({ cache: { maxFiles: 2 } });
  for (const path of ["/a.txt", "/b.txt", "/a.txt", "/c.txt", "/a.txt", "/b.txt"]) {
    await fetchText(handler, path);
  }
  // a and b fill it; a is used again; c evicts b (a had its second
  // chance); a is still there; b must be read again.
  assert.deepEqual(opens.map((path) => path.slice(root.length)), [
    "/a.txt",
    "/b.txt",
    "/c.txt",
    "/b.txt",
  ]);
});

test("createFileHandler() cache holds at most maxBytes, counting each file twice", async () => {
  const size = FILES["c.txt"].length;
  const { handler, opens } = counted({ cache: { maxBytes: 2 * size } });
  await fetchText(handler, "/c.txt");
  await fetchText(handler, "/c.txt");
  await fetchText(handler, "/a.txt");
  await fetchText(handler, "/c.txt");
  assert.equal(opens.length, 3);
  const { handler: tiny, opens: tinyOpens } = counted({ cache: { maxBytes: 2 * size - 1 } });
  await fetchText(tiny, "/c.txt");
  await fetchText(tiny, "/c.txt");
  assert.equal(tinyOpens.length, 2);
});

test("createFileHandler() rejects a malformed cache option", () => {
  const fs = port;
  assert.throws(() => createFileHandler({ root, fs, cache: "yes" as never }), TypeError);
  assert.throws(
    () => createFileHandler({ root, fs, cache: { maxBytes: "1" as never } }),
    TypeError,
  );
  assert.throws(() => createFileHandler({ root, fs, cache: { maxBytes: 0 } }), RangeError);
  assert.throws(() => createFileHandler({ root, fs, cache: { maxFiles: 1.5 } }), RangeError);
});

test("createFileHandler() cache gives each request its own body: cancelling one settles at once", async () => {
  const { handler } = counted();
  await fetchText(handler, "/a.txt");
  const cancelled = await handler(new Request("http://localhost/a.txt"));
  // A body shared through a tee would wait here for its twin, forever.
  const settled = await Promise.race([
    cancelled.body!.cancel().then(() => "settled"),
    sleep(2000).then(() => "still waiting"),
  ]);
  assert.equal(settled, "settled");
  assert.equal((await fetchText(handler, "/a.txt")).text, FILES["a.txt"]);
});
