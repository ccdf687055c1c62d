/**
 * What serving costs and what it gives back, over real sockets against the
 * running runtime's own adapter: file descriptors, memory, concurrency and
 * `request.signal`. No case branches on the runtime.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { runtimeServe } from "./_helpers/adapter.ts";
import { BIG_SIZE, buildFixture, pattern } from "./_helpers/fixture.ts";
import { openSocket } from "./_helpers/sockets.ts";

const MiB = 1024 * 1024;
const SPARSE_SIZE = 1024 * MiB;

const fixture = buildFixture();
const sparseRoot = mkdtempSync(join(tmpdir(), "fileserver-sparse-"));
// A hole, not 1 GiB of writes: the file system allocates no blocks for it.
const sparse = openSync(join(sparseRoot, "sparse.bin"), "w");
ftruncateSync(sparse, SPARSE_SIZE);
closeSync(sparse);

const serve = await runtimeServe();
const controller = new AbortController();
const common = { port: 0, hostname: "127.0.0.1", signal: controller.signal, gracePeriodMs: 1000 };
const files = await serve({ ...common, root: fixture.root });
const sparseFiles = await serve({ ...common, root: sparseRoot });

/** What the handler server saw of each request, by path. */
const seen = new Map<string, { signal: AbortSignal; cancelled: boolean }>();
const handlerStarted = new Map<string, PromiseWithResolvers<void>>();
const handlerServer = await serve({
  ...common,
  handler: async (request) => {
    const { pathname } = new URL(request.url);
    const record = { signal: request.signal, cancelled: false };
    seen.set(pathname, record);
    handlerStarted.get(pathname)?.resolve();
    if (pathname === "/endless") {
      return new Response(
        new ReadableStream<Uint8Array>({
          pull: (stream) => stream.enqueue(new Uint8Array(16 * 1024)),
          cancel: () => {
            record.cancelled = true;
          },
        }),
      );
    }
    if (pathname === "/slow") {
      // Answers only once the client has gone (or after 10 s).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        request.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return new Response("too late\n");
    }
    if (pathname === "/streamed") {
      const chunks = [new Uint8Array(1000), new Uint8Array(1000)];
      return new Response(
        new ReadableStream<Uint8Array>({
          pull: (stream) => {
            const chunk = chunks.shift();
            if (chunk === undefined) stream.close();
            else stream.enqueue(chunk);
          },
        }),
        { headers: { "content-length": "2000" } },
      );
    }
    if (pathname === "/throws") throw new Error("boom");
    return new Response("done\n");
  },
});

after(async () => {
  controller.abort();
  await Promise.all([files.finished, sparseFiles.finished, handlerServer.finished]);
  fixture.remove();
  rmSync(sparseRoot, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 20 ms for up to `ms`; resolves with its last answer. */
async function eventually(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !done(); waited += 20) await sleep(20);
  return done();
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

function destroyed(socket: Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.destroy();
  });
}

/** Starts a download of `path`, reads its first chunk, then hangs up. */
async function abandonDownload(url: URL, path: string, fields = ""): Promise<void> {
  const socket = await openSocket(url);
  const first = new Promise<void>((resolve) => {
    socket.once("data", () => resolve());
    socket.once("close", () => resolve());
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n${fields}\r\n`);
  await first;
  await destroyed(socket);
}

test("serve() keeps memory flat while a slow client reads a 1 GiB file", async () => {
  const socket = await openSocket(sparseFiles.url);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const target = 64 * MiB;
  let received = 0;
  try {
    const headerSeen = await new Promise<string>((resolve) => {
      let head = "";
      socket.on("data", (chunk: Uint8Array) => {
        if (head === "") head = new TextDecoder("latin1").decode(chunk.subarray(0, 64));
        received += chunk.byteLength;
        if (received >= target) {
          resolve(head);
          return;
        }
        // A slow reader: the server must wait for it, not read ahead.
        socket.pause();
        setTimeout(() => socket.resume(), 1);
      });
      socket.once("close", () => resolve(head));
      socket.write(`GET /sparse.bin HTTP/1.1\r\nHost: ${sparseFiles.url.host}\r\n\r\n`);
    });
    assert.match(headerSeen, /^HTTP\/1\.1 200 /);
  } finally {
    clearInterval(sampler);
    await destroyed(socket);
  }
  assert.ok(received >= target, `the download stopped after ${received} bytes`);
  const growth = (peak - baseline) / MiB;
  assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MiB while sending 64 MiB`);
});

test("serve() leaves no file descriptor open after 100 abandoned downloads", async () => {
  // The first request may open descriptors that the runtime keeps for good
  // (its I/O driver, thread pool wake-ups): count from after it.
  await abandonDownload(files.url, "/big.bin");
  await sleep(200);
  const before = openFds();
  for (let i = 0; i < 100; i++) await abandonDownload(files.url, "/big.bin");
  // Files are closed asynchronously once the server notices the hang-up.
  const settled = await eventually(() => openFds() <= before, 3_000);
  assert.ok(settled, `${openFds() - before} more descriptors open than before (${before})`);
});

test("serve() leaves no file descriptor open after whole, partial and abandoned downloads of large files of every kind", async () => {
  // Media types that runtimes send by different means (Bun: by path, by
  // descriptor, or from memory): each must give its descriptor back.
  for (const name of ["doc.pdf", "page.html", "clip.mp4"]) {
    writeFileSync(join(fixture.root, name), pattern(2 * MiB));
  }
  const asks: Array<Record<string, string>> = [
    {},
    { range: "bytes=1000-500999" },
    { range: "bytes=0-" },
    { range: "bytes=0-99999", "if-range": '"another-version"' },
  ];
  const round = async () => {
    for (const path of ["/doc.pdf", "/page.html", "/clip.mp4", "/big.bin"]) {
      for (const headers of asks) {
        const response = await fetch(new URL(path, files.url), { headers });
        await response.arrayBuffer();
        const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
        await abandonDownload(files.url, path, fields.join(""));
      }
    }
  };
  await round();
  await sleep(200);
  const before = openFds();
  for (let i = 0; i < 5; i++) await round();
  const settled = await eventually(() => openFds() <= before, 3_000);
  assert.ok(settled, `${openFds() - before} more descriptors open than before (${before})`);
});

test("serve() sends 200 concurrent downloads of a 5 MiB file intact", async () => {
  const expected = createHash("sha256").update(pattern(BIG_SIZE)).digest("hex");
  const download = async () => {
    const response = await fetch(new URL("/big.bin", files.url));
    const hash = createHash("sha256");
    let length = 0;
    const reader = response.body!.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      length += value.byteLength;
    }
    return { status: response.status, length, digest: hash.digest("hex") };
  };
  const results = await Promise.all(Array.from({ length: 200 }, download));
  const bad = results.filter((r) =>
    r.status !== 200 || r.length !== BIG_SIZE || r.digest !== expected
  );
  assert.equal(bad.length, 0, `${bad.length} of 200 differ, e.g. ${JSON.stringify(bad[0])}`);
});

test("serve() aborts request.signal and cancels the body when the client leaves mid-body", async () => {
  await abandonDownload(handlerServer.url, "/endless");
  const record = seen.get("/endless");
  assert.ok(record !== undefined, "the handler never ran");
  assert.ok(await eventually(() => record.signal.aborted, 5_000), "request.signal not aborted");
  assert.ok(await eventually(() => record.cancelled, 5_000), "the body was not cancelled");
});

test("serve() aborts request.signal when the client leaves before the handler answers", async () => {
  const started = Promise.withResolvers<void>();
  handlerStarted.set("/slow", started);
  const socket = await openSocket(handlerServer.url);
  socket.write(`GET /slow HTTP/1.1\r\nHost: ${handlerServer.url.host}\r\n\r\n`);
  await started.promise;
  await destroyed(socket);
  const record = seen.get("/slow")!;
  assert.ok(await eventually(() => record.signal.aborted, 5_000), "request.signal not aborted");
});

test("serve() leaves request.signal unaborted after a response sent in full", async () => {
  const paths = { "/done": 200, "/streamed": 200, "/throws": 500 };
  for (const [path, status] of Object.entries(paths)) {
    const response = await fetch(new URL(path, handlerServer.url));
    assert.equal(response.status, status);
    await response.arrayBuffer();
  }
  // Long enough for an abort that follows the end of the response to land.
  await sleep(300);
  for (const path of Object.keys(paths)) {
    assert.equal(seen.get(path)!.signal.aborted, false, `aborted after ${path}`);
  }
});
