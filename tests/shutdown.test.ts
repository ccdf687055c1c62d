import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeServe } from "./_helpers/adapter.ts";
import { pattern, RUNTIME } from "./_helpers/fixture.ts";
import { closedWithin, openSocket, readResponse } from "./_helpers/sockets.ts";

// Large enough that loopback socket buffers cannot swallow it before the
// abort: the download is really in flight.
const LARGE = 50 * 1024 * 1024;
let root = "";
let expected: Uint8Array;

before(() => {
  root = mkdtempSync(join(tmpdir(), "fileserver-shutdown-"));
  expected = pattern(LARGE);
  writeFileSync(join(root, "large.bin"), expected);
  writeFileSync(join(root, "small.txt"), "small\n");
});
after(() => rmSync(root, { recursive: true, force: true }));

const serve = await runtimeServe();

test("serve() lets an in-flight download finish byte for byte after abort", async () => {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal, gracePeriodMs: 60_000 });
  const socket = await openSocket(server.url);
  socket.write("GET /large.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const response = readResponse(socket, {
    bodyLength: LARGE,
    slowMs: 1,
    onFirstData: () => controller.abort(),
  });
  const { head, body, complete } = await response;
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.ok(complete, `got ${body.byteLength} of ${LARGE} bytes`);
  assert.ok(Buffer.from(body).equals(Buffer.from(expected)), "bytes differ");
  socket.destroy();
  await server.finished;
});

test("serve() closes idle keep-alive connections at once on abort", async () => {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal, gracePeriodMs: 60_000 });
  const socket = await openSocket(server.url);
  socket.write("GET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const { complete } = await readResponse(socket, { bodyLength: 6 });
  assert.ok(complete);
  controller.abort();
  // Far below the 60 s grace period: the idle connection is not waited for.
  assert.ok(await closedWithin(socket, 5_000), "idle connection still open");
  await server.finished;
});

test("serve() stops accepting new connections after abort", async () => {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal });
  controller.abort();
  await server.finished;
  await assert.rejects(() => fetch(new URL("/small.txt", server.url)));
});

test("serve() cuts what is still open after gracePeriodMs and then finishes", async () => {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal, gracePeriodMs: 200 });
  const socket = await openSocket(server.url);
  socket.write("GET /large.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
  // A reader that would need minutes for the whole file.
  const response = readResponse(socket, {
    bodyLength: LARGE,
    slowMs: 20,
    onFirstData: () => controller.abort(),
  });
  await server.finished;
  assert.ok(await closedWithin(socket, 10_000), "connection not cut after the grace period");
  const { complete } = await response;
  assert.ok(!complete, "the slow download should have been cut");
});

test("serve() with an already aborted signal finishes at once", async () => {
  const server = await serve({ root, port: 0, signal: AbortSignal.abort() });
  await server.finished;
  await assert.rejects(() => fetch(new URL("/small.txt", server.url)));
});

test("serve() treats a second abort as harmless", async () => {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal });
  controller.abort();
  controller.abort();
  (controller.signal as unknown as EventTarget).dispatchEvent(new Event("abort"));
  await server.finished;
});

test("serve() leaves no timer, handle or socket behind: the process exits by itself", () => {
  const script = join(root, "exit_probe.ts");
  const adapter = fileURLToPath(new URL(`../src/adapters/${RUNTIME}.ts`, import.meta.url));
  writeFileSync(
    script,
    `import { serve } from ${JSON.stringify(adapter)};
const controller = new AbortController();
const server = await serve({ root: ${
      JSON.stringify(root)
    }, port: 0, signal: controller.signal, gracePeriodMs: 30000 });
const response = await fetch(new URL("/small.txt", server.url));
await response.text();
controller.abort();
await server.finished;
console.log("stopped");
`,
  );
  const args = RUNTIME === "deno" ? ["run", "-A", script] : [script];
  const result = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 20_000 });
  assert.equal(result.stdout.trim(), "stopped", result.stderr);
  // A leftover timer (such as the 30 s grace timer) would hit the timeout.
  assert.equal(result.status, 0, result.stderr);
});
