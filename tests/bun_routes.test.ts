// fileRoute() (src/adapters/bun.ts) as a `Bun.serve` route: the files beside
// other routes, with the answers serve() gives on Bun, its native sends and
// their descriptors released. Bun only; Deno and Node report it as skipped.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pattern, RUNTIME } from "./_helpers/fixture.ts";
import { rawExchange } from "./_helpers/raw_http.ts";
import type { BunRouteHandler } from "../src/adapters/bun.ts";

const skip = RUNTIME !== "bun" && "Bun.serve routes exist on Bun only";
const BIG = 3 * 1024 * 1024;

interface BunServer {
  url: URL;
  port: number;
  pendingRequests: number;
  stop(force: boolean): Promise<void>;
}
interface BunServe {
  serve(options: {
    port: number;
    hostname: string;
    development: boolean;
    routes: Record<string, BunRouteHandler | Response>;
    fetch: (request: Request) => Response;
  }): BunServer;
}

let folder = "";
let server: BunServer;
let base: URL;

before(async () => {
  if (skip) return;
  const { fileRoute } = await import("../src/adapters/bun.ts");
  folder = mkdtempSync(join(tmpdir(), "fileserver-routes-"));
  const root = join(folder, "public");
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(join(root, "a.css"), "body { color: red }\n");
  writeFileSync(join(root, "docs", "index.html"), "<h1>docs</h1>\n");
  writeFileSync(join(root, "big.bin"), pattern(BIG));
  writeFileSync(join(root, "big.pdf"), pattern(BIG));
  // Beside the served folder: never reachable through the route.
  writeFileSync(join(folder, "secret.txt"), "secret\n");
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  server = bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    routes: {
      "/static/*": fileRoute({ root, urlRoot: "/static" }),
      "/api/health": Response.json({ ok: true }),
    },
    fetch: () => new Response("not a route\n", { status: 404 }),
  });
  base = server.url;
});

after(async () => {
  if (skip) return;
  await server.stop(true);
  rmSync(folder, { recursive: true, force: true });
});

const at = (path: string) => new URL(path, base);

test("fileRoute serves files under its route beside other routes", { skip }, async () => {
  const css = await fetch(at("/static/a.css"));
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(await css.text(), "body { color: red }\n");
  assert.match(css.headers.get("etag") ?? "", /^"/);
  const api = await fetch(at("/api/health"));
  assert.deepEqual(await api.json(), { ok: true });
  const other = await fetch(at("/elsewhere"));
  assert.equal(other.status, 404);
  assert.equal(await other.text(), "not a route\n");
});

test("fileRoute answers conditionals and ranges as serve() does", { skip }, async () => {
  const first = await fetch(at("/static/a.css"));
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  const again = await fetch(at("/static/a.css"), { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  const head = await fetch(at("/static/a.css"), {
    method: "HEAD",
    headers: { "if-none-match": etag },
  });
  assert.equal(head.status, 304);
  const part = await fetch(at("/static/a.css"), { headers: { range: "bytes=0-3" } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), "body");
  const post = await fetch(at("/static/a.css"), { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
});

test("fileRoute's HEAD answers carry a Date, as serve()'s do on Bun", { skip }, async () => {
  const head = await fetch(at("/static/a.css"), { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.ok(head.headers.get("date"), "Bun sends no Date with HEAD on its own");
  assert.equal(head.headers.get("content-length"), "20");
});

test("fileRoute sends large files whole and in parts, with their lengths", { skip }, async () => {
  const expected = pattern(BIG);
  for (const name of ["big.bin", "big.pdf"]) {
    const whole = await fetch(at(`/static/${name}`));
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-length"), String(BIG));
    assert.equal(whole.headers.get("content-disposition"), null, name);
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), expected);
    const part = await fetch(at(`/static/${name}`), { headers: { range: "bytes=1000-1999999" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-length"), String(1999000));
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), expected.subarray(1000, 2000000));
  }
});

test("fileRoute releases the descriptors it hands to Bun once the server is idle", {
  skip,
}, async () => {
  // Descriptors of this process open on the served files.
  const open = () =>
    readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(folder);
      } catch {
        return false; // closed since the listing
      }
    }).length;
  const before = 0;
  for (let i = 0; i < 20; i++) {
    const response = await fetch(at(i % 2 ? "/static/big.bin" : "/static/big.pdf"));
    await response.arrayBuffer();
  }
  // The server's sweep (every 100 ms) closes them once no request is in
  // flight, without waiting for a collection of the responses.
  const deadline = Date.now() + 400;
  while (open() > before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(open(), before, "descriptors still open on the served files");
});

test("fileRoute keeps to its urlRoot: Bun's resolved dot-segments and other paths are 404s", {
  skip,
}, async () => {
  // Bun matches "/static/*" on the path as received, then resolves the
  // dot-segments: the route sees /secret.txt, outside its urlRoot.
  for (const target of ["/static/../secret.txt", "/static/%2e%2e/secret.txt"]) {
    const response = await rawExchange(base, { method: "GET", target });
    assert.equal(response.status, 404, target);
    assert.doesNotMatch(response.body.toString(), /secret/);
  }
  const redirect = await fetch(at("/static/docs"), { redirect: "manual" });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/static/docs/");
  assert.equal(await (await fetch(at("/static/docs/"))).text(), "<h1>docs</h1>\n");
  // "/static/*" does not take "/static" itself: the server's fetch answers it.
  assert.equal(await (await fetch(at("/static"))).text(), "not a route\n");
});

test("fileRoute refuses listening options, which belong to Bun.serve", { skip }, async () => {
  const { fileRoute } = await import("../src/adapters/bun.ts");
  assert.throws(
    () => fileRoute({ root: folder, port: 8000 } as never),
    (error) =>
      error instanceof TypeError &&
      error.message === 'Cannot serve: "port" is not a route option; set it on Bun.serve',
  );
  assert.throws(() => fileRoute({} as never), TypeError);
  assert.throws(() => fileRoute({ root: folder, listing: "yes" } as never), TypeError);
});

test(
  "fileRoute refuses to run off Bun",
  { skip: RUNTIME === "bun" && "runs off Bun" },
  async () => {
    const { fileRoute } = await import("../src/adapters/bun.ts");
    assert.throws(() => fileRoute({ root: "." }), /not running on Bun/);
  },
);
