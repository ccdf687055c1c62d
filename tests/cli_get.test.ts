import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import { withBasicAuth } from "../src/core/basic_auth.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import { BIG_SIZE, buildFixture, pattern, runtimeFileSystem } from "./_helpers/fixture.ts";
import { runCli } from "./_helpers/cli.ts";
import type { Server } from "../src/adapters/_serve_options.ts";

const fixture = buildFixture();
const controller = new AbortController();
let server: Server;
// The first download of /cut.bin is cut after CUT_AT bytes, as a network
// failure would; later ones are served whole.
const CUT_AT = 1_000_000;
let cuts = 0;

before(async () => {
  const serve = await runtimeServe();
  const files = createFileHandler({ root: fixture.root, fs: await runtimeFileSystem() });
  const guarded = withBasicAuth(files, { users: [{ username: "ada", password: "lovelace" }] });
  server = await serve({
    port: 0,
    signal: controller.signal,
    handler: async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith("/private/")) {
        return guarded(new Request(request.url.replace("/private", ""), request));
      }
      if (pathname === "/echo-header") return new Response(request.headers.get("x-test") ?? "none");
      if (pathname === "/cut.bin") {
        return cutOnce(
          await files(new Request(request.url.replace("/cut.bin", "/big.bin"), request)),
        );
      }
      return files(request);
    },
  });
});

after(async () => {
  controller.abort();
  await server.finished;
  fixture.remove();
});

function cutOnce(response: Response): Response {
  if (cuts++ > 0 || response.status !== 200 || response.body === null) return response;
  const reader = response.body.getReader();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      if (sent + value.byteLength >= CUT_AT) {
        controller.enqueue(value.subarray(0, CUT_AT - sent));
        await reader.cancel();
        // Let the bytes reach the client before the connection drops (Bun
        // discards what it has not written yet when a body fails).
        await new Promise((resolve) => setTimeout(resolve, 300));
        controller.error(new Error("cut"));
        return;
      }
      sent += value.byteLength;
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: 200, headers: response.headers });
}

const url = (path: string) => new URL(path, server.url).href;

test("fileserver get follows the trailing-slash redirect and writes the body to stdout", async () => {
  const result = await runCli(["get", url("/nested"), "-v"]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "<p>nested index</p>\n");
  assert.match(result.stderr, /GET .*\/nested -> 301/);
  assert.match(result.stderr, /GET .*\/nested\/ -> 200/);
});

test("fileserver get answers our server's Basic challenge with -u", async () => {
  const result = await runCli(["get", url("/private/hello.txt"), "-u", "ada:lovelace"]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "hello world\n");
});

test("fileserver get exits 3 on an HTTP error status, wrong password included", async () => {
  const wrong = await runCli(["get", url("/private/hello.txt"), "-u", "ada:wrong"]);
  assert.equal(wrong.status, 3);
  assert.match(wrong.stderr, /401/);
  const missing = await runCli(["get", url("/nope.txt")]);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /404/);
  assert.equal(missing.stdout, "");
});

test("fileserver get exits 4 on a network error", async () => {
  const result = await runCli(["get", "http://127.0.0.1:9/"]);
  assert.equal(result.status, 4);
  assert.match(result.stderr, /^fileserver: get /);
  assert.ok(!/\bat .+:\d+:\d+/.test(result.stderr), result.stderr);
});

test("fileserver get exits 4 when redirects exceed --max-redirects", async () => {
  const result = await runCli(["get", url("/nested"), "--max-redirects", "0"]);
  assert.equal(result.status, 4);
  assert.match(result.stderr, /TooManyRedirects/);
});

test("fileserver get exits 2 on usage errors", async () => {
  for (
    const args of [["get"], ["get", "not a url"], ["get", "ftp://x/"], [
      "get",
      url("/"),
      "--max-redirects",
      "x",
    ], ["get", url("/"), "-c"]]
  ) {
    const result = await runCli(args);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, /^fileserver: /);
  }
});

test("fileserver get sends -H headers", async () => {
  const result = await runCli(["get", url("/echo-header"), "-H", "X-Test: yes: really"]);
  assert.equal(result.stdout, "yes: really");
});

test("fileserver get -o writes a file byte for byte and prints no progress off a terminal", async () => {
  const output = join(fixture.base, "big-copy.bin");
  const result = await runCli(["get", url("/big.bin"), "-o", output]);
  assert.equal(result.status, 0, result.stderr);
  assert.ok(Buffer.from(readFileSync(output)).equals(Buffer.from(pattern(BIG_SIZE))));
  assert.ok(!result.stderr.includes("\r"), "progress bar drawn off a terminal");
  assert.ok(!existsSync(output + ".fileserver-resume"));
});

test("fileserver get --continue resumes a cut download byte for byte", async () => {
  const output = join(fixture.base, "cut.bin");
  const first = await runCli(["get", url("/cut.bin"), "-o", output]);
  assert.equal(first.status, 4, first.stderr);
  assert.match(first.stderr, /--continue/);
  assert.equal(statSync(output).size, CUT_AT);
  assert.ok(existsSync(output + ".fileserver-resume"));
  const second = await runCli(["get", url("/cut.bin"), "-o", output, "--continue", "-v"]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /-> 206/);
  assert.ok(Buffer.from(readFileSync(output)).equals(Buffer.from(pattern(BIG_SIZE))));
  assert.ok(!existsSync(output + ".fileserver-resume"));
});

test("fileserver get --continue starts over when the file changed on the server", async () => {
  const output = join(fixture.base, "stale.bin");
  writeFileSync(output, "stale bytes");
  writeFileSync(
    output + ".fileserver-resume",
    JSON.stringify({ url: url("/hello.txt"), validator: '"old-etag"' }),
  );
  const result = await runCli(["get", url("/hello.txt"), "-o", output, "--continue", "-v"]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /-> 200/);
  assert.equal(readFileSync(output, "utf8"), "hello world\n");
});

test("fileserver get -o names the path and the reason when the file cannot be written", async () => {
  const cases: Array<[string, RegExp]> = [
    [join(fixture.base, "no-such-folder", "x.bin"), /cannot write .*x\.bin: no such folder$/],
    [fixture.base, /cannot write .*: is a folder$/],
  ];
  if (existsSync("/dev/full")) {
    const full = join(fixture.base, "full.bin");
    symlinkSync("/dev/full", full);
    cases.push([full, /cannot write .*full\.bin: disk full$/]);
  }
  for (const [output, reason] of cases) {
    const result = await runCli(["get", url("/big.bin"), "-o", output]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr.trim(), /^fileserver: /);
    assert.match(result.stderr.trim(), reason);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});

test("fileserver get --continue says when it cannot resume, and leaves a complete file intact", async () => {
  const output = join(fixture.base, "resume-notices.txt");
  writeFileSync(output, "partial");
  const none = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stderr, /no resume record for .*resume-notices\.txt; downloading it whole/);
  assert.equal(readFileSync(output, "utf8"), "hello world\n");
  const head = await fetch(url("/hello.txt"), { method: "HEAD" });
  const record = { url: url("/hello.txt"), validator: head.headers.get("etag") };
  writeFileSync(output + ".fileserver-resume", JSON.stringify(record));
  const done = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stderr, /already complete/);
  assert.equal(readFileSync(output, "utf8"), "hello world\n");
  writeFileSync(output, "stale bytes");
  writeFileSync(output + ".fileserver-resume", JSON.stringify({ ...record, validator: '"old"' }));
  const changed = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  assert.equal(changed.status, 0, changed.stderr);
  assert.match(changed.stderr, /changed on the server; downloading it whole/);
  assert.equal(readFileSync(output, "utf8"), "hello world\n");
});
