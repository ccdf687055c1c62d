// `etag: "content"` (issue 15 §1): validators that agree across replicas
// holding the same bytes under different times, computed once per version.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import type { FileInfo, FileSystem } from "../src/core/fs.ts";
import { contentEtag } from "../src/core/content_tags.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { zlibCompressor } from "../src/fs/zlib_compressor.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";
import { runCli, sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";

const BODY = "same bytes on every replica\n";
// Pinned: SHA-256 of BODY, first 128 bits, base64url. The same on Deno, Bun
// and Node, and on every replica.
const BODY_TAG = '"BzOCntyp8BckRHmEk2kBCg"';
const TIME_A = 1_700_000_000;
const TIME_B = 1_700_000_500;
const TEXT = "let x = 1; // compressible\n".repeat(100);

const base = mkdtempSync(join(tmpdir(), "content-etag-"));
after(() => rmSync(base, { recursive: true, force: true }));
const fs = await runtimeFileSystem();
let roots = 0;

// A folder as a replica would hold it: the same bytes, its own times.
function replica(files: Record<string, string | Uint8Array>, seconds: number): string {
  const root = join(base, `r${roots++}`);
  mkdirSync(root);
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(root, name), bytes);
    utimesSync(join(root, name), seconds, seconds);
  }
  return root;
}

function handler(root: string, options: Partial<FileHandlerOptions> = {}): FileHandler {
  return createFileHandler({ root, fs, etag: "content", ...options });
}

async function fetchFile(
  h: FileHandler,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await h(new Request(`http://localhost${path}`, { headers }));
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function tagOf(bytes: string | Uint8Array): string {
  return contentEtag(new Uint8Array(createHash("sha256").update(bytes).digest()));
}

// The port with each hash() and each open() counted.
function counting(inner: FileSystem): FileSystem & { hashes: number; opens: number } {
  const port = {
    ...inner,
    hashes: 0,
    opens: 0,
    hash(path: string, options?: Parameters<NonNullable<FileSystem["hash"]>>[1]) {
      port.hashes++;
      return inner.hash!(path, options);
    },
    open(...args: Parameters<FileSystem["open"]>) {
      port.opens++;
      return inner.open(...args);
    },
  };
  return port;
}

test("createFileHandler({ etag: \"content\" }) gives two replicas' copies the same pinned ETag, and replica B answers A's If-None-Match with 304", async () => {
  const a = handler(replica({ "f.txt": BODY }, TIME_A));
  const b = handler(replica({ "f.txt": BODY }, TIME_B));
  const fromA = await fetchFile(a, "/f.txt");
  const fromB = await fetchFile(b, "/f.txt");
  assert.equal(fromA.headers.get("etag"), BODY_TAG);
  assert.equal(fromB.headers.get("etag"), BODY_TAG);
  assert.equal(tagOf(BODY), BODY_TAG);
  const revalidated = await fetchFile(b, "/f.txt", { "if-none-match": fromA.headers.get("etag")! });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.headers.get("etag"), BODY_TAG);
});

test('createFileHandler({ etag: "content" }) lets If-None-Match override the replicas\' differing Last-Modified (RFC 9110 §13.2.2)', async () => {
  const a = handler(replica({ "f.txt": BODY }, TIME_A));
  const b = handler(replica({ "f.txt": BODY }, TIME_B));
  const fromA = await fetchFile(a, "/f.txt");
  const fromB = await fetchFile(b, "/f.txt");
  // Each sends its own time: Last-Modified is not made to agree.
  assert.notEqual(fromA.headers.get("last-modified"), fromB.headers.get("last-modified"));
  // A's date is older than B's file: alone, it would mean "modified" (200);
  // with A's matching tag beside it, the tag decides: 304.
  const stored = {
    "if-none-match": fromA.headers.get("etag")!,
    "if-modified-since": fromA.headers.get("last-modified")!,
  };
  assert.equal((await fetchFile(b, "/f.txt", stored)).status, 304);
  assert.equal(
    (await fetchFile(b, "/f.txt", { "if-modified-since": stored["if-modified-since"] })).status,
    200,
  );
  // A tag that does not match is a 200 even with a date that would be 304.
  const future = new Date((TIME_B + 3600) * 1000).toUTCString();
  const other = { "if-none-match": '"other"', "if-modified-since": future };
  assert.equal((await fetchFile(b, "/f.txt", other)).status, 200);
});

test('createFileHandler({ etag: "mtime" }) gives the two replicas different tags, and B answers A\'s with 200', async () => {
  const a = handler(replica({ "f.txt": BODY }, TIME_A), { etag: "mtime" });
  const b = handler(replica({ "f.txt": BODY }, TIME_B), { etag: "mtime" });
  const tagA = (await fetchFile(a, "/f.txt")).headers.get("etag")!;
  const tagB = (await fetchFile(b, "/f.txt")).headers.get("etag")!;
  assert.notEqual(tagA, tagB);
  assert.equal((await fetchFile(b, "/f.txt", { "if-none-match": tagA })).status, 200);
});

test('createFileHandler({ etag: "content" }) gives a file rewritten with the same size and mtime a new tag', async () => {
  const root = replica({ "f.txt": "version one\n" }, TIME_A);
  const h = handler(root);
  const first = (await fetchFile(h, "/f.txt")).headers.get("etag");
  writeFileSync(join(root, "f.txt"), "version two\n");
  utimesSync(join(root, "f.txt"), TIME_A, TIME_A);
  const second = await fetchFile(h, "/f.txt", { "if-none-match": first! });
  assert.equal(second.status, 200);
  assert.equal(second.body, "version two\n");
  assert.equal(second.headers.get("etag"), tagOf("version two\n"));
  assert.notEqual(second.headers.get("etag"), first);
});

test('createFileHandler({ etag: "mtime" }) uses the content tag for mtime 0 (reproducible builds), and sends no Last-Modified of 1970', async () => {
  const root = replica({ "f.txt": "version one\n" }, 0);
  const h = handler(root, { etag: "mtime" });
  const first = await fetchFile(h, "/f.txt");
  assert.equal(first.headers.get("etag"), tagOf("version one\n"));
  assert.equal(first.headers.get("last-modified"), null);
  writeFileSync(join(root, "f.txt"), "version two\n");
  utimesSync(join(root, "f.txt"), 0, 0);
  const second = await fetchFile(h, "/f.txt", { "if-none-match": first.headers.get("etag")! });
  assert.equal(second.status, 200);
  assert.equal(second.headers.get("etag"), tagOf("version two\n"));
  // A date from 1970 must not make any version "not modified".
  const epoch = new Date(1000).toUTCString();
  assert.equal((await fetchFile(h, "/f.txt", { "if-modified-since": epoch })).status, 200);
});

// Versions are kept once they have been still for SETTLE_MS (see
// ContentTags): before that, each request hashes.
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 200));

test('createFileHandler({ etag: "content" }) hashes a small file once per version, from the read that is also the first answer\'s body', async () => {
  const root = replica({ "f.txt": BODY }, TIME_A);
  await settle();
  const port = counting(fs);
  // No small-file cache: every GET opens the file, so the opens count the
  // reads, and a hash read of its own would show as one more.
  const h = handler(root, { fs: port, cache: false });
  const first = await fetchFile(h, "/f.txt");
  assert.equal(first.body, BODY);
  const tag = first.headers.get("etag")!;
  assert.equal(port.opens, 1);
  await fetchFile(h, "/f.txt");
  await h(new Request("http://localhost/f.txt", { method: "HEAD" }));
  assert.equal((await fetchFile(h, "/f.txt", { "if-none-match": tag })).status, 304);
  assert.equal((await fetchFile(h, "/f.txt", { range: "bytes=0-3" })).status, 206);
  // The second GET and the Range read the file; HEAD and 304 do not.
  assert.equal(port.opens, 3);
  writeFileSync(join(root, "f.txt"), BODY.toUpperCase());
  await settle();
  const changed = await fetchFile(h, "/f.txt");
  assert.equal(changed.headers.get("etag"), tagOf(BODY.toUpperCase()));
  await fetchFile(h, "/f.txt");
  assert.equal(port.opens, 5);
  assert.equal(port.hashes, 0);
});

test('createFileHandler({ etag: "content" }) hashes a file over 64 KiB once per version, through the port\'s hash()', async () => {
  const big = new Uint8Array(100 * 1024).fill(7);
  const root = replica({ "big.bin": big }, TIME_A);
  await settle();
  const port = counting(fs);
  const h = handler(root, { fs: port });
  const tag = (await fetchFile(h, "/big.bin")).headers.get("etag")!;
  assert.equal(tag, tagOf(big));
  await fetchFile(h, "/big.bin");
  await h(new Request("http://localhost/big.bin", { method: "HEAD" }));
  assert.equal((await fetchFile(h, "/big.bin", { "if-none-match": tag })).status, 304);
  assert.equal((await fetchFile(h, "/big.bin", { range: "bytes=0-3" })).status, 206);
  assert.equal(port.hashes, 1);
  writeFileSync(join(root, "big.bin"), big.fill(8));
  await settle();
  await fetchFile(h, "/big.bin");
  await fetchFile(h, "/big.bin");
  assert.equal(port.hashes, 2);
});

test('createFileHandler({ etag: "content" }) hashes a 5 MiB file once for 10 concurrent first requests', async () => {
  const big = new Uint8Array(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff;
  const root = replica({ "big.bin": big }, TIME_A);
  await settle();
  const port = counting(fs);
  const h = handler(root, { fs: port });
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => h(new Request("http://localhost/big.bin"))),
  );
  const expected = tagOf(big);
  for (const response of answers) {
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("etag"), expected);
    assert.equal((await response.arrayBuffer()).byteLength, big.length);
  }
  assert.equal(port.hashes, 1);
});

// The write lands after the port read the file and checked it: only the
// core's own check after hashing can see it. A small file is hashed from
// the bytes open() read, a larger one by hash().
for (const [what, size] of [["a small file", 11], ["a 100 KiB file", 100 * 1024]] as const) {
  test(`createFileHandler({ etag: "content" }) never gives ${what} changed while it was hashed the old bytes' tag`, async () => {
    const before = "o".repeat(size - 1) + "\n";
    const now = "n".repeat(size - 1) + "\n";
    const root = replica({ "f.txt": before }, TIME_A);
    const path = join(root, "f.txt");
    let writes = 0;
    const afterRead = <T>(result: T): T => {
      if (writes++ === 0) {
        // A new mtime: Deno 2.9's ctime is whole seconds, so a rewrite
        // with the same size and mtime within one second is invisible to
        // any metadata check there.
        writeFileSync(path, now);
        utimesSync(path, TIME_B, TIME_B);
      }
      return result;
    };
    const port: FileSystem = {
      ...fs,
      hash: async (file, options) => afterRead(await fs.hash!(file, options)),
      open: async (file, range, options) => afterRead(await fs.open(file, range, options)),
    };
    const answer = await fetchFile(handler(root, { fs: port }), "/f.txt");
    assert.equal(answer.status, 200);
    assert.equal(answer.body, now);
    assert.equal(answer.headers.get("etag"), tagOf(now));
    assert.ok(writes >= 2, String(writes));
  });
}

test('createFileHandler({ etag: "content" }) honours a Range whose If-Range is the content tag, and not a stale one', async () => {
  const h = handler(replica({ "f.txt": BODY }, TIME_A));
  const ranged = await fetchFile(h, "/f.txt", { range: "bytes=0-3", "if-range": BODY_TAG });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.body, BODY.slice(0, 4));
  const stale = await fetchFile(h, "/f.txt", { range: "bytes=0-3", "if-range": '"stale"' });
  assert.equal(stale.status, 200);
  assert.equal(stale.body, BODY);
});

// A port that knows no times, as some virtual file systems report.
function timeless(inner: FileSystem, withHash: boolean): FileSystem {
  const strip = (info: FileInfo): FileInfo => ({ ...info, mtimeMs: null });
  const port: FileSystem = {
    stat: async (p) => strip(await inner.stat(p)),
    lstat: async (p) => strip(await inner.lstat(p)),
    realPath: (p) => inner.realPath(p),
    realStat: async (p) => {
      const entry = await inner.realStat(p);
      return { ...entry, info: strip(entry.info) };
    },
    readDir: (p, o) => inner.readDir(p, o),
    // The real times differ from the null ones reported: the version is
    // checked against the file's own.
    open: (p, range, o) => inner.open(p, range, { ...o, expected: undefined }),
  };
  if (withHash) port.hash = (p, o) => inner.hash!(p, { ...o, expected: undefined });
  return port;
}

test("createFileHandler() gives a file with no mtime never a size-only tag: the content tag, or none when the port cannot hash", async () => {
  const root = replica({ "f.txt": BODY }, TIME_A);
  const hashed = await fetchFile(
    handler(root, { fs: timeless(fs, true), etag: "mtime" }),
    "/f.txt",
  );
  assert.equal(hashed.headers.get("etag"), BODY_TAG);
  assert.equal(hashed.headers.get("last-modified"), null);
  const h = handler(root, { fs: timeless(fs, false), etag: "mtime" });
  const bare = await fetchFile(h, "/f.txt");
  assert.equal(bare.status, 200);
  assert.equal(bare.headers.get("etag"), null);
  assert.equal(bare.headers.get("last-modified"), null);
  // What the old rule made ("size-0"), strong or weak, matches nothing.
  const sizeOnly = `"${BODY.length.toString(16)}-0"`;
  for (const tag of [sizeOnly, `W/${sizeOnly}`]) {
    assert.equal((await fetchFile(h, "/f.txt", { "if-none-match": tag })).status, 200);
  }
  const ranged = await fetchFile(h, "/f.txt", { range: "bytes=0-3", "if-range": sizeOnly });
  assert.equal(ranged.status, 200);
  assert.equal((await fetchFile(h, "/f.txt", { range: "bytes=0-3" })).status, 206);
});

test('createFileHandler({ etag: "content" }) tags a sidecar by its own bytes and a compressed answer by the original\'s, equal across replicas', async () => {
  const br = new Uint8Array(brotliCompressSync(TEXT));
  const files = { "app.js": TEXT, "app.js.br": br };
  const options = { precompressed: ["br"] as const, compress: zlibCompressor() };
  const a = handler(replica(files, TIME_A), options);
  const b = handler(replica(files, TIME_B), options);
  for (const h of [a, b]) {
    const sidecar = await fetchFile(h, "/app.js", { "accept-encoding": "br" });
    assert.equal(sidecar.headers.get("content-encoding"), "br");
    assert.equal(sidecar.headers.get("etag"), `${tagOf(br).slice(0, -1)}-br"`);
    const made = await fetchFile(h, "/app.js", { "accept-encoding": "gzip" });
    assert.equal(made.headers.get("content-encoding"), "gzip");
    assert.equal(made.headers.get("etag"), `W/${tagOf(TEXT).slice(0, -1)}-gzip"`);
  }
  const made = await fetchFile(a, "/app.js", { "accept-encoding": "gzip" });
  const again = await fetchFile(b, "/app.js", {
    "accept-encoding": "gzip",
    "if-none-match": made.headers.get("etag")!,
  });
  assert.equal(again.status, 304);
});

test('createFileHandler() refuses an unknown etag source, and "content" over a port without hash()', () => {
  const root = base;
  assert.throws(() => createFileHandler({ root, fs, etag: "sha1" as never }), TypeError);
  const { hash: _, ...noHash } = fs;
  assert.throws(
    () => createFileHandler({ root, fs: noHash as FileSystem, etag: "content" }),
    /"etag" "content" needs a file system with hash\(\)/,
  );
});

test("fileserver --etag content sends the pinned content tag; --etag other is a one-line usage error", async () => {
  const root = replica({ "f.txt": BODY }, TIME_A);
  const cli = startCli([root, "--port", "0", "--quiet", "--etag", "content"]);
  try {
    const url = await waitForUrl(cli);
    const response = await fetch(new URL("/f.txt", url));
    await response.body?.cancel();
    assert.equal(response.headers.get("etag"), BODY_TAG);
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
  const bad = await runCli([root, "--etag", "sha1"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--etag must be one of mtime, content, not 'sha1'/);
  assert.equal(bad.stderr.trim().split("\n").length <= 2, true, bad.stderr);
});
