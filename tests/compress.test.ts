// Compression on the fly through the core, with the running runtime's
// file-system port and zlib: every coded body is decoded and compared with
// the file, and each file version is compressed once.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import type { Compressor } from "../src/core/compression.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { zlibCompressor } from "../src/fs/zlib_compressor.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

const root = mkdtempSync(join(tmpdir(), "compress-"));
after(() => rmSync(root, { recursive: true, force: true }));
const T = 1_700_000_000;
const encode = (text: string) => new TextEncoder().encode(text);
const JS = encode("export function add(a, b) { return a + b; }\n".repeat(200));
const SVG = encode(`<svg xmlns="http://www.w3.org/2000/svg">${"<g/>".repeat(500)}</svg>`);
const PNG = new Uint8Array(4000).fill(0x89);
const TINY = encode("body{}\n");
const BIG = encode("x".repeat(100_000));

function write(name: string, bytes: Uint8Array): void {
  writeFileSync(join(root, name), bytes);
  utimesSync(join(root, name), T, T);
}
write("app.js", JS);
write("logo.svg", SVG);
write("photo.png", PNG);
write("tiny.css", TINY);
write("big.txt", BIG);
write("sidecar.js", JS);
write("sidecar.js.gz", zlib.gzipSync(JS));

const fs = await runtimeFileSystem();

/** A compressor that counts its calls. */
function counting(): Compressor & { calls: string[] } {
  const inner = zlibCompressor();
  const calls: string[] = [];
  return {
    codings: inner.codings,
    calls,
    compress(bytes, coding) {
      calls.push(coding);
      return inner.compress(bytes, coding);
    },
  };
}

function handlerWith(options: Partial<FileHandlerOptions> = {}): FileHandler {
  return createFileHandler({ root, fs, compress: zlibCompressor(), cache: false, ...options });
}

async function fetchWith(
  handler: FileHandler,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
) {
  const response = await handler(new Request(`http://localhost${path}`, { method, headers }));
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes };
}

function decode(coding: string | null, bytes: Uint8Array): Uint8Array {
  if (coding === "br") return new Uint8Array(zlib.brotliDecompressSync(bytes));
  if (coding === "gzip") return new Uint8Array(zlib.gunzipSync(bytes));
  if (coding === "zstd") {
    const unzstd = (zlib as unknown as { zstdDecompressSync: (b: Uint8Array) => Uint8Array })
      .zstdDecompressSync;
    return new Uint8Array(unzstd(bytes));
  }
  assert.equal(coding, null);
  return bytes;
}

const CHROME = "gzip, deflate, br, zstd";

test("zlibCompressor() offers br, zstd and gzip on this runtime", () => {
  assert.deepEqual(zlibCompressor().codings, ["br", "zstd", "gzip"]);
});

test("createFileHandler({ compress }) compresses text with the coding the client prefers", async () => {
  const handler = handlerWith();
  for (
    const [accept, coding] of [
      [CHROME, "br"],
      ["gzip", "gzip"],
      ["zstd", "zstd"],
      ["br;q=0.5, gzip;q=0.9", "gzip"],
    ] as const
  ) {
    for (const [path, original] of [["/app.js", JS], ["/logo.svg", SVG]] as const) {
      const { status, headers, bytes } = await fetchWith(handler, path, {
        "accept-encoding": accept,
      });
      assert.equal(status, 200);
      assert.equal(headers.get("content-encoding"), coding, `${path} ${accept}`);
      assert.equal(headers.get("vary"), "accept-encoding");
      assert.equal(headers.get("content-length"), String(bytes.byteLength));
      assert.ok(bytes.byteLength < original.byteLength);
      assert.deepEqual(decode(coding, bytes), original, `${path} ${accept}`);
    }
  }
});

test("createFileHandler({ compress }) leaves alone what does not pay or is not asked for", async () => {
  const handler = handlerWith();
  for (
    const [path, headers, original] of [
      ["/photo.png", { "accept-encoding": CHROME }, PNG],
      ["/tiny.css", { "accept-encoding": CHROME }, TINY],
      ["/app.js", {}, JS],
      ["/app.js", { "accept-encoding": "identity" }, JS],
    ] as const
  ) {
    const response = await fetchWith(handler, path, headers);
    assert.equal(response.headers.get("content-encoding"), null, path);
    assert.deepEqual(response.bytes, original, path);
  }
});

test("createFileHandler({ compress }) compresses a file over 64 KiB as a stream", async () => {
  const handler = handlerWith();
  for (const coding of ["br", "zstd", "gzip"]) {
    const { status, headers, bytes } = await fetchWith(handler, "/big.txt", {
      "accept-encoding": coding,
    });
    assert.equal(status, 200);
    assert.equal(headers.get("content-encoding"), coding);
    assert.equal(headers.get("content-length"), null, "no length ahead");
    assert.equal(headers.get("accept-ranges"), "none");
    assert.match(headers.get("etag")!, /^W\//);
    assert.deepEqual(decode(coding, bytes), BIG, coding);
  }
  const head = await fetchWith(handler, "/big.txt", { "accept-encoding": "br" }, "HEAD");
  assert.equal(head.bytes.byteLength, 0);
  assert.equal(head.headers.get("content-encoding"), "br");
  const part = await fetchWith(handler, "/big.txt", {
    "accept-encoding": "br",
    range: "bytes=10-19",
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-encoding"), null);
  assert.deepEqual(part.bytes, BIG.subarray(10, 20));
});

test("createFileHandler({ compress }) sends a large file as it is when the compressor cannot stream", async () => {
  const { compress, codings } = zlibCompressor();
  const handler = handlerWith({ compress: { compress, codings } });
  const { headers, bytes } = await fetchWith(handler, "/big.txt", { "accept-encoding": "br" });
  assert.equal(headers.get("content-encoding"), null);
  assert.deepEqual(bytes, BIG);
});

test("createFileHandler({ compress }) answers a Range with the file's own bytes", async () => {
  const handler = handlerWith();
  const part = await fetchWith(handler, "/app.js", {
    "accept-encoding": CHROME,
    range: "bytes=0-9",
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-encoding"), null);
  assert.deepEqual(part.bytes, JS.subarray(0, 10));
});

test("createFileHandler({ compress }) gives the coded answer its own ETag, 304 and HEAD", async () => {
  const handler = handlerWith();
  const br = await fetchWith(handler, "/app.js", { "accept-encoding": "br" });
  const plain = await fetchWith(handler, "/app.js");
  const etag = br.headers.get("etag")!;
  assert.notEqual(etag, plain.headers.get("etag"));
  // Made on the fly, by a compressor whose output may change with its version.
  assert.match(etag, /^W\/"/);
  const again = await fetchWith(handler, "/app.js", {
    "accept-encoding": "br",
    "if-none-match": etag,
  });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("vary"), "accept-encoding");
  const head = await fetchWith(handler, "/app.js", { "accept-encoding": "br" }, "HEAD");
  assert.equal(head.bytes.byteLength, 0);
  assert.equal(head.headers.get("content-length"), br.headers.get("content-length"));
  assert.equal(head.headers.get("content-encoding"), "br");
});

test("createFileHandler({ compress, precompressed }) prefers a sidecar, else compresses", async () => {
  const handler = handlerWith({ precompressed: true });
  const gz = await fetchWith(handler, "/sidecar.js", { "accept-encoding": "gzip" });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.deepEqual(decode("gzip", gz.bytes), JS);
  // No .br sidecar: br is made on the fly.
  const br = await fetchWith(handler, "/sidecar.js", { "accept-encoding": "br" });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.deepEqual(decode("br", br.bytes), JS);
  // identity refused, no sidecar, but a coding can be made: no 406.
  const made = await fetchWith(handler, "/app.js", { "accept-encoding": "br, identity;q=0" });
  assert.equal(made.status, 200);
  assert.equal(made.headers.get("content-encoding"), "br");
});

test("createFileHandler({ compress }) compresses each file version once, through the cache", async () => {
  const dir = mkdtempSync(join(root, "cached-"));
  writeFileSync(join(dir, "app.js"), JS);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
  const compressor = counting();
  const handler = createFileHandler({ root: dir, fs, compress: compressor });
  for (let i = 0; i < 4; i++) {
    const { headers, bytes } = await fetchWith(handler, "/app.js", { "accept-encoding": CHROME });
    assert.deepEqual(decode(headers.get("content-encoding"), bytes), JS);
  }
  assert.deepEqual(compressor.calls, ["br"]);
  const NEW = encode("export const changed = true;\n".repeat(100));
  writeFileSync(join(dir, "app.js"), NEW);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const after = await fetchWith(handler, "/app.js", { "accept-encoding": CHROME });
  assert.deepEqual(decode(after.headers.get("content-encoding"), after.bytes), NEW);
  assert.deepEqual(compressor.calls, ["br", "br"]);
});

test("createFileHandler() refuses a compress option that is not a compressor", () => {
  for (const bad of [true, "br", {}, { codings: ["br"] }, { codings: ["lzma"], compress() {} }]) {
    assert.throws(
      () => createFileHandler({ root, fs, compress: bad as never }),
      { name: "TypeError", message: /"compress"/ },
      JSON.stringify(bad),
    );
  }
});

test("serve({ compress: true }) sends small and large compressed files through the runtime's server", async () => {
  const { runtimeServe } = await import("./_helpers/adapter.ts");
  const { get } = await import("node:http");
  const serve = await runtimeServe();
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal, compress: true });
  try {
    for (const [path, original] of [["/app.js", JS], ["/big.txt", BIG]] as const) {
      const raw = await new Promise<{ headers: Record<string, unknown>; body: Uint8Array }>(
        (resolve, reject) => {
          get(new URL(path, server.url), { headers: { "accept-encoding": "br" } }, (res) => {
            const chunks: Uint8Array[] = [];
            res.on("data", (chunk) => chunks.push(chunk));
            res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", reject);
          }).on("error", reject);
        },
      );
      assert.equal(raw.headers["content-encoding"], "br", path);
      assert.deepEqual(decode("br", raw.body), original, path);
    }
  } finally {
    controller.abort();
    await server.finished;
  }
});
