// Precompressed sidecars through the core, with the running runtime's
// file-system port: a Vite-like dist/ whose .br, .zst and .gz files are
// written here with node:zlib, and every coded body decoded and compared
// with the original.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import * as zlib from "node:zlib";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

const base = mkdtempSync(join(tmpdir(), "precompressed-"));
const root = join(base, "dist");
after(() => rmSync(base, { recursive: true, force: true }));

const T = 1_700_000_000;
const APP = new TextEncoder().encode("export const answer = 42;\n".repeat(400));
const HTML = new TextEncoder().encode("<!doctype html><title>app</title>" + " ".repeat(3000));
// zstd is in node:zlib from Node 22.15 and Bun 1.2; Deno 2.9 may lack it.
const zstd = (zlib as { zstdCompressSync?: (b: Uint8Array) => Uint8Array }).zstdCompressSync;
const unzstd = (zlib as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array })
  .zstdDecompressSync;

function write(path: string, bytes: Uint8Array, time = T): void {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, bytes);
  utimesSync(full, time, time);
}

write("assets/index-BxT3k9Qa.js", APP);
write("assets/index-BxT3k9Qa.js.br", brotliCompressSync(APP), T + 1);
write("assets/index-BxT3k9Qa.js.gz", gzipSync(APP), T + 1);
if (zstd !== undefined) write("assets/index-BxT3k9Qa.js.zst", zstd(APP), T + 1);
write("index.html", HTML);
write("index.html.gz", gzipSync(HTML));
// A sidecar older than its file: left from an earlier build.
write("stale.js", APP, T + 100);
write("stale.js.br", brotliCompressSync(new TextEncoder().encode("old")), T);
write("plain.css", new TextEncoder().encode("body{}\n"));
// Sidecars that must not be used: a folder, and a link leading outside.
write("dir.js", APP);
mkdirSync(join(root, "dir.js.br"));
writeFileSync(join(base, "outside.br"), brotliCompressSync(new TextEncoder().encode("secret")));
write("linked.js", APP);
symlinkSync(join(base, "outside.br"), join(root, "linked.js.br"));
write(".hidden.js", APP);
write(".hidden.js.br", brotliCompressSync(APP), T + 1);

const fs = await runtimeFileSystem();

function handlerWith(options: Partial<FileHandlerOptions> = {}): FileHandler {
  return createFileHandler({ root, fs, precompressed: true, cache: false, ...options });
}

const handler = handlerWith();

async function fetchWith(
  path: string,
  headers: Record<string, string> = {},
  init: { method?: string; handler?: FileHandler } = {},
) {
  const response = await (init.handler ?? handler)(
    new Request(`http://localhost${path}`, { method: init.method ?? "GET", headers }),
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes };
}

function decode(coding: string | null, bytes: Uint8Array): Uint8Array {
  if (coding === "br") return new Uint8Array(brotliDecompressSync(bytes));
  if (coding === "gzip") return new Uint8Array(gunzipSync(bytes));
  if (coding === "zstd") return new Uint8Array(unzstd!(bytes));
  assert.equal(coding, null);
  return bytes;
}

const JS = "/assets/index-BxT3k9Qa.js";

test("createFileHandler({ precompressed }) sends the best sidecar, decoding to the file", async () => {
  for (
    const [accept, coding] of [
      ["gzip, deflate, br, zstd", "br"],
      ["gzip, deflate", "gzip"],
      ["br;q=0.5, gzip;q=0.8", "gzip"],
      ["zstd", zstd === undefined ? null : "zstd"],
      ["identity", null],
      ["*", "br"],
      ["BR", "br"],
      ["compress, unknown", null],
    ] as const
  ) {
    const { status, headers, bytes } = await fetchWith(JS, { "accept-encoding": accept });
    assert.equal(status, 200, accept);
    assert.equal(headers.get("content-encoding"), coding, accept);
    assert.equal(headers.get("content-type"), "text/javascript; charset=utf-8", accept);
    assert.equal(headers.get("vary"), "accept-encoding", accept);
    assert.equal(headers.get("content-length"), String(bytes.byteLength), accept);
    assert.deepEqual(decode(coding, bytes), APP, accept);
  }
});

test("createFileHandler({ precompressed }) sends the file itself without Accept-Encoding, with Vary", async () => {
  const { headers, bytes } = await fetchWith(JS);
  assert.equal(headers.get("content-encoding"), null);
  assert.equal(headers.get("vary"), "accept-encoding");
  assert.deepEqual(bytes, APP);
});

test("createFileHandler({ precompressed }) gives each coding its own strong ETag and 304", async () => {
  const tags = new Set<string>();
  for (const accept of ["br", "gzip", "identity"]) {
    const first = await fetchWith(JS, { "accept-encoding": accept });
    const etag = first.headers.get("etag")!;
    assert.match(etag, /^"[^"]+"$/);
    tags.add(etag);
    const again = await fetchWith(JS, { "accept-encoding": accept, "if-none-match": etag });
    assert.equal(again.status, 304, accept);
    assert.equal(again.headers.get("vary"), "accept-encoding");
    assert.equal(again.headers.get("etag"), etag);
    // Another coding's tag does not match this one.
    const other = accept === "br" ? "gzip" : "br";
    const crossed = await fetchWith(JS, { "accept-encoding": other, "if-none-match": etag });
    assert.equal(crossed.status, 200, `${other} with ${accept}'s tag`);
  }
  assert.equal(tags.size, 3);
});

test("createFileHandler({ precompressed }) applies Range and If-Range to the coded bytes", async () => {
  const whole = await fetchWith(JS, { "accept-encoding": "br" });
  const part = await fetchWith(JS, { "accept-encoding": "br", range: "bytes=5-14" });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-encoding"), "br");
  assert.equal(part.headers.get("content-range"), `bytes 5-14/${whole.bytes.byteLength}`);
  assert.deepEqual(part.bytes, whole.bytes.subarray(5, 15));
  const etag = whole.headers.get("etag")!;
  const resumed = await fetchWith(JS, {
    "accept-encoding": "br",
    range: "bytes=5-",
    "if-range": etag,
  });
  assert.equal(resumed.status, 206);
  const gzipTagged = await fetchWith(JS, { "accept-encoding": "gzip" });
  const mismatched = await fetchWith(JS, {
    "accept-encoding": "br",
    range: "bytes=5-",
    "if-range": gzipTagged.headers.get("etag")!,
  });
  assert.equal(mismatched.status, 200, "another coding's tag does not validate the range");
});

test("createFileHandler({ precompressed }) answers HEAD with GET's fields and no body", async () => {
  const get = await fetchWith(JS, { "accept-encoding": "gzip" });
  const head = await fetchWith(JS, { "accept-encoding": "gzip" }, { method: "HEAD" });
  assert.equal(head.bytes.byteLength, 0);
  for (const name of ["content-encoding", "content-length", "etag", "vary", "content-type"]) {
    assert.equal(head.headers.get(name), get.headers.get(name), name);
  }
});

test("createFileHandler({ precompressed }) answers 406 only when nothing is acceptable", async () => {
  const refused = await fetchWith("/plain.css", { "accept-encoding": "br, identity;q=0" });
  assert.equal(refused.status, 406);
  assert.equal(refused.headers.get("vary"), "accept-encoding");
  const coded = await fetchWith(JS, { "accept-encoding": "br, identity;q=0" });
  assert.equal(coded.status, 200);
  assert.equal(coded.headers.get("content-encoding"), "br");
  const none = await fetchWith(JS, { "accept-encoding": "*;q=0" });
  assert.equal(none.status, 406);
});

test("createFileHandler({ precompressed }) never uses a sidecar older than its file", async () => {
  const { headers, bytes } = await fetchWith("/stale.js", { "accept-encoding": "br" });
  assert.equal(headers.get("content-encoding"), null);
  assert.deepEqual(bytes, APP);
});

test("createFileHandler({ precompressed }) serves a folder URL's index through its sidecar", async () => {
  const { headers, bytes } = await fetchWith("/", { "accept-encoding": "gzip, br" });
  assert.equal(headers.get("content-encoding"), "gzip");
  assert.equal(headers.get("content-type"), "text/html; charset=utf-8");
  assert.deepEqual(decode("gzip", bytes), HTML);
});

test("createFileHandler({ precompressed }) serves a sidecar asked for by name as a plain file", async () => {
  const { headers, bytes } = await fetchWith(`${JS}.br`, { "accept-encoding": "br" });
  assert.equal(headers.get("content-encoding"), null);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(bytes)), APP);
});

test("createFileHandler({ precompressed }) skips a sidecar that is a folder or a link out of the root", async () => {
  for (const path of ["/dir.js", "/linked.js"]) {
    const { status, headers, bytes } = await fetchWith(path, { "accept-encoding": "br" });
    assert.equal(status, 200, path);
    assert.equal(headers.get("content-encoding"), null, path);
    assert.deepEqual(bytes, APP, path);
  }
});

test("createFileHandler({ precompressed }) keeps the dotfile rules for a file and its sidecars", async () => {
  const { status } = await fetchWith("/.hidden.js", { "accept-encoding": "br" });
  assert.equal(status, 404);
});

test("createFileHandler({ precompressed: [list] }) uses only the codings listed, in that order", async () => {
  const gzipFirst = handlerWith({ precompressed: ["gzip", "br"] });
  const chrome = await fetchWith(JS, { "accept-encoding": "gzip, deflate, br, zstd" }, {
    handler: gzipFirst,
  });
  assert.equal(chrome.headers.get("content-encoding"), "gzip");
  const brOnly = handlerWith({ precompressed: ["br"] });
  const gzip = await fetchWith(JS, { "accept-encoding": "gzip" }, { handler: brOnly });
  assert.equal(gzip.headers.get("content-encoding"), null);
});

test("createFileHandler() without precompressed ignores sidecars and sends no Vary", async () => {
  const plain = handlerWith({ precompressed: false });
  const { headers, bytes } = await fetchWith(JS, { "accept-encoding": "br" }, { handler: plain });
  assert.equal(headers.get("content-encoding"), null);
  assert.equal(headers.get("vary"), null);
  assert.deepEqual(bytes, APP);
});

test("createFileHandler({ precompressed }) with the cache: coded requests bypass it, Vary stays", async () => {
  const cached = handlerWith({ cache: {} });
  // The cache takes a file once it has been still for 2 s: these are older.
  for (let i = 0; i < 3; i++) {
    const identity = await fetchWith(JS, {}, { handler: cached });
    assert.deepEqual(identity.bytes, APP);
    assert.equal(identity.headers.get("vary"), "accept-encoding");
    const br = await fetchWith(JS, { "accept-encoding": "br" }, { handler: cached });
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.deepEqual(decode("br", br.bytes), APP);
  }
});

test("createFileHandler() refuses a bad precompressed option with a TypeError", () => {
  for (const bad of ["br", ["deflate"], ["br", "br"], 1, {}]) {
    assert.throws(
      () => createFileHandler({ root, fs, precompressed: bad as never }),
      { name: "TypeError", message: /"precompressed"/ },
      JSON.stringify(bad),
    );
  }
});

test("createFileHandler() refuses a user Content-Encoding header", () => {
  assert.throws(
    () => createFileHandler({ root, fs, headers: { "content-encoding": "gzip" } }),
    TypeError,
  );
});
