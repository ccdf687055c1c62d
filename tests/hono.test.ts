/**
 * serveStatic() of @seed/fileserver/hono in a real Hono app, on the running
 * runtime: through `app.fetch`, and once through the runtime's own server
 * (Deno.serve, Bun.serve, @hono/node-server on Node).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { serveStatic } from "../src/hono.ts";
import { zlibCompressor } from "../src/fs/zlib_compressor.ts";
import { RUNTIME } from "./_helpers/fixture.ts";

const ROOT = mkdtempSync(join(tmpdir(), "fileserver-hono-"));
mkdirSync(join(ROOT, "static", "docs"), { recursive: true });
writeFileSync(join(ROOT, "static", "hello.txt"), "hello, world\n");
writeFileSync(join(ROOT, "static", ".secret"), "hidden\n");
writeFileSync(join(ROOT, "static", "docs", "index.html"), "<h1>docs</h1>\n");
writeFileSync(join(ROOT, "rewritten.txt"), "from the root\n");
test.after(() => rmSync(ROOT, { recursive: true, force: true }));

function app(): Hono {
  const hono = new Hono();
  hono.use("/static/*", serveStatic({ root: ROOT }));
  hono.get("/static/*", (c) => c.text("after the middleware", 200));
  hono.use(
    "/assets/*",
    serveStatic({ root: ROOT, rewriteRequestPath: (path) => path.replace(/^\/assets/, "") }),
  );
  hono.use("/strict/*", serveStatic({ root: ROOT, urlRoot: "/strict", onNotFound: "404" }));
  hono.get("/strict/*", (c) => c.text("never reached"));
  hono.post("/static/*", (c) => c.text("posted"));
  hono.options("/static/*", (c) => c.text("preflight"));
  return hono;
}

const APP = app();
const fetchApp = (path: string, init?: RequestInit) =>
  APP.fetch(new Request(`http://localhost${path}`, init));

test(`serveStatic() on ${RUNTIME} serves a file with validators`, async () => {
  const response = await fetchApp("/static/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello, world\n");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.ok(response.headers.get("etag"));
  assert.ok(response.headers.get("last-modified"));
});

test(`serveStatic() on ${RUNTIME} falls through to the next route for a missing file`, async () => {
  const response = await fetchApp("/static/missing.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "after the middleware");
});

test(`serveStatic() on ${RUNTIME} falls through on a method it does not serve`, async () => {
  const response = await fetchApp("/static/hello.txt", { method: "POST", body: "x" });
  assert.equal(await response.text(), "posted");
  const options = await fetchApp("/static/hello.txt", { method: "OPTIONS" });
  assert.equal(await options.text(), "preflight");
});

test(`serveStatic() on ${RUNTIME} answers a Range with 206`, async () => {
  const response = await fetchApp("/static/hello.txt", { headers: { range: "bytes=0-4" } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), "bytes 0-4/13");
  assert.equal(await response.text(), "hello");
});

test(`serveStatic() on ${RUNTIME} answers If-None-Match with 304, HEAD too`, async () => {
  const first = await fetchApp("/static/hello.txt");
  await first.body?.cancel();
  const etag = first.headers.get("etag") ?? "";
  for (const method of ["GET", "HEAD"]) {
    const response = await fetchApp("/static/hello.txt", {
      method,
      headers: { "if-none-match": etag },
    });
    assert.equal(response.status, 304, method);
    assert.equal(await response.text(), "");
  }
});

test(`serveStatic() on ${RUNTIME} answers HEAD with headers and no body`, async () => {
  const response = await fetchApp("/static/hello.txt", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "13");
  assert.equal(await response.text(), "");
});

test(`serveStatic() on ${RUNTIME} does not serve a dotfile`, async () => {
  const response = await fetchApp("/static/.secret");
  assert.equal(await response.text(), "after the middleware");
});

test(`serveStatic() on ${RUNTIME} redirects a folder to its slash, then serves its index`, async () => {
  const response = await fetchApp("/static/docs");
  assert.equal(response.status, 301);
  assert.equal(
    new URL(response.headers.get("location") ?? "", "http://localhost").pathname,
    "/static/docs/",
  );
  await response.body?.cancel();
  const index = await fetchApp("/static/docs/");
  assert.equal(await index.text(), "<h1>docs</h1>\n");
});

test(`serveStatic() on ${RUNTIME} looks up the rewritten path`, async () => {
  const response = await fetchApp("/assets/rewritten.txt");
  assert.equal(await response.text(), "from the root\n");
});

test(`serveStatic() on ${RUNTIME} redirects a rewritten folder to the path asked for`, async () => {
  const response = await fetchApp("/assets/static/docs");
  assert.equal(response.status, 301);
  assert.equal(
    new URL(response.headers.get("location") ?? "", "http://localhost").pathname,
    "/assets/static/docs/",
  );
  await response.body?.cancel();
});

test(`serveStatic() on ${RUNTIME} answers 404 with onNotFound "404"`, async () => {
  const missing = await fetchApp("/strict/missing.txt");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  // urlRoot drops the mount prefix: /strict/hello.txt is not under root.
  const found = await fetchApp("/strict/static/hello.txt");
  assert.equal(await found.text(), "hello, world\n");
});

test("serveStatic() refuses a bad onNotFound at construction", () => {
  assert.throws(
    () => serveStatic({ root: ROOT, onNotFound: "nope" as "404" }),
    TypeError,
  );
});

interface Running {
  url: string;
  close: () => Promise<void>;
}

// The runtime's own server, bound to 127.0.0.1 port 0.
async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<Running> {
  if (RUNTIME === "deno") {
    const controller = new AbortController();
    // deno-lint-ignore no-explicit-any
    const Deno = (globalThis as any).Deno;
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
      fetch,
    );
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      close: async () => {
        controller.abort();
        await server.finished;
      },
    };
  }
  if (RUNTIME === "bun") {
    // deno-lint-ignore no-explicit-any
    const Bun = (globalThis as any).Bun;
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
    return { url: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error?: Error) => error ? fail(error) : done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

test(`serveStatic() on ${RUNTIME}'s own server: file, range, 304, fallthrough`, async () => {
  const server = await listen(APP.fetch);
  try {
    const whole = await fetch(`${server.url}/static/hello.txt`);
    assert.equal(whole.status, 200);
    assert.equal(await whole.text(), "hello, world\n");
    const etag = whole.headers.get("etag") ?? "";

    const part = await fetch(`${server.url}/static/hello.txt`, { headers: { range: "bytes=7-" } });
    assert.equal(part.status, 206);
    assert.equal(await part.text(), "world\n");

    const head = await fetch(`${server.url}/static/hello.txt`, {
      method: "HEAD",
      headers: { "if-none-match": etag },
    });
    assert.equal(head.status, 304);
    await head.body?.cancel();

    const next = await fetch(`${server.url}/static/missing.txt`);
    assert.equal(await next.text(), "after the middleware");

    const folder = await fetch(`${server.url}/static/docs`, { redirect: "manual" });
    assert.equal(folder.status, 301);
    await folder.body?.cancel();
  } finally {
    await server.close();
  }
});

test(`serveStatic() on ${RUNTIME} passes the core's options: listing, compression, sidecars`, async () => {
  mkdirSync(join(ROOT, "static", "list"), { recursive: true });
  writeFileSync(join(ROOT, "static", "list", "a.txt"), "a\n");
  const big = "body { color: red; }\n".repeat(200);
  writeFileSync(join(ROOT, "static", "big.css"), big);
  writeFileSync(join(ROOT, "static", "side.js"), "console.log(1);\n".repeat(50));
  writeFileSync(join(ROOT, "static", "side.js.br"), "not really brotli");
  const hono = new Hono();
  hono.use(
    "/static/*",
    serveStatic({
      root: ROOT,
      listing: true,
      precompressed: true,
      compress: zlibCompressor(),
    }),
  );
  const listing = await hono.fetch(new Request("http://localhost/static/list/"));
  assert.equal(listing.status, 200);
  assert.match(await listing.text(), /a\.txt/);

  const compressed = await hono.fetch(
    new Request("http://localhost/static/big.css", { headers: { "accept-encoding": "gzip" } }),
  );
  assert.equal(compressed.headers.get("content-encoding"), "gzip");
  const body = new Uint8Array(await compressed.arrayBuffer());
  assert.equal(new TextDecoder().decode(gunzipSync(body)), big);

  const sidecar = await hono.fetch(
    new Request("http://localhost/static/side.js", { headers: { "accept-encoding": "br" } }),
  );
  assert.equal(sidecar.headers.get("content-encoding"), "br");
  assert.equal(await sidecar.text(), "not really brotli");
});

test("serveStatic() refuses an invalid core option at construction", () => {
  assert.throws(() => serveStatic({ root: ROOT, dotfiles: "sometimes" as "allow" }), TypeError);
  assert.throws(() => serveStatic({ root: ROOT, maxRanges: 0 }), RangeError);
  assert.throws(() => serveStatic({ root: "" }), TypeError);
});

test(`serveStatic({ etag: "content" }) on ${RUNTIME} tags a file by its bytes`, async () => {
  const hono = new Hono();
  hono.use("/static/*", serveStatic({ root: ROOT, etag: "content" }));
  const response = await hono.fetch(new Request("http://localhost/static/hello.txt"));
  assert.equal(await response.text(), "hello, world\n");
  // SHA-256 of "hello, world\n", first 128 bits in base64url.
  assert.equal(response.headers.get("etag"), '"hT_5N2Kgbdv3IsTr6d3WbQ"');
});
