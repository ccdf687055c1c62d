import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainOf, follow } from "../src/client/mod.ts";
import { runtimeServe } from "./_helpers/adapter.ts";

const serve = await runtimeServe();

test("follow() fetches a folder's index from our file server through its trailing-slash 301", async () => {
  const root = mkdtempSync(join(tmpdir(), "fileserver-client-"));
  const html = "<!DOCTYPE html><title>docs</title>\n";
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "index.html"), html);
  const controller = new AbortController();
  const server = await serve({ root, port: 0, hostname: "127.0.0.1", signal: controller.signal });
  try {
    const start = new URL("/docs", server.url).href;
    const response = await follow(start);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await response.text(), html);
    assert.equal(response.redirected, true);
    assert.equal(response.url, `${start}/`);
    assert.deepEqual(chainOf(response), [
      { url: start, method: "GET", status: 301 },
      { url: `${start}/`, method: "GET", status: 200 },
    ]);

    const head = await follow(start, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.deepEqual(chainOf(head).map((hop) => `${hop.method} ${hop.status}`), [
      "HEAD 301",
      "HEAD 200",
    ]);
  } finally {
    controller.abort();
    await server.finished;
    rmSync(root, { recursive: true, force: true });
  }
});
