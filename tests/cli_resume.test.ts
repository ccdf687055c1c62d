import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createFileHandler } from "../src/core/handler.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import { buildFixture, pattern, runtimeFileSystem } from "./_helpers/fixture.ts";
import { runCli } from "./_helpers/cli.ts";
import type { Server } from "../src/adapters/_serve_options.ts";

const fixture = buildFixture();
const controller = new AbortController();
let server: Server;

before(async () => {
  const serve = await runtimeServe();
  const files = createFileHandler({ root: fixture.root, fs: await runtimeFileSystem() });
  server = await serve({
    port: 0,
    signal: controller.signal,
    handler: async (request) => {
      const gzip = /^\/gzip(-always)?(\/.*)$/.exec(new URL(request.url).pathname);
      if (gzip !== null) return await gzipRange(request, gzip[2], gzip[1] !== undefined);
      const broken = /^\/(shift|zero)(\/.*)$/.exec(new URL(request.url).pathname);
      if (broken === null) return files(request);
      // A broken server: its 206 starts two bytes before the byte asked
      // for (/shift/), or at byte 0 (/zero/).
      const headers = new Headers(request.headers);
      const start = /^bytes=(\d+)-$/.exec(headers.get("range") ?? "");
      if (start !== null) {
        const from = broken[1] === "zero" ? 0 : Math.max(0, Number(start[1]) - 2);
        headers.set("range", `bytes=${from}-`);
      }
      return files(new Request(new URL(broken[2], request.url), { headers }));
    },
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  await new Promise((resolve) => raw.close(resolve));
  controller.abort();
  await server.finished;
  fixture.remove();
});

// A raw HTTP/1.1 server whose first answer for each path is cut after
// RAW_CUT bytes, Content-Length and all: Bun's adapter would send a
// handler's own stream chunked, without its length (oven-sh/bun#10507).
// Paths under /etag/ carry an ETag; the others no validator at all.
const RAW_SIZE = 300_000;
const RAW_CUT = 100_000;
const rawCut = new Set<string>();
const rawHeads: string[] = [];
const raw = createServer((socket) => {
  let head = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => {
    head += chunk;
    if (!head.includes("\r\n\r\n")) return;
    rawHeads.push(head);
    const path = /^GET (\S+)/.exec(head)?.[1] ?? "/";
    const etag = path.startsWith("/etag/") ? 'ETag: "raw-1"\r\n' : "";
    socket.write(
      `HTTP/1.1 200 OK\r\nContent-Length: ${RAW_SIZE}\r\n${etag}Connection: close\r\n\r\n`,
    );
    if (rawCut.has(path)) return void socket.end(pattern(RAW_SIZE));
    rawCut.add(path);
    socket.write(pattern(RAW_CUT), () => setTimeout(() => socket.destroy(), 100));
  });
});

// A server that applies Range to a gzip encoding of the file (RFC 9110
// allows it): the bytes it sends decode to something else than the file's
// bytes from that offset, if they decode at all. /gzip/ sends the identity
// when asked for it; /gzip-always/ never does.
async function gzipRange(request: Request, path: string, always: boolean): Promise<Response> {
  const bytes = new Uint8Array(readFileSync(join(fixture.root, path)));
  // Node's fetch adds its own "identity" to ours: a list of one coding.
  const asked = (request.headers.get("accept-encoding") ?? "").split(",");
  const identity = !always && asked.every((coding) => coding.trim() === "identity");
  const body = identity ? bytes : gzipSync(bytes);
  const headers: Record<string, string> = { etag: '"gz-1"', "accept-ranges": "bytes" };
  if (!identity) headers["content-encoding"] = "gzip";
  const start = /^bytes=(\d+)-$/.exec(request.headers.get("range") ?? "");
  if (start === null) return new Response(body, { headers });
  const from = Number(start[1]);
  headers["content-range"] = `bytes ${from}-${body.byteLength - 1}/${body.byteLength}`;
  return await Promise.resolve(new Response(body.subarray(from), { status: 206, headers }));
}

const url = (path: string) => new URL(path, server.url).href;
const rawUrl = (path: string) => `http://127.0.0.1:${(raw.address() as AddressInfo).port}${path}`;

async function etagOf(path: string): Promise<string> {
  const head = await fetch(url(path), { method: "HEAD" });
  return head.headers.get("etag")!;
}

function assertOneLine(result: { stderr: string }): void {
  assert.match(result.stderr, /^fileserver: /);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.ok(!/\bat .+:\d+:\d+/.test(result.stderr), result.stderr);
}

test("fileserver get --continue names a corrupt resume record and downloads the file whole", async () => {
  const output = join(fixture.base, "corrupt.txt");
  const cases: Array<[string, RegExp]> = [
    ["{oops", /not valid JSON/],
    ["[1, 2]", /not a resume record/],
    [JSON.stringify({ url: 5, validator: '"x"' }), /not a resume record/],
    [JSON.stringify({ url: url("/hello.txt"), validator: 7 }), /not a resume record/],
    [
      JSON.stringify({ url: url("/hello.txt"), validator: '"x"', total: -1 }),
      /not a resume record/,
    ],
    [JSON.stringify({ url: url("/other.txt"), validator: '"x"' }), /it is for .*\/other\.txt/],
  ];
  for (const [record, reason] of cases) {
    writeFileSync(output, "partial");
    writeFileSync(output + ".fileserver-resume", record);
    const result = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
    assert.equal(result.status, 0, result.stderr);
    assertOneLine(result);
    assert.match(
      result.stderr,
      /ignoring the resume record .*corrupt\.txt\.fileserver-resume: .*; downloading .*corrupt\.txt whole/,
    );
    assert.match(result.stderr, reason);
    assert.equal(readFileSync(output, "utf8"), "hello world\n");
    assert.ok(!existsSync(output + ".fileserver-resume"));
  }
});

test("fileserver get --continue names an unreadable resume record and leaves the file intact", async () => {
  const output = join(fixture.base, "unreadable.txt");
  writeFileSync(output, "partial");
  // A folder in the record's place: unreadable even to root.
  mkdirSync(output + ".fileserver-resume");
  const result = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  const lines = result.stderr.trim().split("\n");
  assert.match(
    lines[0],
    /^fileserver: ignoring the resume record .*unreadable\.txt\.fileserver-resume: cannot read it \(is a folder\); downloading .*unreadable\.txt whole$/,
  );
  // The record cannot be replaced either: said in one line, before a byte is written.
  assert.equal(result.status, 1, result.stderr);
  assert.match(
    lines[1],
    /^fileserver: cannot write .*unreadable\.txt\.fileserver-resume: is a folder$/,
  );
  assert.equal(lines.length, 2, result.stderr);
  assert.equal(readFileSync(output, "utf8"), "partial");
});

test("fileserver get -o records the complete size; --continue trusts it without a request", async () => {
  const output = join(fixture.base, "sized.bin");
  const first = await runCli(["get", rawUrl("/etag/sized.bin"), "-o", output]);
  assert.equal(first.status, 4, first.stderr);
  assert.equal(statSync(output).size, RAW_CUT);
  const record = JSON.parse(readFileSync(output + ".fileserver-resume", "utf8"));
  assert.deepEqual(record, {
    url: rawUrl("/etag/sized.bin"),
    validator: '"raw-1"',
    total: RAW_SIZE,
  });

  // /gone.txt would answer 404: reaching the server would fail the run.
  const done = join(fixture.base, "sized-done.txt");
  writeFileSync(done, "0123456789");
  const gone = { url: url("/gone.txt"), validator: '"v"', total: 10 };
  writeFileSync(done + ".fileserver-resume", JSON.stringify(gone));
  const complete = await runCli(["get", url("/gone.txt"), "-o", done, "--continue"]);
  assert.equal(complete.status, 0, complete.stderr);
  assert.match(complete.stderr, /sized-done\.txt is already complete/);
  assert.equal(readFileSync(done, "utf8"), "0123456789");
  assert.ok(!existsSync(done + ".fileserver-resume"));

  writeFileSync(done, "0123456789 and more");
  writeFileSync(done + ".fileserver-resume", JSON.stringify(gone));
  const larger = await runCli(["get", url("/gone.txt"), "-o", done, "--continue"]);
  assert.equal(larger.status, 1, larger.stderr);
  assertOneLine(larger);
  assert.match(
    larger.stderr,
    /cannot resume .*sized-done\.txt: it has 19 bytes, more than the 10 recorded for it/,
  );
  assert.equal(readFileSync(done, "utf8"), "0123456789 and more");
  assert.ok(existsSync(done + ".fileserver-resume"));
});

test("fileserver get --continue refuses a 206 that does not start at the partial file's end", async () => {
  const cases: Array<[string, string, number | undefined, RegExp]> = [
    ["/zero/hello.txt", "hello", undefined, /bytes 0-11\/12/],
    ["/shift/hello.txt", "hello w", undefined, /bytes 5-11\/12/],
    // The right offset, but not the file the record describes.
    ["/hello.txt", "hello", 99, /12 bytes on the server, not the 99 recorded/],
  ];
  const etag = await etagOf("/hello.txt");
  for (const [path, partial, total, reason] of cases) {
    const output = join(fixture.base, "shifted.txt");
    writeFileSync(output, partial);
    const record = { url: url(path), validator: etag, total };
    writeFileSync(output + ".fileserver-resume", JSON.stringify(record));
    const result = await runCli(["get", url(path), "-o", output, "--continue"]);
    assert.equal(result.status, 1, `${path}: ${result.stderr}`);
    assertOneLine(result);
    assert.match(result.stderr, /refusing to append to .*shifted\.txt: /);
    assert.match(result.stderr, reason);
    assert.equal(readFileSync(output, "utf8"), partial);
    assert.ok(existsSync(output + ".fileserver-resume"));
  }
});

test("fileserver get --continue asks for the identity, and refuses a range of an encoded body", async () => {
  const output = join(fixture.base, "encoded.bin");
  const whole = readFileSync(join(fixture.root, "big.bin"));
  // Asked with Accept-Encoding: identity, the server ranges the file's bytes.
  writeFileSync(output, whole.subarray(0, 1000));
  writeFileSync(
    output + ".fileserver-resume",
    JSON.stringify({ url: url("/gzip/big.bin"), validator: '"gz-1"' }),
  );
  const resumed = await runCli(["get", url("/gzip/big.bin"), "-o", output, "--continue"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(readFileSync(output).equals(whole), "the resumed file is the server's");

  // A server that encodes anyway: its bytes from 1000 are not the file's.
  writeFileSync(output, whole.subarray(0, 1000));
  writeFileSync(
    output + ".fileserver-resume",
    JSON.stringify({ url: url("/gzip-always/big.bin"), validator: '"gz-1"' }),
  );
  const refused = await runCli(["get", url("/gzip-always/big.bin"), "-o", output, "--continue"]);
  assert.equal(refused.status, 1, refused.stderr);
  assertOneLine(refused);
  assert.match(
    refused.stderr,
    /refusing to append to .*encoded\.bin: the server sent a range of its gzip encoding, not of the file; .*encoded\.bin is left as it was/,
  );
  assert.ok(readFileSync(output).equals(whole.subarray(0, 1000)));
});

test("fileserver get --continue answers a 416: complete when sizes match, refused when the file is larger", async () => {
  const output = join(fixture.base, "oversized.txt");
  const record = { url: url("/hello.txt"), validator: await etagOf("/hello.txt") };
  writeFileSync(output, "hello world\nand more");
  writeFileSync(output + ".fileserver-resume", JSON.stringify(record));
  const larger = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  assert.equal(larger.status, 1, larger.stderr);
  assertOneLine(larger);
  assert.match(
    larger.stderr,
    /cannot resume .*oversized\.txt: it has 20 bytes, more than the 12 on the server/,
  );
  assert.equal(readFileSync(output, "utf8"), "hello world\nand more");

  writeFileSync(output, "hello world\n");
  const complete = await runCli(["get", url("/hello.txt"), "-o", output, "--continue"]);
  assert.equal(complete.status, 0, complete.stderr);
  assert.match(complete.stderr, /oversized\.txt is already complete/);
  assert.ok(!existsSync(output + ".fileserver-resume"));
});

test("fileserver get --continue restarts a download the server gave no validator for", async () => {
  const output = join(fixture.base, "plain.bin");
  const first = await runCli(["get", rawUrl("/plain.bin"), "-o", output]);
  assert.equal(first.status, 4, first.stderr);
  assert.equal(statSync(output).size, RAW_CUT);
  const record = JSON.parse(readFileSync(output + ".fileserver-resume", "utf8"));
  assert.deepEqual(record, { url: rawUrl("/plain.bin"), validator: null, total: RAW_SIZE });

  rawHeads.length = 0;
  const second = await runCli(["get", rawUrl("/plain.bin"), "-o", output, "--continue"]);
  assert.equal(second.status, 0, second.stderr);
  assertOneLine(second);
  assert.match(
    second.stderr,
    /cannot verify .*plain\.bin against the server \(it sent no ETag or Last-Modified\); downloading it whole/,
  );
  assert.equal(rawHeads.length, 1);
  assert.doesNotMatch(rawHeads[0], /^range:/im);
  assert.ok(Buffer.from(readFileSync(output)).equals(Buffer.from(pattern(RAW_SIZE))));
  assert.ok(!existsSync(output + ".fileserver-resume"));
});
