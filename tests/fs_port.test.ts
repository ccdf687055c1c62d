// The running runtime's own file-system port (src/fs/deno.ts on Deno,
// bun.ts on Bun, node.ts on Node), tested through the port itself and, for
// file-handle leaks, through the handler that drives it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { ByteRange, FileBody, FileInfo, FileSystem } from "../src/core/fs.ts";
import {
  BIG_SIZE,
  buildFixture,
  type Fixture,
  fixtureHandler,
  get,
  MTIME,
  pattern,
  runtimeFileSystem,
} from "./_helpers/fixture.ts";

let fixture: Fixture;
let fs: FileSystem;
const BIG = pattern(BIG_SIZE);

before(async () => {
  fixture = buildFixture();
  fs = await runtimeFileSystem();
});
after(() => fixture.remove());

const at = (path: string) => join(fixture.root, path);

// Bun's default per-test timeout is 5 s; the leak tests move ~300 MiB.
const SLOW = { timeout: 60_000 };
// Descriptors open at once beyond the baseline, sampled right after each
// body ends. Node and Deno close before cancel() resolves (observed +0);
// Bun 1.4.5 closes the file behind a Blob's stream one macrotask after
// cancel() resolves (observed +1, at times +2). A leak reaches dozens or
// hundreds before a collection closes it (+74 to +295 on Node, +195 on
// Deno, with the ports' cancel made a no-op).
const PEAK_SLACK = 8;

function fdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Closing a handle is asynchronous on every runtime (a thread-pool close on
// Node, a dropped resource on Deno, a deferred close on Bun), so the count is
// polled for up to ~2 s before it is judged.
async function settledFdCount(limit: number): Promise<number> {
  let count = fdCount();
  for (let i = 0; i < 100 && count > limit; i++) {
    await sleep(20);
    count = fdCount();
  }
  return count;
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// Bun's port returns a lazy Blob, the others a stream.
async function readBody(body: FileBody): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  return body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : await readStream(body);
}

async function discard(body: FileBody): Promise<void> {
  if (!(body instanceof Blob) && !(body instanceof Uint8Array)) await body.cancel();
}

// A byte-by-byte compare: assert.deepEqual on megabytes is slow and its
// failure message unreadable.
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(`${what}: byte ${i} is ${actual[i]}, not ${expected[i]}`);
    }
  }
}

// Settles `promise` within 2 s or fails; `onTimeout` may unstick whatever
// hung so that the test process can still exit.
async function within2s<T>(promise: Promise<T>, what: string, onTimeout = () => {}): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} did not settle within 2 s`));
    }, 2_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function code(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

// What the port reports beside kind, size and mtime: identity and ctime,
// checked against node:fs (whole seconds of ctime on Deno 2.9).
function assertIdentity(info: FileInfo, path: string): void {
  const stats = statSync(path);
  assert.equal(info.ino, stats.ino, `${path}: ino`);
  assert.equal(info.dev, stats.dev, `${path}: dev`);
  assert.ok(Math.abs((info.ctimeMs ?? 0) - stats.ctimeMs) < 1000, `${path}: ctime`);
}

test("runtime file system stat() reports a regular file's kind, size, times and identity", async () => {
  const hello = await fs.stat(at("hello.txt"));
  assert.deepEqual({ kind: hello.kind, size: hello.size, mtimeMs: hello.mtimeMs }, {
    kind: "file",
    size: 12,
    mtimeMs: MTIME * 1000,
  });
  assertIdentity(hello, at("hello.txt"));
  const big = await fs.stat(at("big.bin"));
  assert.deepEqual({ kind: big.kind, size: big.size, mtimeMs: big.mtimeMs }, {
    kind: "file",
    size: BIG_SIZE,
    mtimeMs: MTIME * 1000,
  });
  assertIdentity(big, at("big.bin"));
  const empty = await fs.stat(at("empty.txt"));
  assert.equal(empty.kind, "file");
  assert.equal(empty.size, 0);
});

test("runtime file system lstat() reports a link as a link and a file as stat() does", async () => {
  assert.equal((await fs.lstat(at("link-inside.txt"))).kind, "symlink");
  assert.equal((await fs.lstat(at("link-inside-dir"))).kind, "symlink");
  assert.equal((await fs.lstat(at("nested"))).kind, "directory");
  assert.deepEqual(await fs.lstat(at("hello.txt")), await fs.stat(at("hello.txt")));
  await assert.rejects(fs.lstat(at("missing")), (error) => code(error) === "ENOENT");
});

for (const [what, size] of [["read at once", 1000], ["streamed", 300_000]] as const) {
  test(`runtime file system open() of a file replaced since its stat rejects with ESTALE (${what})`, async () => {
    const path = at(`stale-replaced-${size}.bin`);
    writeFileSync(path, new Uint8Array(size));
    const expected = await fs.stat(path);
    writeFileSync(path + ".new", new Uint8Array(size));
    renameSync(path + ".new", path);
    await assert.rejects(
      fs.open(path, { start: 0, end: size - 1 }, { expected }),
      (error) => code(error) === "ESTALE",
    );
    unlinkSync(path);
  });

  test(`runtime file system open() of a file written since its stat rejects with ESTALE (${what})`, async () => {
    const path = at(`stale-written-${size}.bin`);
    writeFileSync(path, new Uint8Array(size));
    const expected = await fs.stat(path);
    // A new size: a change within the same clock tick must still show.
    appendFileSync(path, "x");
    await assert.rejects(
      fs.open(path, { start: 0, end: size - 1 }, { expected }),
      (error) => code(error) === "ESTALE",
    );
    const current = await fs.stat(path);
    await discard(await fs.open(path, { start: 0, end: size - 1 }, { expected: current }));
    unlinkSync(path);
  });
}

test("runtime file system stat() follows a symlink to a file", async () => {
  const info = await fs.stat(at("link-inside.txt"));
  assert.equal(info.kind, "file");
  assert.equal(info.size, "deep\n".length);
});

test("runtime file system stat() reports a directory as a directory of size 0", async () => {
  for (const path of ["nested", "emptydir", "link-inside-dir"]) {
    const info = await fs.stat(at(path));
    assert.equal(info.kind, "directory", path);
    assert.equal(info.size, 0, path);
    assert.equal(typeof info.mtimeMs, "number", path);
  }
});

test("runtime file system stat() reports a FIFO as other", async () => {
  const info = await fs.stat(at("fifo"));
  assert.equal(info.kind, "other");
  assert.equal(info.size, 0);
});

test("runtime file system stat() reports a unix socket as other", async () => {
  const info = await fs.stat(at("socket"));
  assert.equal(info.kind, "other");
  assert.equal(info.size, 0);
});

test("runtime file system stat() follows a symlink to /dev/null and reports other", async () => {
  const info = await fs.stat(at("devnull"));
  assert.equal(info.kind, "other");
  assert.equal(info.size, 0);
});

test("runtime file system stat() of a missing path rejects with ENOENT", async () => {
  await assert.rejects(fs.stat(at("missing.txt")), (error) => code(error) === "ENOENT");
  await assert.rejects(fs.stat(at("dangling")), (error) => code(error) === "ENOENT");
});

test("runtime file system stat() of a path under a file rejects with ENOTDIR", async () => {
  await assert.rejects(fs.stat(at("hello.txt/x")), (error) => code(error) === "ENOTDIR");
});

test("runtime file system realPath() resolves links to files and directories", async () => {
  assert.equal(await fs.realPath(at("link-inside.txt")), at("nested/deeper/file.txt"));
  assert.equal(await fs.realPath(at("link-inside-dir")), at("nested"));
  assert.equal(await fs.realPath(at("link-inside-dir/deeper")), at("nested/deeper"));
  assert.equal(
    await fs.realPath(at("link-outside.txt")),
    join(fixture.base, "www-secret", "secret.txt"),
  );
  assert.equal(await fs.realPath(at("nested/../hello.txt")), at("hello.txt"));
  assert.equal(await fs.realPath(at("hello.txt")), at("hello.txt"));
});

test("runtime file system realPath() of a dangling link rejects with ENOENT", async () => {
  await assert.rejects(fs.realPath(at("dangling")), (error) => code(error) === "ENOENT");
});

test("runtime file system readDir() lists every name and marks symlinks", async () => {
  const entries = await fs.readDir(fixture.root);
  const names = entries.map((entry) => entry.name).sort();
  assert.deepEqual(names, readdirSync(fixture.root).sort());
  const symlink = new Map(entries.map((entry) => [entry.name, entry.isSymlink]));
  for (
    const name of ["link-inside.txt", "link-inside-dir", "link-outside.txt", "devnull", "dangling"]
  ) {
    assert.equal(symlink.get(name), true, name);
  }
  for (const name of ["hello.txt", "nested", ".env", "fifo", "socket", "emptydir"]) {
    assert.equal(symlink.get(name), false, name);
  }
});

test("runtime file system readDir() of an empty directory is empty", async () => {
  assert.deepEqual(await fs.readDir(at("emptydir")), []);
});

test("runtime file system readDir() of a missing directory rejects with ENOENT", async () => {
  await assert.rejects(fs.readDir(at("missing")), (error) => code(error) === "ENOENT");
});

test("runtime file system open() returns exactly the bytes of each range", SLOW, async () => {
  const ranges: ByteRange[] = [
    { start: 0, end: 0 },
    { start: 0, end: 99 },
    // Across the 64 KiB read size of the Node port.
    { start: 65_530, end: 65_545 },
    { start: 1_000_000, end: 2_500_000 },
    { start: BIG_SIZE - 10, end: BIG_SIZE - 1 },
    { start: BIG_SIZE - 1, end: BIG_SIZE - 1 },
    { start: 0, end: BIG_SIZE - 1 },
  ];
  for (const range of ranges) {
    const body = await fs.open(at("big.bin"), range);
    const expected = BIG.subarray(range.start, range.end + 1);
    assertSameBytes(await readBody(body), expected, `${range.start}-${range.end}`);
  }
  const hello = await fs.open(at("hello.txt"), { start: 6, end: 10 });
  assert.equal(new TextDecoder().decode(await readBody(hello)), "world");
});

test("runtime file system open() body reads the same as a stream and as a Blob", async () => {
  const range = { start: 123_456, end: 323_456 };
  const expected = BIG.subarray(range.start, range.end + 1);
  const first = await fs.open(at("big.bin"), range);
  const second = await fs.open(at("big.bin"), range);
  assert.ok(!(first instanceof Uint8Array), "a 200 KB range should be streamed, not read at once");
  const stream = first instanceof Blob ? first.stream() : first as ReadableStream<Uint8Array>;
  assertSameBytes(await readStream(stream), expected, "as a stream");
  const blob = second instanceof Blob
    ? second
    : await new Response(second as ReadableStream<Uint8Array>).blob();
  assert.equal(blob.size, expected.byteLength);
  assertSameBytes(new Uint8Array(await blob.arrayBuffer()), expected, "as a Blob");
});

test("runtime file system open() of a missing file rejects with ENOENT", async () => {
  await assert.rejects(
    fs.open(at("missing.bin"), { start: 0, end: 0 }),
    (error) => code(error) === "ENOENT",
  );
});

test("runtime file system open() of a FIFO rejects or returns without blocking", async () => {
  const fifo = at("fifo");
  const before = fdCount();
  const outcome = await within2s(
    fs.open(fifo, { start: 0, end: 0 }).then(
      (body) => ({ body }),
      (error: unknown) => ({ error }),
    ),
    "open() of a FIFO",
    () => {
      // A reader blocked in open(2) returns once a writer appears; a
      // non-blocking writer open succeeds because that reader exists.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader was blocked after all.
      }
    },
  );
  if ("body" in outcome) await discard(outcome.body);
  assert.ok(await settledFdCount(before) <= before, "the FIFO stayed open");
});

test("runtime file system open() of a socket or a device rejects or returns without blocking", async () => {
  for (const path of ["socket", "devnull"]) {
    const outcome = await within2s(
      fs.open(at(path), { start: 0, end: 0 }).then(
        (body) => ({ body }),
        (error: unknown) => ({ error }),
      ),
      `open() of ${path}`,
    );
    if ("body" in outcome) await discard(outcome.body);
  }
});

// Each way a body can end, many times over. Node and Deno close a lost
// handle when it is garbage-collected, so a leak may be gone by the end of
// the run: the count is also sampled after every request, where a leak of
// one handle per request piles up between collections.
async function exerciseHandler(
  sample: () => void | Promise<void>,
  counts: { partial: number; cancelled: number; multipart: number; full: number; head: number },
): Promise<void> {
  const handler = await fixtureHandler(fixture);
  // Half the bodies are whole-file, half a range that ends before EOF: the
  // ports take different paths for each (Deno stops its stream early, Bun
  // slices its Blob).
  const fetchBig = (i: number, init: RequestInit = {}) =>
    get(
      handler,
      "/big.bin",
      i % 2 === 0 ? init : { ...init, headers: { range: "bytes=1000-3000000" } },
    );
  for (let i = 0; i < counts.partial; i++) {
    const response = await fetchBig(i);
    assert.equal(response.status, i % 2 === 0 ? 200 : 206);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    assert.ok(value !== undefined && value.byteLength > 0, "a first chunk");
    assert.equal(value[0], BIG[i % 2 === 0 ? 0 : 1000]);
    await reader.cancel();
    await sample();
  }
  for (let i = 0; i < counts.cancelled; i++) {
    const response = await fetchBig(i);
    assert.equal(response.status, i % 2 === 0 ? 200 : 206);
    await response.body?.cancel();
    await sample();
  }
  for (let i = 0; i < counts.multipart; i++) {
    const response = await get(handler, "/big.bin", {
      headers: { range: "bytes=0-99,2000000-2000099,4000000-4000099" },
    });
    assert.equal(response.status, 206);
    assert.match(response.headers.get("content-type") ?? "", /^multipart\/byteranges/);
    // The first chunk is the first part's header, sent once that part is
    // open: the cancel below must close it.
    const reader = response.body!.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
    await sample();
  }
  for (let i = 0; i < counts.full; i++) {
    const response = await get(handler, "/big.bin");
    assert.equal(response.status, 200);
    // Half through Response.arrayBuffer() (Bun reads its Blob natively),
    // half through the stream.
    const bytes = i % 2 === 0
      ? new Uint8Array(await response.arrayBuffer())
      : await readStream(response.body!);
    if (i < 2) assertSameBytes(bytes, BIG, "big.bin");
    else assert.equal(bytes.byteLength, BIG_SIZE);
    await sample();
  }
  for (let i = 0; i < counts.head; i++) {
    const response = await get(handler, "/big.bin", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal(response.body, null);
    await sample();
  }
}

test(
  "runtime file system open() closes the file however the handler's body ends",
  SLOW,
  async () => {
    // Warm up first: a runtime opens some descriptors of its own on first
    // use (thread-pool wake-ups, io_uring), which are not leaks.
    await exerciseHandler(() => {}, { partial: 2, cancelled: 2, multipart: 2, full: 2, head: 2 });
    await settledFdCount(0);
    const before = fdCount();
    let peak = before;
    // Bun 1.4.5 closes a cancelled Blob's file one macrotask after cancel()
    // resolves; a server always has I/O between requests, so each sample
    // lets one macrotask pass first. A close that waits for garbage
    // collection still piles up.
    const sample = async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      peak = Math.max(peak, fdCount());
    };
    await exerciseHandler(sample, {
      partial: 200,
      cancelled: 100,
      multipart: 50,
      full: 50,
      head: 50,
    });
    const afterwards = await settledFdCount(before);
    console.log(`fd count: ${before} before, peak ${peak}, ${afterwards} after`);
    assert.ok(afterwards <= before, `${afterwards - before} descriptors leaked`);
    assert.ok(peak - before <= PEAK_SLACK, `${peak - before} descriptors open at once`);
  },
);

test("runtime file system open() body of a file deleted after open still ends without leaking", async () => {
  const path = join(fixture.base, "doomed.bin");
  const size = 300_000;
  writeFileSync(path, BIG.subarray(0, size));
  const before = fdCount();
  const body = await fs.open(path, { start: 0, end: size - 1 });
  unlinkSync(path);
  // An open descriptor keeps the data readable (Node, Deno); a lazy Blob
  // opens only now and fails (Bun). Either way the body must end.
  const outcome = await within2s(
    readBody(body).then((bytes) => ({ bytes }), (error: unknown) => ({ error })),
    "reading a deleted file",
  );
  if ("bytes" in outcome) assertSameBytes(outcome.bytes, BIG.subarray(0, size), "deleted file");
  else assert.ok(outcome.error instanceof Error);
  const afterwards = await settledFdCount(before);
  assert.ok(afterwards <= before, `${afterwards - before} descriptors leaked`);
});

test("runtime file system open() body of a file deleted mid-read closes on cancel", async () => {
  const handler = await fixtureHandler(fixture);
  const path = at("doomed-too.bin");
  writeFileSync(path, BIG.subarray(0, 1_000_000));
  const before = fdCount();
  const response = await get(handler, "/doomed-too.bin");
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const first = await within2s(reader.read(), "the first chunk");
  assert.equal(first.value?.[0], BIG[0]);
  unlinkSync(path);
  // The next read may succeed or fail (Bun's Blob reopens by path); the
  // cancel after it must release the handle either way.
  await within2s(
    reader.read().then(() => reader.cancel()).catch(() => {}),
    "reading on after the delete",
  );
  const afterwards = await settledFdCount(before);
  assert.ok(afterwards <= before, `${afterwards - before} descriptors leaked`);
});
