// Precompressed sidecars in the small-file cache: a coded answer is kept
// like a file, and is never stale: a sidecar that appears, goes, or becomes
// older than its file is seen on the next request.

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { after } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

const base = mkdtempSync(join(tmpdir(), "precompressed-cache-"));
after(() => rmSync(base, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const encode = (text: string) => new TextEncoder().encode(text);
const T = 1_700_000_000;

let port: FileSystem;
before(async () => {
  port = await runtimeFileSystem();
});

/** A fresh folder with `files`, settled for the cache. */
async function site(files: Record<string, Uint8Array>, times: Record<string, number> = {}) {
  const root = mkdtempSync(join(base, "site-"));
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(root, name), bytes);
    utimesSync(join(root, name), times[name] ?? T, times[name] ?? T);
  }
  await sleep(SETTLE_MS + 300);
  const opens: string[] = [];
  const fs: FileSystem = {
    ...port,
    open(path, range, options) {
      opens.push(path.slice(root.length));
      return port.open(path, range, options);
    },
  };
  const handler = createFileHandler({ root, fs, precompressed: true });
  return { root, handler, opens };
}

async function fetchJs(handler: FileHandler, accept: string | null, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (accept !== null) headers.set("accept-encoding", accept);
  const response = await handler(new Request("http://localhost/app.js", { ...init, headers }));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const coding = response.headers.get("content-encoding");
  const text = new TextDecoder().decode(
    coding === "br" ? brotliDecompressSync(bytes) : coding === "gzip" ? gunzipSync(bytes) : bytes,
  );
  return { status: response.status, headers: response.headers, coding, text };
}

const APP = "let app = 1;\n".repeat(300);

test("createFileHandler({ precompressed }) answers a coded request again from the cache", async () => {
  const { handler, opens } = await site({
    "app.js": encode(APP),
    "app.js.br": brotliCompressSync(encode(APP)),
  }, { "app.js.br": T + 1 });
  for (let i = 0; i < 3; i++) {
    const coded = await fetchJs(handler, "gzip, deflate, br, zstd");
    assert.equal(coded.coding, "br");
    assert.equal(coded.text, APP);
    assert.equal(coded.headers.get("vary"), "accept-encoding");
    const plain = await fetchJs(handler, null);
    assert.equal(plain.coding, null);
    assert.equal(plain.text, APP);
  }
  assert.deepEqual(opens.sort(), ["/app.js", "/app.js.br"], "each read once");
  const chrome = "gzip, deflate, br, zstd";
  const etag = (await fetchJs(handler, chrome)).headers.get("etag")!;
  const notModified = await fetchJs(handler, chrome, { headers: { "if-none-match": etag } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get("vary"), "accept-encoding");
  assert.equal(opens.length, 2);
});

test("createFileHandler({ precompressed }) uses a sidecar that appears after the cache took the file", async () => {
  const { root, handler } = await site({
    "app.js": encode(APP),
    "app.js.gz": gzipSync(encode(APP)),
  }, { "app.js.gz": T + 1 });
  for (let i = 0; i < 2; i++) assert.equal((await fetchJs(handler, "br, gzip")).coding, "gzip");
  writeFileSync(join(root, "app.js.br"), brotliCompressSync(encode(APP)));
  const after = await fetchJs(handler, "br, gzip");
  assert.equal(after.coding, "br");
  assert.equal(after.text, APP);
});

test("createFileHandler({ precompressed }) stops sending a cached sidecar once it is removed", async () => {
  const { root, handler } = await site({
    "app.js": encode(APP),
    "app.js.br": brotliCompressSync(encode(APP)),
  }, { "app.js.br": T + 1 });
  for (let i = 0; i < 2; i++) assert.equal((await fetchJs(handler, "br")).coding, "br");
  unlinkSync(join(root, "app.js.br"));
  const after = await fetchJs(handler, "br");
  assert.equal(after.coding, null);
  assert.equal(after.text, APP);
});

test("createFileHandler({ precompressed }) never sends a cached sidecar older than a new file", async () => {
  const { root, handler } = await site({
    "app.js": encode(APP),
    "app.js.br": brotliCompressSync(encode(APP)),
  }, { "app.js.br": T + 1 });
  for (let i = 0; i < 2; i++) assert.equal((await fetchJs(handler, "br")).text, APP);
  // Rewritten in place, as an editor or a build that skips the sidecar does.
  const NEW = "let app = 2;\n".repeat(300);
  writeFileSync(join(root, "app.js"), NEW);
  const after = await fetchJs(handler, "br");
  assert.equal(after.coding, null);
  assert.equal(after.text, NEW);
});
