/**
 * Request framing (RFC 9112 §3, §6): what each adapter refuses before any
 * file work, the same way on every runtime, and, pinned per runtime, what
 * the runtimes' own parsers answer before any code of ours runs
 * (SECURITY.md, "Runtime limits").
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { connect as http2Connect } from "node:http2";
import {
  checkFraming,
  isValidHost,
  REBASE,
  refusal,
  type RequestHead,
  SERVE,
  targetPath,
} from "../src/adapters/_request_framing.ts";
import { createFileHandler } from "../src/core/handler.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import { buildFixture, RUNTIME, runtimeFileSystem } from "./_helpers/fixture.ts";
import { fieldValues, sendRaw, type WireResult } from "./_helpers/raw_wire.ts";
import { selfSignedCertificate } from "./_helpers/tls.ts";

const fixture = buildFixture();
// Settled files may be cached: the refusals must come before the cache.
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 200));
const serve = await runtimeServe();
const controller = new AbortController();
const files = await serve({ root: fixture.root, port: 0, signal: controller.signal });

/** What the echo server's handler was asked for: `METHOD url`. */
const seen: string[] = [];
const echoHandler = async (request: Request) => {
  seen.push(`${request.method} ${request.url}`);
  // Read, so that the runtime parses the whole body (some check chunks only then).
  if (request.body !== null) await request.arrayBuffer().catch(() => {});
  return new Response(`${request.method} ${request.url}\n`, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
};
const echo = await serve({ handler: echoHandler, port: 0, signal: controller.signal });

after(async () => {
  controller.abort();
  await Promise.all([files.finished, echo.finished]);
  fixture.remove();
});

const FILES = files.url.host;
const ECHO = echo.url.host;

function statuses(result: WireResult): number[] {
  return result.responses.map((response) => response.status);
}

/** Sends `payload` to the echo server and expects one refusal, the handler not reached. */
async function assertRefused(payload: string, status: number, message?: string): Promise<void> {
  const before = seen.length;
  const result = await sendRaw(echo.url, payload, { responses: 1 });
  assert.deepEqual(statuses(result), [status], message ?? JSON.stringify(payload));
  assert.deepEqual(fieldValues(result.responses[0], "connection"), ["close"]);
  assert.deepEqual(seen.slice(before), [], "the handler must not run");
}

// ---- checkFraming() and its parts: the one shared rule set.

function head(fields: Partial<RequestHead>): RequestHead {
  return {
    method: "GET",
    target: "/a",
    host: "example.com",
    version: "1.1",
    transferEncoding: false,
    ...fields,
  };
}

test("checkFraming() refuses CONNECT with 405, whatever its target", () => {
  for (const target of ["example.com:443", "/a", "http://example.com:443"]) {
    assert.equal(checkFraming(head({ method: "CONNECT", target }), "http"), 405);
    assert.equal(checkFraming(head({ method: "CONNECT", target, version: null }), "http"), 405);
  }
});

test("checkFraming() refuses request lines other than HTTP/1.0 and HTTP/1.1 with 505", () => {
  for (const version of ["2.0", "0.9", "1.2", "3.0"]) {
    assert.equal(checkFraming(head({ version }), "http"), 505, version);
  }
  assert.equal(checkFraming(head({ version: "1.0" }), "http"), SERVE);
  // HTTP/2 requests come with version null: they are not request lines.
  assert.equal(checkFraming(head({ version: null }), "https"), SERVE);
});

test("checkFraming() refuses Transfer-Encoding in HTTP/1.0 with 400", () => {
  assert.equal(checkFraming(head({ version: "1.0", transferEncoding: true }), "http"), 400);
  assert.equal(checkFraming(head({ version: "1.1", transferEncoding: true }), "http"), SERVE);
});

test("checkFraming() refuses a request without Host with 400, HTTP/1.0 included", () => {
  for (const version of ["1.1", "1.0", null]) {
    assert.equal(checkFraming(head({ host: null, version }), "http"), 400, String(version));
  }
});

test("checkFraming() refuses repeated or invalid Host fields with 400", () => {
  for (const host of ["a.example, b.example", "", "a b", "user@a.example", "a.example:99999"]) {
    assert.equal(checkFraming(head({ host }), "http"), 400, host);
  }
});

test("checkFraming() serves origin-form targets and the URL a runtime built from Host", () => {
  assert.equal(checkFraming(head({ target: "//evil.example/a" }), "http"), SERVE);
  const built = { version: null, host: "example.com:8000" };
  for (const target of ["http://example.com:8000/a?q", "http://example.com:8000?q"]) {
    assert.equal(checkFraming(head({ ...built, target }), "http"), SERVE, target);
  }
  assert.equal(
    checkFraming(head({ ...built, target: "https://EXAMPLE.com:8000/a" }), "https"),
    SERVE,
  );
});

test("checkFraming() rebases an absolute-form target naming another host or scheme", () => {
  for (
    const target of [
      "http://evil.example/a",
      "http://example.com.evil.example/a",
      "http://example.com:8000/a",
      "https://example.com/a",
      "http://user:pass@example.com/a",
      "HTTP://example.com/a",
    ]
  ) {
    assert.equal(checkFraming(head({ target }), "http"), REBASE, target);
  }
});

test("checkFraming() refuses the asterisk-form except for OPTIONS", () => {
  assert.equal(checkFraming(head({ method: "OPTIONS", target: "*" }), "http"), SERVE);
  for (const method of ["GET", "HEAD", "POST"]) {
    assert.equal(checkFraming(head({ method, target: "*" }), "http"), 400, method);
  }
});

test("checkFraming() refuses authority-form targets and schemes other than http and https", () => {
  for (const target of ["example.com:443", "ftp://example.com/a", "a/b", "http:/a", ""]) {
    assert.equal(checkFraming(head({ target }), "http"), 400, target);
  }
});

test("isValidHost() accepts names, addresses and ports up to 65535", () => {
  for (
    const host of [
      "example.com",
      "example.com.",
      "my_service:8000",
      "127.0.0.1:65535",
      "[::1]",
      "[2001:db8::1]:443",
      "localhost:",
      "xn--nxasmq6b.example",
    ]
  ) {
    assert.equal(isValidHost(host), true, host);
  }
});

test("isValidHost() refuses empty, repeated, userinfo, spaces, controls and bad ports", () => {
  for (
    const host of [
      "",
      ":8000",
      "a.example, b.example",
      "a.example,b.example",
      "user@a.example",
      "a b",
      "a\tb",
      "a\x00b",
      "a/b",
      "a?b",
      "a#b",
      "a%41",
      "a\\b",
      "[::1",
      "[]",
      "[::1]x",
      "a:b",
      "a:65536",
      "a:0000080",
      "é.example",
    ]
  ) {
    assert.equal(isValidHost(host), false, JSON.stringify(host));
  }
});

test("targetPath() gives the path and query of each target form", () => {
  assert.equal(targetPath("/a/b?q=1"), "/a/b?q=1");
  assert.equal(targetPath("//evil.example/x"), "//evil.example/x");
  assert.equal(targetPath("*"), "/*");
  assert.equal(targetPath("http://example.com"), "/");
  assert.equal(targetPath("http://example.com?q"), "/?q");
  assert.equal(targetPath("https://u:p@example.com:8443/a/b?q"), "/a/b?q");
});

test("refusal() closes the connection, and its 405 allows no method", () => {
  const bad = refusal(400, "GET");
  assert.deepEqual(bad.headers.at(-1), ["connection", "close"]);
  assert.equal(bad.body, "Bad Request\n");
  const connect = refusal(405, "CONNECT");
  assert.deepEqual(connect.headers.find(([name]) => name === "allow"), ["allow", ""]);
  assert.equal(refusal(505, "HEAD").body, "");
});

// ---- createFileHandler() used without an adapter (e.g. given to Deno.serve).

test("createFileHandler() answers a request whose url is no URL with 400, not 500", async () => {
  const errors: unknown[] = [];
  const handler = createFileHandler({
    root: fixture.root,
    fs: await runtimeFileSystem(),
    onError: (error) => errors.push(error),
  });
  // What Deno.serve and Bun.serve hand over for a bad Host field.
  for (const url of ["http://a b/hello.txt", "/hello.txt", "example.com:443"]) {
    const request = { method: "GET", url, headers: new Headers() } as unknown as Request;
    assert.equal((await handler(request)).status, 400, url);
  }
  assert.deepEqual(errors, []);
});

test("createFileHandler() answers CONNECT with 405", async () => {
  const handler = createFileHandler({ root: fixture.root, fs: await runtimeFileSystem() });
  const request = {
    method: "CONNECT",
    url: "example.com:443",
    headers: new Headers(),
  } as unknown as Request;
  const response = await handler(request);
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

// ---- serve(): the same contract on every runtime, over raw sockets.

test("serve() still serves well-formed requests, pipelined on one connection", async () => {
  const result = await sendRaw(
    files.url,
    `GET /hello.txt HTTP/1.1\r\nHost: ${FILES}\r\n\r\n` +
      `GET http://${FILES}/hello.txt HTTP/1.1\r\nHost: ${FILES}\r\n\r\n` +
      `GET /hello.txt HTTP/1.0\r\nHost: ${FILES}\r\n\r\n`,
    { timeoutMs: 5000 },
  );
  assert.deepEqual(statuses(result), [200, 200, 200]);
  for (const response of result.responses) assert.equal(response.body, "hello world\n");
});

test("serve() refuses an HTTP/1.1 request without Host with 400", async () => {
  await assertRefused(`GET /hello.txt HTTP/1.1\r\n\r\n`, 400);
});

test("serve() refuses an HTTP/1.0 request without Host with 400, before the file cache", async () => {
  // Cached by the first answer, so a hit would answer the second.
  const warm = await sendRaw(files.url, `GET /hello.txt HTTP/1.1\r\nHost: ${FILES}\r\n\r\n`, {
    responses: 1,
  });
  assert.deepEqual(statuses(warm), [200]);
  const result = await sendRaw(files.url, `GET /hello.txt HTTP/1.0\r\n\r\n`, { responses: 1 });
  assert.deepEqual(statuses(result), [400]);
  await assertRefused(`GET /a HTTP/1.0\r\n\r\n`, 400);
});

test("serve() refuses a request with two Host lines with 400", async () => {
  await assertRefused(`GET /a HTTP/1.1\r\nHost: ${ECHO}\r\nHost: evil.example\r\n\r\n`, 400);
  await assertRefused(`GET /a HTTP/1.1\r\nHost: ${ECHO}\r\nHost: ${ECHO}\r\n\r\n`, 400);
});

test("serve() refuses an invalid Host field with 400", async () => {
  for (const host of ["", "a b", "user@evil.example", `${ECHO}, evil.example`, "x:99999"]) {
    await assertRefused(`GET /a HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400, JSON.stringify(host));
  }
});

test("serve() refuses Transfer-Encoding in HTTP/1.0 and never serves what is smuggled behind it", async () => {
  const before = seen.length;
  const result = await sendRaw(
    echo.url,
    `POST /a HTTP/1.0\r\nHost: ${ECHO}\r\nConnection: keep-alive\r\n` +
      `Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n` +
      `GET /smuggled HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`,
    { timeoutMs: 3000 },
  );
  assert.deepEqual(statuses(result), [400]);
  assert.equal(result.closed, true, "the connection must close");
  assert.deepEqual(seen.slice(before), [], "the handler must not run");
  // Without Content-Length, the body is read as chunked and the smuggled
  // request comes right behind it.
  await assertRefused(
    `POST /a HTTP/1.0\r\nHost: ${ECHO}\r\nConnection: keep-alive\r\n` +
      `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`,
    400,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(seen.slice(before), [], "the smuggled request must not run");
});

test("serve() answers CONNECT with 405 and opens no tunnel", async () => {
  for (const target of ["example.com:443", `${ECHO}`]) {
    const before = seen.length;
    const result = await sendRaw(
      echo.url,
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`,
      { responses: 1 },
    );
    assert.deepEqual(statuses(result), [405], target);
    assert.deepEqual(fieldValues(result.responses[0], "allow"), [""]);
    assert.deepEqual(fieldValues(result.responses[0], "connection"), ["close"]);
    assert.deepEqual(seen.slice(before), []);
  }
  const file = await sendRaw(files.url, `CONNECT ${FILES} HTTP/1.1\r\nHost: ${FILES}\r\n\r\n`, {
    responses: 1,
  });
  assert.deepEqual(statuses(file), [405]);
});

test("serve() refuses an authority-form target with another method than CONNECT (400)", async () => {
  await assertRefused(`GET example.com:443 HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`, 400);
});

test("serve() refuses the asterisk-form with another method than OPTIONS (400)", async () => {
  await assertRefused(`GET * HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`, 400);
});

test("serve() refuses an absolute-form target whose scheme is not http or https (400)", async () => {
  await assertRefused(`GET ftp://evil.example/a HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`, 400);
});

test("serve() answers an absolute-form target naming another host for this server only", async () => {
  for (
    const target of [
      "http://evil.example/a?q",
      "https://evil.example/a?q",
      `http://user:pass@${ECHO}/a?q`,
      `http://${ECHO}/a?q`,
    ]
  ) {
    const result = await sendRaw(echo.url, `GET ${target} HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`, {
      responses: 1,
    });
    assert.deepEqual(statuses(result), [200], target);
    assert.equal(result.responses[0].body, `GET http://${ECHO}/a?q\n`, target);
  }
  const file = await sendRaw(
    files.url,
    `GET http://evil.example/hello.txt HTTP/1.1\r\nHost: ${FILES}\r\n\r\n`,
    { responses: 1 },
  );
  assert.deepEqual(statuses(file), [200]);
  assert.equal(file.responses[0].body, "hello world\n");
});

test("serve() refuses HTTP/2.0 and HTTP/0.9 request lines over HTTP/1", async () => {
  // The status is the runtime's where its parser answers (pinned below).
  for (const payload of [`GET /a HTTP/2.0\r\nHost: ${ECHO}\r\n\r\n`, `GET /a\r\n\r\n`]) {
    const before = seen.length;
    const result = await sendRaw(echo.url, payload, { responses: 1 });
    assert.equal(result.responses.length, 1, JSON.stringify(payload));
    assert.ok([400, 505].includes(result.responses[0].status), JSON.stringify(payload));
    assert.deepEqual(seen.slice(before), []);
  }
});

// Bun.serve 1.4 speaks HTTP/1.1 only; Deno.serve and node:http2 offer h2 by
// ALPN (as in tls.test.ts).
const OFFERS_HTTP2 = RUNTIME !== "bun";

test("serve() with tls serves HTTP/2 requests, whose :authority stands for Host", async () => {
  if (!OFFERS_HTTP2) return;
  const tls = selfSignedCertificate();
  const tlsController = new AbortController();
  const server = await serve({
    handler: echoHandler,
    port: 0,
    signal: tlsController.signal,
    tls,
  });
  try {
    // `localhost:PORT` is also what Deno puts in the URL of an HTTP/1
    // request without Host.
    for (const authority of [server.url.host, `localhost:${server.url.port}`]) {
      const session = http2Connect(server.url.origin, { ca: tls.cert });
      try {
        const body = await new Promise<string>((resolve, reject) => {
          const stream = session.request({ ":path": "/a", ":authority": authority });
          let text = "";
          stream.setEncoding("utf8");
          stream.on("data", (chunk) => (text += chunk));
          stream.on("end", () => resolve(text));
          stream.on("error", reject);
          stream.end();
        });
        assert.equal(body, `GET https://${authority}/a\n`);
      } finally {
        session.close();
      }
    }
  } finally {
    tlsController.abort();
    await server.finished;
  }
});

// ---- Runtime limits: what a runtime answers before any code of ours runs,
// or hides from it. Pinned as they are today, so that a runtime upgrade
// that changes one is noticed: update SECURITY.md's runtime-limits table.

type Answer = number | "no answer";

interface Limit {
  name: string;
  payload: (host: string) => string;
  /** The first answer on each runtime: a status, or a close without one. */
  expected: Record<typeof RUNTIME, Answer>;
}

const LIMITS: Limit[] = [
  {
    name: "a control character in the request-target (Bun: 505, oven-sh/bun#19326)",
    payload: (host) => `GET /a\x01b HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 400, bun: 505, node: 400 },
  },
  {
    name: "a space in the request-target (Bun: 505, oven-sh/bun#19326)",
    payload: (host) => `GET /a b HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 400, bun: 505, node: 400 },
  },
  {
    name: "bare LF line endings (Deno serves them, as RFC 9112 §2.2 allows)",
    payload: (host) => `GET /a HTTP/1.1\nHost: ${host}\n\n`,
    expected: { deno: 200, bun: 505, node: 400 },
  },
  {
    name: "a bare CR in the request line",
    payload: (host) => `GET /a HTTP/1.1\rHost: ${host}\r\n\r\n`,
    expected: { deno: 400, bun: 505, node: 400 },
  },
  {
    name: "a bare CR in a field value",
    payload: (host) => `GET /a HTTP/1.1\r\nHost: ${host}\r\nX-A: a\rb\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "DEL in a field value (Bun serves it)",
    payload: (host) => `GET /a HTTP/1.1\r\nHost: ${host}\r\nX-A: a\x7fb\r\n\r\n`,
    expected: { deno: 400, bun: 200, node: 400 },
  },
  {
    name: "an invalid chunk size (Deno closes without an answer)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n`,
    expected: { deno: "no answer", bun: 400, node: 400 },
  },
  {
    name: "an overflowing chunk size (Deno closes without an answer)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `ffffffffffffffffffff\r\nab\r\n0\r\n\r\n`,
    expected: { deno: "no answer", bun: 400, node: 400 },
  },
  {
    name: "whitespace after a chunk size (Deno reads it)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n`,
    expected: { deno: 200, bun: 400, node: 400 },
  },
  {
    name: "a bare LF after a chunk extension (Deno closes without an answer)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n2;x\nab\r\n0\r\n\r\n`,
    expected: { deno: "no answer", bun: 400, node: 400 },
  },
  {
    name: "Content-Length and Transfer-Encoding together",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\n` +
      `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "two equal Content-Length lines (Deno and Bun read them as one)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab`,
    expected: { deno: 200, bun: 200, node: 400 },
  },
  {
    name: "two different Content-Length lines",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nabcde`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "Transfer-Encoding: gzip, chunked (Bun refuses the coding)",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    expected: { deno: 200, bun: 400, node: 200 },
  },
  {
    name: "Transfer-Encoding other than chunked last",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "an obs-fold line",
    payload: (host) => `GET /a HTTP/1.1\r\nHost: ${host}\r\nX-A: one\r\n two\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "a space before the colon",
    payload: (host) =>
      `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "NUL in a field value",
    payload: (host) => `GET /a HTTP/1.1\r\nHost: ${host}\r\nX-A: a\x00b\r\n\r\n`,
    expected: { deno: 400, bun: 400, node: 400 },
  },
  {
    name: "a 100 KB request line (Deno: 400, Bun and Node: 431)",
    payload: (host) => `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 400, bun: 431, node: 431 },
  },
  {
    name: "a 100 KB field (Deno: 400, Bun and Node: 431)",
    payload: (host) => `GET /a HTTP/1.1\r\nHost: ${host}\r\nX-A: ${"a".repeat(100_000)}\r\n\r\n`,
    expected: { deno: 400, bun: 431, node: 431 },
  },
  {
    name: "an HTTP/2.0 request line (Deno: 400, Bun: 505; Node: 505 from the adapter)",
    payload: (host) => `GET /a HTTP/2.0\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 400, bun: 505, node: 505 },
  },
  {
    name: "an HTTP/0.9 request line (Deno: 400, Bun: 505; Node: 505 from the adapter)",
    payload: () => `GET /a\r\n\r\n`,
    expected: { deno: 400, bun: 505, node: 505 },
  },
  {
    name: "OPTIONS * (Bun refuses it; Deno hands it over as OPTIONS /*)",
    payload: (host) => `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 200, bun: 400, node: 200 },
  },
  {
    name: "a lower-case method (Bun closes without an answer; Deno hands it over)",
    payload: (host) => `get /a HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 200, bun: "no answer", node: 400 },
  },
  {
    name: "an empty line before the request line (Bun refuses it)",
    payload: (host) => `\r\nGET /a HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    expected: { deno: 200, bun: 400, node: 200 },
  },
  {
    name: "an absolute-form request without Host (Deno serves it)",
    payload: () => `GET http://evil.example/a HTTP/1.1\r\n\r\n`,
    expected: { deno: 200, bun: 400, node: 400 },
  },
];

for (const limit of LIMITS) {
  test(`runtime limit: ${limit.name}`, async () => {
    const result = await sendRaw(echo.url, limit.payload(ECHO), { responses: 1 });
    const answer: Answer = result.responses[0]?.status ?? "no answer";
    const expected = limit.expected[RUNTIME];
    assert.equal(
      answer,
      expected,
      `${RUNTIME} now answers ${answer} (was ${expected}): update SECURITY.md's runtime-limits table`,
    );
  });
}

test("runtime limit: Deno keeps the connection open after a refusal that says Connection: close", async () => {
  const result = await sendRaw(
    echo.url,
    `GET /a HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\nHost: ${ECHO}\r\n\r\n`,
    { timeoutMs: 1500 },
  );
  const expected = RUNTIME === "deno"
    ? { statuses: [400, 200], closed: false }
    : { statuses: [400], closed: true };
  assert.deepEqual(
    { statuses: statuses(result), closed: result.closed },
    expected,
    `${RUNTIME} changed how it closes after Connection: close: update SECURITY.md's runtime-limits table`,
  );
});

test("runtime limit: Deno over TLS serves HTTP/1.1 without Host (it looks like HTTP/2)", async () => {
  const tls = selfSignedCertificate();
  const tlsController = new AbortController();
  const server = await serve({ handler: echoHandler, port: 0, signal: tlsController.signal, tls });
  try {
    const result = await sendRaw(server.url, `GET /a HTTP/1.1\r\n\r\n`, {
      responses: 1,
      tlsCa: tls.cert,
    });
    const expected = RUNTIME === "deno" ? 200 : 400;
    assert.equal(
      result.responses[0]?.status,
      expected,
      `${RUNTIME} changed: update SECURITY.md's runtime-limits table`,
    );
  } finally {
    tlsController.abort();
    await server.finished;
  }
});
