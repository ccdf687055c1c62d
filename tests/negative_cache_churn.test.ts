// A missing path under load while its file comes and goes: clients keep
// asking the running runtime's adapter for it (its fast path answers known
// 404s) while a loop creates it, leaves its folder still long enough for
// 404s to be kept, then churns it fast. Every answer must be one whole
// version, or 404 while the file was gone; with no change during a request,
// exactly the current state (a file created before the request is never a
// 404).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";
import { runtimeServe } from "./_helpers/adapter.ts";

const CLIENTS = 8;
const CYCLES = 3;
const FAST_CHANGES = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test("serve() answers a path that comes and goes under load, never stale", {
  timeout: 60_000,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "fileserver-negative-churn-"));
  const root = join(base, "root");
  const staging = join(base, "staging");
  mkdirSync(join(root, "churn"), { recursive: true });
  mkdirSync(staging);
  const file = join(root, "churn", "f.txt");
  const port = await runtimeFileSystem();
  let lookups = 0;
  const fs: FileSystem = {
    ...port,
    realStat(path) {
      if (path === file) lookups++;
      return port.realStat(path);
    },
  };
  const controller = new AbortController();
  const server = await (await runtimeServe())({
    handler: createFileHandler({ root, fs }),
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
  });
  // The writer's changes are synchronous, so each request sees a state
  // change only between its start and its end: `version` brackets it.
  const contents: (string | null)[] = [null];
  let version = 0;
  const change = (content: string | null) => {
    if (content === null) unlinkSync(file);
    else {
      writeFileSync(join(staging, "f.txt"), content);
      renameSync(join(staging, "f.txt"), file);
    }
    contents.push(content);
    version++;
  };
  let done = false;
  const tally = { ok: 0, notFound: 0, problems: [] as string[] };
  const client = async () => {
    while (!done) {
      const before = version;
      const response = await fetch(new URL("/churn/f.txt", server.url));
      const text = await response.text();
      const after = version;
      const allowed = contents.slice(before, after + 1);
      const got = response.status === 404 ? null : response.status === 200 ? text : undefined;
      if (got === undefined) tally.problems.push(`status ${response.status}`);
      else if (!allowed.includes(got)) {
        tally.problems.push(
          `${response.status} "${text.slice(0, 20)}" for versions ${before}-${after}`,
        );
      } else if (got !== null && response.headers.get("content-length") !== String(got.length)) {
        tally.problems.push(`Content-Length ${response.headers.get("content-length")}`);
      } else if (got === null) tally.notFound++;
      else tally.ok++;
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Still for longer than SETTLE_MS: 404s are kept, then the file comes.
      await sleep(SETTLE_MS + 600);
      change(`version ${version + 1} ${"x".repeat(cycle * 100)}\n`);
      await sleep(50);
      for (let i = 0; i < FAST_CHANGES; i++) {
        change(i % 2 === 0 ? null : `fast ${version + 1}\n`);
        await sleep(2);
      }
      change(null);
    }
  } finally {
    done = true;
    await Promise.all(clients);
    controller.abort();
    await server.finished;
    rmSync(base, { recursive: true, force: true });
  }
  assert.deepEqual(tally.problems.slice(0, 10), []);
  assert.ok(tally.ok > 0 && tally.notFound > 0, JSON.stringify(tally));
  // Without the negative cache, each answer costs at least one lookup.
  const answered = tally.ok + tally.notFound;
  assert.ok(answered - lookups >= 50, `${lookups} lookups for ${answered} answers`);
});
