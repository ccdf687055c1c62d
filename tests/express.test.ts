/**
 * serveFiles() of @seed/fileserver/express in a real Express 5 app, a real
 * Connect app and a real Polka app, on node:http servers bound to
 * 127.0.0.1 port 0.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import expressModule from "express";
import connectModule from "connect";
import polka from "polka";
import { type NodeMiddleware, serveFiles } from "../src/express.ts";
import { nodeFileSystem } from "../src/fs/node.ts";
import type { FileInfo, FileSystem } from "../src/core/fs.ts";
import { RUNTIME } from "./_helpers/fixture.ts";

const ROOT = mkdtempSync(join(tmpdir(), "fileserver-express-"));
mkdirSync(join(ROOT, "docs"), { recursive: true });
writeFileSync(join(ROOT, "hello.txt"), "hello, world\n");
writeFileSync(join(ROOT, ".secret"), "hidden\n");
writeFileSync(join(ROOT, "docs", "index.html"), "<h1>docs</h1>\n");

const failing = {
  ...nodeFileSystem(),
  stat: () => Promise.reject(new Error("disk on fire")),
  lstat: () => Promise.reject(new Error("disk on fire")),
  realPath: () => Promise.reject(new Error("disk on fire")),
  realStat: () => Promise.reject(new Error("disk on fire")),
};

// The few members used here: neither package ships its own types.
type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type Sender = { send(body: string): void; status(code: number): Sender };
type Route = (req: IncomingMessage, res: ServerResponse & Sender) => void;
type ErrorHandler = (error: Error, req: unknown, res: Sender, next: unknown) => void;
interface App extends Listener {
  use(...handlers: (string | NodeMiddleware | Route | ErrorHandler)[]): void;
  get(path: string, route: Route): void;
  post(path: string, route: Route): void;
}
const express = expressModule as unknown as () => App;
const connect = connectModule as unknown as () => App;

function expressApp() {
  const app = express();
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader("x-app", "set before the middleware");
    next();
  });
  app.use(serveFiles({ root: ROOT }));
  app.use("/static", serveFiles({ root: ROOT }));
  app.use("/strict", serveFiles({ root: ROOT, fallthrough: false }));
  app.use("/broken", serveFiles({ root: ROOT, fs: failing }));
  app.get("/missing.txt", (_req, res) => void res.send("after the middleware"));
  app.post("/hello.txt", (_req, res) => void res.send("posted"));
  // Express 5's error handler: four parameters.
  app.use(
    ((error, _req, res, _next) =>
      void res.status(500).send(`caught: ${error.message}`)) as ErrorHandler,
  );
  return app;
}

function connectApp() {
  const app = connect();
  app.use("/static", serveFiles({ root: ROOT }));
  app.use(((_req, res) => void res.end("after the middleware")) as Route);
  return app;
}

function polkaApp() {
  const app = polka({
    onError: (error, _req, res) => void res.end(`caught: ${(error as Error).message}`),
  });
  app.use("/static", serveFiles({ root: ROOT }));
  app.use("/broken", serveFiles({ root: ROOT, fs: failing }));
  app.get("/static/missing.txt", (_req, res) => void res.end("after the middleware"));
  return app.handler as Listener;
}

let servers: { server: Server; base: string }[] = [];

async function listen(listener: Listener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push({ server, base });
  return base;
}

let EXPRESS = "";
let CONNECT = "";
let POLKA = "";
test.before(async () => {
  EXPRESS = await listen(expressApp());
  CONNECT = await listen(connectApp());
  POLKA = await listen(polkaApp());
});
test.after(async () => {
  for (const { server } of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
  servers = [];
  rmSync(ROOT, { recursive: true, force: true });
});

const get = (base: string, path: string, init?: RequestInit) =>
  fetch(`${base}${path}`, { redirect: "manual", ...init });

test(`serveFiles() on ${RUNTIME} serves a file with validators through Express`, async () => {
  for (let i = 0; i < 2; i++) {
    // The second request is answered from the core's cache.
    const response = await get(EXPRESS, "/hello.txt");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "hello, world\n");
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.ok(response.headers.get("etag"));
    assert.ok(response.headers.get("last-modified"));
    // Fields the app set before the middleware are kept, and not doubled.
    assert.equal(response.headers.get("x-app"), "set before the middleware");
    assert.equal(response.headers.get("x-powered-by"), "Express");
  }
});

test(`serveFiles() on ${RUNTIME} answers Range with 206`, async () => {
  const response = await get(EXPRESS, "/hello.txt", { headers: { range: "bytes=0-4" } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), "bytes 0-4/13");
  assert.equal(await response.text(), "hello");
});

test(`serveFiles() on ${RUNTIME} answers If-None-Match with 304`, async () => {
  const etag = (await get(EXPRESS, "/hello.txt")).headers.get("etag")!;
  const response = await get(EXPRESS, "/hello.txt", { headers: { "if-none-match": etag } });
  assert.equal(response.status, 304);
  assert.equal(await response.text(), "");
});

test(`serveFiles() on ${RUNTIME} answers HEAD without a body`, async () => {
  const response = await get(EXPRESS, "/hello.txt", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "13");
  assert.equal(await response.text(), "");
});

test(`serveFiles() on ${RUNTIME} falls through to a route on a missing file`, async () => {
  const response = await get(EXPRESS, "/missing.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "after the middleware");
});

// The node port with every time ten seconds older, consistently: folders
// count as settled at once, so the negative cache keeps missing paths here.
// It counts the lookups of full paths.
function agedPort() {
  const port = nodeFileSystem();
  const lookups: string[] = [];
  const age = (info: FileInfo): FileInfo => ({
    ...info,
    mtimeMs: info.mtimeMs === null ? null : info.mtimeMs - 10_000,
    ctimeMs: info.ctimeMs === null ? null : info.ctimeMs - 10_000,
  });
  const fs: FileSystem = {
    ...port,
    lstat: async (path) => age(await port.lstat(path)),
    lstatSync: (path) => age(port.lstatSync!(path)),
    realStat: async (path) => {
      lookups.push(path.slice(ROOT.length));
      const found = await port.realStat(path);
      return { ...found, info: age(found.info) };
    },
  };
  return { fs, lookups };
}

test(`serveFiles() on ${RUNTIME} falls through on a path known to be missing`, async () => {
  const aged = agedPort();
  const app = express();
  app.use("/aged", serveFiles({ root: ROOT, fs: aged.fs }));
  app.use("/strict", serveFiles({ root: ROOT, fs: aged.fs, fallthrough: false }));
  app.use(((_req, res) => void res.end("after the middleware")) as Route);
  const base = await listen(app);
  const answers: string[] = [];
  for (const path of ["/aged/gone.txt", "/aged/gone.txt", "/strict/gone.txt", "/strict/gone.txt"]) {
    const response = await get(base, path);
    answers.push(
      `${response.status} ${response.headers.get("content-type")} ${await response.text()}`,
    );
  }
  assert.deepEqual(answers, [
    "200 null after the middleware",
    "200 null after the middleware",
    "404 text/plain; charset=utf-8 Not Found\n",
    "404 text/plain; charset=utf-8 Not Found\n",
  ]);
  // Each second request was answered from the negative cache.
  assert.deepEqual(aged.lookups, ["/gone.txt", "/gone.txt"]);
});

test(`serveFiles() on ${RUNTIME} falls through on POST (405 semantics)`, async () => {
  const response = await get(EXPRESS, "/hello.txt", { method: "POST", body: "x" });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "posted");
});

test(`serveFiles() on ${RUNTIME} with fallthrough false answers 404 and 405`, async () => {
  const missing = await get(EXPRESS, "/strict/missing.txt");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const posted = await get(EXPRESS, "/strict/hello.txt", { method: "POST", body: "x" });
  assert.equal(posted.status, 405);
  assert.match(posted.headers.get("allow") ?? "", /GET/);
  await posted.body?.cancel();
});

test(`serveFiles() on ${RUNTIME} serves under a mount path, redirecting folders with it`, async () => {
  const file = await get(EXPRESS, "/static/hello.txt");
  assert.equal(file.status, 200);
  assert.equal(await file.text(), "hello, world\n");
  const folder = await get(EXPRESS, "/static/docs?x=1");
  assert.equal(folder.status, 301);
  assert.equal(folder.headers.get("location"), "/static/docs/?x=1");
  await folder.body?.cancel();
  const index = await get(EXPRESS, "/static/docs/");
  assert.equal(await index.text(), "<h1>docs</h1>\n");
});

test(`serveFiles() on ${RUNTIME} keeps Connect's mount path in folder redirects`, async () => {
  const file = await get(CONNECT, "/static/hello.txt");
  assert.equal(await file.text(), "hello, world\n");
  const folder = await get(CONNECT, "/static/docs");
  assert.equal(folder.status, 301);
  assert.equal(folder.headers.get("location"), "/static/docs/");
  await folder.body?.cancel();
  const missing = await get(CONNECT, "/static/missing.txt");
  assert.equal(await missing.text(), "after the middleware");
});

test(`serveFiles() on ${RUNTIME} in Polka: served, mount path kept, falls through, errors`, async () => {
  const file = await get(POLKA, "/static/hello.txt");
  assert.equal(file.status, 200);
  assert.equal(await file.text(), "hello, world\n");
  const part = await get(POLKA, "/static/hello.txt", { headers: { range: "bytes=0-4" } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), "hello");
  const folder = await get(POLKA, "/static/docs");
  assert.equal(folder.status, 301);
  assert.equal(folder.headers.get("location"), "/static/docs/");
  await folder.body?.cancel();
  const missing = await get(POLKA, "/static/missing.txt");
  assert.equal(await missing.text(), "after the middleware");
  const broken = await get(POLKA, "/broken/hello.txt");
  assert.equal(await broken.text(), "caught: disk on fire");
});

test(`serveFiles() on ${RUNTIME} sends an I/O error to next(err)`, async () => {
  const response = await get(EXPRESS, "/broken/hello.txt");
  assert.equal(response.status, 500);
  assert.equal(await response.text(), "caught: disk on fire");
});

test(`serveFiles() on ${RUNTIME} does not serve dotfiles`, async () => {
  const fellThrough = await get(EXPRESS, "/.secret");
  assert.notEqual(await fellThrough.text(), "hidden\n");
  const strict = await get(EXPRESS, "/strict/.secret");
  assert.equal(strict.status, 404);
  assert.notEqual(await strict.text(), "hidden\n");
});

test("serveFiles() rejects a mistyped fallthrough at construction", () => {
  assert.throws(
    () => serveFiles({ root: ROOT, fallthrough: "no" as unknown as boolean }),
    TypeError,
  );
  assert.throws(() => serveFiles({ root: "" }), TypeError);
});
