/**
 * The Node bridge (src/adapters/_node_bridge.ts), through the Node adapter's
 * `serve()`: Deno and Bun implement `node:http` too, so every runtime runs
 * these, and none of them branches on the runtime.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { serve } from "../src/adapters/node.ts";
import { pattern } from "./_helpers/fixture.ts";
import { headerValues, rawExchange } from "./_helpers/raw_http.ts";
import { openSocket, readResponse } from "./_helpers/sockets.ts";

const MiB = 1024 * 1024;
const STREAM_SIZE = 50 * MiB;
const STREAM_CHUNK = 64 * 1024;

/** What the handler saw of the last request to each path. */
const seen = new Map<string, { url: string; method: string; bodyIsNull: boolean }>();
/** The generic streamed bodies the handler made, by path. */
const bodies = new Map<string, { produced: number; pulls: number; cancelled: boolean }>();

function trackedStream(path: string, size: number): ReadableStream<Uint8Array> {
  const state = { produced: 0, pulls: 0, cancelled: false };
  bodies.set(path, state);
  return new ReadableStream<Uint8Array>({
    pull(stream) {
      state.pulls++;
      if (state.produced >= size) return stream.close();
      const chunk = new Uint8Array(Math.min(STREAM_CHUNK, size - state.produced));
      state.produced += chunk.byteLength;
      stream.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
}

const controller = new AbortController();
const server = await serve({
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  gracePeriodMs: 1000,
  handler: async (request) => {
    const { pathname } = new URL(request.url);
    seen.set(pathname, {
      url: request.url,
      method: request.method,
      bodyIsNull: request.body === null,
    });
    const octets = { "content-type": "application/octet-stream" };
    switch (pathname) {
      case "/echo":
        return new Response(new Uint8Array(await request.arrayBuffer()), { headers: octets });
      case "/stream":
        return new Response(trackedStream(pathname, STREAM_SIZE), { headers: octets });
      case "/head":
        return new Response(trackedStream(pathname, 1000), {
          headers: { ...octets, "content-length": "1000" },
        });
      case "/stuck-cancel":
        return new Response(
          new ReadableStream<Uint8Array>({ cancel: () => new Promise<void>(() => {}) }),
          { headers: { ...octets, "content-length": "1000" } },
        );
      case "/cookies": {
        const headers = new Headers({ "content-type": "text/plain", "content-length": "3" });
        headers.append("set-cookie", "a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
        headers.append("set-cookie", "b=2; HttpOnly");
        return new Response("ok\n", { headers });
      }
      case "/throw":
        throw new Error("boom");
      case "/reject":
        return Promise.reject(new Error("boom"));
      default:
        return new Response("ignored\n", {
          headers: { "content-type": "text/plain", "content-length": "8" },
        });
    }
  },
});

after(async () => {
  controller.abort();
  await server.finished;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function eventually(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !done(); waited += 20) await sleep(20);
  return done();
}

function destroyed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.destroy();
  });
}

test("serve() calls the handler before the request body has arrived", async () => {
  const socket = await openSocket(server.url);
  try {
    // 10 MB announced, 5 bytes sent: a bridge that buffered the body first
    // would never call the handler.
    socket.write(
      `POST /ignore HTTP/1.1\r\nHost: ${server.url.host}\r\nContent-Length: 10000000\r\n\r\nhello`,
    );
    const { head, body } = await within(
      readResponse(socket, { bodyLength: 8 }),
      5_000,
      "response",
    );
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.equal(new TextDecoder().decode(body), "ignored\n");
    assert.equal(seen.get("/ignore")?.bodyIsNull, false);
  } finally {
    await destroyed(socket);
  }
});

test("serve() answers a 5 MiB POST whose body the handler never reads", async () => {
  const response = await fetch(new URL("/ignore", server.url), {
    method: "POST",
    body: new Uint8Array(pattern(5 * MiB)),
  });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ignored\n");
  // The unread body must not hold up the client's next request.
  const next = await within(fetch(new URL("/ignore", server.url)), 2_000, "next request");
  assert.equal(await next.text(), "ignored\n");
});

test("serve() gives the handler a POST body byte for byte, 5 MiB included", async () => {
  for (const body of [new TextEncoder().encode("hello ünï\n"), new Uint8Array(pattern(5 * MiB))]) {
    const response = await fetch(new URL("/echo", server.url), { method: "POST", body });
    assert.equal(response.status, 200);
    const echoed = new Uint8Array(await response.arrayBuffer());
    assert.equal(echoed.byteLength, body.byteLength);
    assert.ok(Buffer.from(echoed).equals(Buffer.from(body)), "echoed bytes differ");
    assert.equal(seen.get("/echo")?.method, "POST");
  }
});

test("serve() gives GET and HEAD requests a null body, even with Content-Length", async () => {
  for (const method of ["GET", "HEAD"]) {
    seen.delete("/ignore");
    const raw = await rawExchange(server.url, {
      method,
      target: "/ignore",
      headers: { "content-length": "5" },
      body: new TextEncoder().encode("hello"),
    });
    assert.equal(raw.status, 200, method);
    assert.equal(seen.get("/ignore")?.method, method);
    assert.equal(seen.get("/ignore")?.bodyIsNull, true, `${method} request has a body`);
  }
});

test("serve() keeps the server's origin for a //evil.example/x request target", async () => {
  const raw = await rawExchange(server.url, { method: "GET", target: "//evil.example/x" });
  assert.equal(raw.status, 200);
  const url = new URL(seen.get("//evil.example/x")!.url);
  assert.equal(url.host, server.url.host);
  assert.equal(url.pathname, "//evil.example/x");
});

// Every adapter refuses it (tests/framing.test.ts): Deno cannot tell an
// HTTP/1.0 request without Host from an HTTP/1.1 one.
test("serve() refuses an HTTP/1.0 request without Host with 400", async () => {
  const socket = await openSocket(server.url);
  try {
    socket.write("GET //evil.example/y HTTP/1.0\r\n\r\n");
    const { head } = await within(readResponse(socket, { bodyLength: 12 }), 5_000, "response");
    assert.match(head, /^HTTP\/1\.[01] 400 /);
  } finally {
    await destroyed(socket);
  }
  assert.equal(seen.get("//evil.example/y"), undefined);
});

test("serve() reads a streamed body only as fast as a slow client takes it", async () => {
  const socket = await openSocket(server.url);
  let received = 0;
  let ahead = 0;
  try {
    await within(
      new Promise<void>((resolve) => {
        socket.on("data", (chunk: Uint8Array) => {
          received += chunk.byteLength;
          ahead = Math.max(ahead, (bodies.get("/stream")?.produced ?? 0) - received);
          if (received >= 24 * MiB) return resolve();
          socket.pause();
          setTimeout(() => socket.resume(), 2);
        });
        socket.once("close", () => resolve());
        socket.write(`GET /stream HTTP/1.1\r\nHost: ${server.url.host}\r\n\r\n`);
      }),
      30_000,
      "24 MiB",
    );
  } finally {
    await destroyed(socket);
  }
  assert.ok(received >= 24 * MiB, `the response stopped after ${received} bytes`);
  assert.ok(ahead < 16 * MiB, `the body ran ${(ahead / MiB).toFixed(1)} MiB ahead of the client`);
  const body = bodies.get("/stream")!;
  assert.ok(await eventually(() => body.cancelled, 3_000), "the body was not cancelled");
  assert.ok(body.produced < STREAM_SIZE, "the whole body was produced for a client that left");
});

test("serve() answers HEAD with the handler's headers, no body, and the body cancelled", async () => {
  bodies.delete("/head");
  const raw = await rawExchange(server.url, { method: "HEAD", target: "/head" });
  assert.equal(raw.status, 200);
  assert.deepEqual(headerValues(raw, "content-length"), ["1000"]);
  assert.deepEqual(headerValues(raw, "transfer-encoding"), []);
  assert.equal(raw.body.byteLength, 0);
  const body = bodies.get("/head")!;
  assert.ok(await eventually(() => body.cancelled, 3_000), "the body was not cancelled");
  assert.equal(body.pulls, 0, "the body was read");
});

test("serve() answers HEAD at once even when cancelling the body never settles", async () => {
  const raw = await rawExchange(server.url, { method: "HEAD", target: "/stuck-cancel" }, 3_000);
  assert.equal(raw.status, 200);
  assert.deepEqual(headerValues(raw, "content-length"), ["1000"]);
  assert.equal(raw.body.byteLength, 0);
});

test("serve() sends each Set-Cookie as its own header line", async () => {
  const raw = await rawExchange(server.url, { method: "GET", target: "/cookies" });
  assert.equal(raw.status, 200);
  assert.deepEqual(headerValues(raw, "set-cookie"), [
    "a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
    "b=2; HttpOnly",
  ]);
});

test("serve() answers a throwing or rejecting handler with a bare 500 and keeps serving", async () => {
  for (const path of ["/throw", "/reject"]) {
    const response = await fetch(new URL(path, server.url));
    assert.equal(response.status, 500, path);
    assert.equal(await response.text(), "Internal Server Error\n");
  }
  const next = await fetch(new URL("/ignore", server.url));
  assert.equal(next.status, 200);
  assert.equal(await next.text(), "ignored\n");
});

test("serve() from ./node gives a file handler's onError a real Request, though none was built to serve", async () => {
  const { createFileHandler } = await import("../src/core/handler.ts");
  const { nodeFileSystem } = await import("../src/fs/node.ts");
  const fs = nodeFileSystem();
  const failure = Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
  const seen: Request[] = [];
  const stop = new AbortController();
  const files = await serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: stop.signal,
    handler: createFileHandler({
      root: "/",
      fs: { ...fs, realStat: () => Promise.reject(failure) },
      onError: (_error, request) => seen.push(request),
    }),
  });
  try {
    const response = await fetch(new URL("/etc/hostname?x=1", files.url), {
      headers: { "x-probe": "yes" },
    });
    assert.equal(response.status, 500);
    await response.body?.cancel();
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof Request);
    assert.equal(seen[0].url, new URL("/etc/hostname?x=1", files.url).href);
    assert.equal(seen[0].headers.get("x-probe"), "yes");
  } finally {
    stop.abort();
    await files.finished;
  }
});
