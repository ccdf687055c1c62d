import { after, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { connect } from "node:http2";
import { runtimeServe } from "./_helpers/adapter.ts";
import { buildFixture, RUNTIME } from "./_helpers/fixture.ts";
import { selfSignedCertificate } from "./_helpers/tls.ts";

const fixture = buildFixture();
after(() => fixture.remove());
const tls = selfSignedCertificate();
const serve = await runtimeServe();

function httpsGet(url: URL, ca: string): Promise<{ status: number; body: string; alpn: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, alpn: "http/1.1" }));
    });
    req.on("error", reject);
    req.end();
  });
}

function http2Get(url: URL, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(url.origin, { ca });
    session.on("error", reject);
    const stream = session.request({ ":path": url.pathname });
    let status = 0;
    let body = "";
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => (body += chunk));
    stream.on("end", () => {
      session.close();
      resolve({ status, body });
    });
    stream.on("error", reject);
    stream.end();
  });
}

test("serve() with tls answers over HTTPS", async () => {
  const controller = new AbortController();
  const server = await serve({ root: fixture.root, port: 0, signal: controller.signal, tls });
  try {
    assert.equal(server.url.protocol, "https:");
    const response = await httpsGet(new URL("/hello.txt", server.url), tls.cert);
    assert.equal(response.status, 200);
    assert.equal(response.body, "hello world\n");
  } finally {
    controller.abort();
    await server.finished;
  }
});

// Bun.serve 1.4 speaks HTTP/1.1 only; Deno.serve and node:http2 offer h2 by
// ALPN. The capability differs, so this case says which runtimes have it.
const OFFERS_HTTP2 = RUNTIME !== "bun";

test("serve() with tls answers HTTP/2 clients where the runtime offers HTTP/2", async () => {
  const controller = new AbortController();
  const server = await serve({ root: fixture.root, port: 0, signal: controller.signal, tls });
  try {
    const attempt = http2Get(new URL("/hello.txt", server.url), tls.cert);
    if (!OFFERS_HTTP2) {
      await assert.rejects(attempt);
      return;
    }
    const response = await attempt;
    assert.equal(response.status, 200);
    assert.equal(response.body, "hello world\n");
  } finally {
    controller.abort();
    await server.finished;
  }
});

test("serve() rejects a tls option without PEM strings", async () => {
  await assert.rejects(
    async () => await serve({ root: fixture.root, port: 0, tls: { cert: 1 } as never }),
    TypeError,
  );
});

test("serve() with tls closes an idle HTTP/2 session on abort instead of waiting", async () => {
  if (!OFFERS_HTTP2) return;
  const controller = new AbortController();
  const server = await serve({
    root: fixture.root,
    port: 0,
    signal: controller.signal,
    tls,
    gracePeriodMs: 60_000,
  });
  const session = connect(server.url.origin, { ca: tls.cert });
  session.on("error", () => {});
  const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
  const stream = session.request({ ":path": "/hello.txt" });
  stream.resume();
  await new Promise<void>((resolve) => stream.once("end", () => resolve()));
  controller.abort();
  // Far below the 60 s grace period: GOAWAY ends the idle session.
  await server.finished;
  await closed;
});
