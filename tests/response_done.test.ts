// serve()'s onResponseDone through the running runtime's adapter: what an
// access log needs, from real sockets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResponseInfo, ServeOptions } from "../src/adapters/_serve_options.ts";
import { connect as http2Connect } from "node:http2";
import { runtimeServe } from "./_helpers/adapter.ts";
import { cutDownload } from "./_helpers/cut_download.ts";
import { RUNTIME } from "./_helpers/fixture.ts";
import { selfSignedCertificate } from "./_helpers/tls.ts";

const serve = await runtimeServe();
const root = mkdtempSync(join(tmpdir(), "response-done-"));
const BIG = 32 * 1024 * 1024;
writeFileSync(join(root, "hello.txt"), "hello world\n");
writeFileSync(join(root, "medium.bin"), new Uint8Array(300_000).fill(7));
writeFileSync(join(root, "big.bin"), new Uint8Array(BIG).fill(1));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A server whose reports are collected, and its stop switch. */
async function startReporting(options: Partial<ServeOptions>) {
  const reports: ResponseInfo[] = [];
  const controller = new AbortController();
  const server = await serve({
    root,
    port: 0,
    signal: controller.signal,
    gracePeriodMs: 2000,
    onResponseDone: (info) => reports.push(info),
    ...options,
  });
  return { server, reports, controller };
}

/** Runs `body` against a server whose reports are collected. */
async function withReports(
  options: Partial<ServeOptions>,
  body: (url: URL, reports: ResponseInfo[]) => Promise<void>,
): Promise<ResponseInfo[]> {
  const { server, reports, controller } = await startReporting(options);
  try {
    await body(server.url, reports);
  } finally {
    controller.abort();
    await server.finished;
  }
  return reports;
}

async function reportFor(reports: ResponseInfo[], count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (reports.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(reports.length, count, "every exchange is reported");
}

test("serve() onResponseDone reports each answer with the bytes it sent: none for HEAD and 304", async () => {
  await withReports({}, async (url, reports) => {
    const get = await fetch(new URL("/hello.txt?x=1", url), { headers: { "user-agent": "t/1" } });
    await get.text();
    await (await fetch(new URL("/hello.txt", url), { method: "HEAD" })).body?.cancel();
    const etag = get.headers.get("etag")!;
    const notModified = await fetch(new URL("/hello.txt", url), {
      headers: { "if-none-match": etag },
    });
    assert.equal(notModified.status, 304);
    await notModified.body?.cancel();
    const part = await fetch(new URL("/medium.bin", url), { headers: { range: "bytes=10-109" } });
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const whole = await fetch(new URL("/medium.bin", url));
    assert.equal((await whole.arrayBuffer()).byteLength, 300_000);
    const missing = await fetch(new URL("/nope", url));
    const missingLength = (await missing.arrayBuffer()).byteLength;
    await reportFor(reports, 6);
    const byLine = new Map(reports.map((r) => [`${r.method} ${r.target} ${r.status}`, r]));
    const sent = (line: string) => byLine.get(line)?.bytesSent;
    assert.equal(sent("GET /hello.txt?x=1 200"), 12);
    assert.equal(sent("HEAD /hello.txt 200"), 0);
    assert.equal(sent("GET /hello.txt 304"), 0);
    assert.equal(sent("GET /medium.bin 206"), 100);
    assert.equal(sent("GET /medium.bin 200"), 300_000);
    assert.equal(sent("GET /nope 404"), missingLength);
    for (const report of reports) {
      assert.equal(report.completed, true);
      assert.equal(report.remoteAddress, "127.0.0.1");
      // Node tells the version; Deno 2.9 and Bun 1.4.5 do not.
      assert.ok(
        report.protocol === null || report.protocol === "HTTP/1.1",
        String(report.protocol),
      );
      assert.ok(report.durationMs >= 0 && report.durationMs < 10_000);
      assert.ok(Math.abs(report.startTime - Date.now()) < 30_000);
    }
    assert.equal(byLine.get("GET /hello.txt?x=1 200")!.headers.get("user-agent"), "t/1");
  });
});

// Bun 1.4.5 aborts request.signal for most clients that leave during a file
// it sends natively, but not all (about one cut in five when the server is
// otherwise idle): those are reported whole (README, "Access log").
const MISSES_CUTS = RUNTIME === "bun";

test("serve() onResponseDone reports a transfer the client cut as incomplete", async () => {
  const cuts = MISSES_CUTS ? 6 : 2;
  await withReports({}, async (url, reports) => {
    for (let i = 0; i < cuts; i++) {
      await cutDownload(url, "/big.bin");
      await reportFor(reports, i + 1);
    }
  }).then((reports) => {
    const seen = reports.map((r) => `${r.status} ${r.completed} ${r.bytesSent}`);
    const cut = reports.filter((r) => !r.completed);
    for (const report of cut) {
      // Bun 1.4.5 does not count what it sends natively: unknown, not whole.
      assert.ok(report.bytesSent === null || report.bytesSent < BIG, seen.join());
    }
    if (MISSES_CUTS) {
      assert.ok(cut.length > 0, seen.join());
      for (const report of reports) if (report.completed) assert.equal(report.bytesSent, BIG);
    } else {
      assert.equal(cut.length, cuts, seen.join());
    }
  });
});

test("serve() onResponseDone reports a transfer the grace period cut as incomplete", async () => {
  const { server, reports, controller } = await startReporting({ gracePeriodMs: 200 });
  // A client that reads the head and a little, then stops reading.
  const socket = connect(Number(server.url.port), "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((resolve) => {
    socket.write(`GET /big.bin HTTP/1.1\r\nHost: ${server.url.host}\r\n\r\n`);
    socket.once("data", () => {
      socket.pause();
      resolve();
    });
  });
  controller.abort();
  // Reading again once the grace period is over: Deno 2.9 notices the cut
  // only when it next takes from the body, which a client that never reads
  // again would hold off for ever (README, "Polite shutdown").
  const resume = setTimeout(() => socket.resume(), 400);
  await server.finished;
  clearTimeout(resume);
  socket.destroy();
  await reportFor(reports, 1);
  const seen = `${reports[0].completed} ${reports[0].bytesSent}`;
  if (!MISSES_CUTS || !reports[0].completed) {
    assert.equal(reports[0].completed, false, seen);
    assert.ok(reports[0].bytesSent === null || reports[0].bytesSent < BIG, seen);
  }
});

test("serve() onResponseDone sees the 401 that auth answers, and the credentials' field", async () => {
  const auth = { users: [{ username: "alice", password: "pw" }] };
  await withReports({ auth }, async (url, reports) => {
    await (await fetch(new URL("/hello.txt", url))).body?.cancel();
    const credentials = `Basic ${btoa("alice:pw")}`;
    const ok = await fetch(new URL("/hello.txt", url), { headers: { authorization: credentials } });
    assert.equal(await ok.text(), "hello world\n");
    await reportFor(reports, 2);
    assert.deepEqual(reports.map((r) => r.status).sort(), [200, 401]);
    const accepted = reports.find((r) => r.status === 200)!;
    assert.equal(accepted.headers.get("authorization"), credentials);
    assert.equal(accepted.bytesSent, 12);
  });
});

test("serve() goes on answering when onResponseDone throws", async () => {
  let calls = 0;
  const hook = () => {
    calls++;
    throw new Error("a broken log");
  };
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args);
  try {
    await withReports({ onResponseDone: hook }, async (url) => {
      for (let i = 0; i < 3; i++) {
        assert.equal(await (await fetch(new URL("/hello.txt", url))).text(), "hello world\n");
      }
      const deadline = Date.now() + 5000;
      while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    });
  } finally {
    console.error = original;
  }
  assert.equal(calls, 3);
  assert.equal(errors.length, 1, "the first error is printed, once");
});

// Bun.serve 1.4 speaks HTTP/1.1 only, also over TLS.
test("serve() onResponseDone reports an HTTP/2 request as HTTP/2.0", {
  skip: RUNTIME === "bun" && "Bun.serve speaks HTTP/1.1 only",
}, async () => {
  const tls = selfSignedCertificate();
  await withReports({ tls }, async (url, reports) => {
    const session = http2Connect(url.origin, { ca: tls.cert });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/hello.txt", "x-probe": "h2" });
        let body = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk) => (body += chunk));
        stream.on("end", () => resolve(body));
        stream.on("error", reject);
        stream.end();
      });
      assert.equal(text, "hello world\n");
    } finally {
      session.close();
    }
    await reportFor(reports, 1);
    assert.equal(reports[0].protocol, "HTTP/2.0");
    assert.equal(reports[0].bytesSent, 12);
    assert.equal(reports[0].target, "/hello.txt");
    assert.equal(reports[0].headers.get("x-probe"), "h2", "fields stay readable once it is over");
  });
});

test("serve() rejects an onResponseDone that is not a function", async () => {
  await assert.rejects(
    serve({ root, port: 0, onResponseDone: "log" as never }),
    { name: "TypeError", message: /"onResponseDone" must be a function/ },
  );
});
