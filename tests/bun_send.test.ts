// What the Bun adapter's native file sending (src/adapters/_bun_send.ts)
// relies on in Bun 1.4.5, pinned so that a Bun upgrade that changes any of
// it is noticed: each assertion message names what to revisit. Skipped on
// Deno and Node, where none of this applies.

import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addsDisposition } from "../src/adapters/_bun_send.ts";
import { RUNTIME } from "./_helpers/fixture.ts";
import { rawExchange } from "./_helpers/raw_http.ts";

interface BunServe {
  serve(options: {
    port: number;
    hostname: string;
    development: boolean;
    fetch: (request: Request) => Response | Promise<Response>;
  }): { url: URL; stop(force: boolean): Promise<void> };
  file(path: string | number): Blob;
}

const skip = RUNTIME !== "bun" && "Bun's own behaviour";
const SIZE = 100_000;

/** A Bun.serve answering with `answer(request)`, and a temp file to send. */
async function withBun(
  answer: (request: Request, path: string) => Response | Promise<Response>,
  check: (url: URL) => Promise<void>,
): Promise<void> {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  const folder = mkdtempSync(join(tmpdir(), "fileserver-bun-"));
  const path = join(folder, "file.bin");
  writeFileSync(path, new Uint8Array(SIZE).fill(7));
  const server = bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch: (request) => answer(request, path),
  });
  try {
    await check(server.url);
  } finally {
    await server.stop(true);
    rmSync(folder, { recursive: true, force: true });
  }
}

const header = (lines: Array<[string, string]>, name: string) =>
  lines.find(([key]) => key === name)?.[1] ?? null;

test("Bun 1.4.5 adds Content-Disposition to a path Blob exactly as addsDisposition() says", {
  skip,
}, async () => {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  const types = [
    "application/pdf",
    "application/zip",
    "application/xml",
    "application/octet-stream",
    "application/javascript; charset=utf-8",
    "application/json",
    "application/wasm",
    "application/geo+json",
    "text/html; charset=utf-8",
    "text/xml",
    "image/png",
    "video/mp4",
    "audio/mpeg",
    "font/woff2",
    "model/gltf+json",
    "multipart/mixed",
  ];
  await withBun((request, path) => {
    const type = decodeURIComponent(new URL(request.url).pathname.slice(1));
    return new Response(bun.file(path), { headers: { "content-type": type } });
  }, async (url) => {
    for (const type of types) {
      const { lines } = await rawExchange(url, {
        method: "GET",
        target: "/" + encodeURIComponent(type),
      });
      assert.equal(
        header(lines, "content-disposition") !== null,
        addsDisposition(type),
        `${type}: Bun's rule changed; update addsDisposition() in src/adapters/_bun_send.ts`,
      );
    }
  });
});

test("Bun 1.4.5 adds no Content-Disposition to a descriptor Blob, and sends its whole length", {
  skip,
}, async () => {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  const fds: number[] = [];
  await withBun((_request, path) => {
    const fd = openSync(path, "r");
    fds.push(fd);
    return new Response(bun.file(fd), { headers: { "content-type": "application/pdf" } });
  }, async (url) => {
    const { lines, body } = await rawExchange(url, { method: "GET", target: "/" });
    assert.equal(header(lines, "content-disposition"), null, "descriptor Blobs now get a name");
    assert.equal(header(lines, "content-length"), String(SIZE));
    assert.equal(body.byteLength, SIZE);
  });
  for (const fd of fds) closeSync(fd);
});

test("Bun 1.4.5 sends a stream body without its Content-Length (oven-sh/bun#10507)", {
  skip,
}, async () => {
  await withBun(() => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(SIZE));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-length": String(SIZE) } });
  }, async (url) => {
    const { lines } = await rawExchange(url, { method: "GET", target: "/" });
    assert.equal(
      header(lines, "content-length"),
      null,
      "Bun now keeps a stream's Content-Length: large files could stay streams",
    );
    assert.equal(header(lines, "transfer-encoding"), "chunked");
  });
});

test("Bun 1.4.5 opens a /proc/self/fd path Blob before the next macrotask", {
  skip: skip || (process.platform !== "linux" && "Linux only"),
}, async () => {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  await withBun(async (_request, path) => {
    // As the adapter does: awaits, then the descriptor closed in the next
    // macrotask after the response is handed over.
    await Promise.resolve();
    const fd = openSync(path, "r");
    const response = new Response(bun.file(`/proc/self/fd/${fd}`).slice(0, SIZE), {
      headers: { "content-type": "text/plain" },
    });
    setImmediate(() => closeSync(fd));
    return response;
  }, async (url) => {
    for (let i = 0; i < 20; i++) {
      const { status, body } = await rawExchange(url, { method: "GET", target: "/" });
      assert.equal(status, 200, "Bun opens the path later now: see FileSender.send()");
      assert.ok(body.byteLength === SIZE && body.every((byte) => byte === 7));
    }
  });
});

test("Bun 1.4.5 applies the request's Range itself to a Blob of the whole file", {
  skip,
}, async () => {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  await withBun((_request, path) => {
    return new Response(bun.file(path).slice(0, SIZE), {
      status: 200,
      headers: { "content-type": "text/plain" },
    });
  }, async (url) => {
    const { status, lines } = await rawExchange(url, {
      method: "GET",
      target: "/",
      headers: { range: "bytes=10-19" },
    });
    assert.equal(status, 206, "Bun no longer re-ranges whole files: see sameAsBun()");
    assert.equal(header(lines, "content-range"), `bytes 10-19/${SIZE}`);
  });
});

test("Bun 1.4.5 counts a request as pending until its file body is sent, and keeps its Response", {
  skip,
}, async () => {
  // FileSender closes a descriptor handed to Bun when the server has no
  // request pending, or when the Response is collected: both must wait
  // for the end of the send, even with collections running throughout.
  const bun = (globalThis as unknown as { Bun: BunServe & { gc(force: boolean): void } }).Bun;
  const folder = mkdtempSync(join(tmpdir(), "fileserver-bun-"));
  const path = join(folder, "big.bin");
  const size = 32 * 1024 * 1024;
  writeFileSync(path, new Uint8Array(size).fill(9));
  let fd = -1;
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  const server = bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch: () => {
      fd = openSync(path, "r");
      const response = new Response(bun.file(fd), {
        headers: { "content-type": "application/octet-stream" },
      });
      registry.register(response, 0);
      return response;
    },
  });
  const gc = setInterval(() => bun.gc(true), 20);
  const pendingSeen: number[] = [];
  try {
    const response = await fetch(server.url);
    const reader = response.body!.getReader();
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received < size / 2) {
        pendingSeen.push((server as unknown as { pendingRequests: number }).pendingRequests);
        assert.equal(collected, false, "Bun let go of the Response mid-send: see FileSender");
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    assert.equal(received, size);
    assert.ok(pendingSeen.length > 0 && pendingSeen.every((n) => n === 1), `${pendingSeen}`);
  } finally {
    clearInterval(gc);
    if (fd !== -1) closeSync(fd);
    await server.stop(true);
    rmSync(folder, { recursive: true, force: true });
  }
});
