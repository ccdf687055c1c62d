/**
 * What `etag: "content"` costs: the first request of a new version (its
 * hash), in µs per KiB, and the cached 1 KiB hit next to `etag: "mtime"`
 * (a ratio: the hit must not get slower). Handler calls in one process,
 * one at a time, on the running runtime:
 *
 * ```sh
 * node bench/content_etag.ts
 * ```
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import { runtimeFileSystem } from "../src/fs/runtime.ts";

const root = mkdtempSync(join(tmpdir(), "bench-etag-"));
const fs = await runtimeFileSystem();
const SIZES = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024];
const ROUNDS = 5;

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return out;
}

async function head(handler: FileHandler, name: string): Promise<number> {
  const started = performance.now();
  const response = await handler(new Request(`http://localhost/${name}`, { method: "HEAD" }));
  await response.body?.cancel();
  return performance.now() - started;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];

try {
  console.log("size      first HEAD mtime   first HEAD content   hash µs/KiB");
  for (const size of SIZES) {
    const mtime: number[] = [];
    const content: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A new version each round, and fresh handlers: nothing remembered.
      const name = `f${size}.bin`;
      writeFileSync(join(root, name), bytes(size, round));
      // Past QUIET_MS, so that neither waits for a write to settle.
      await new Promise((resolve) => setTimeout(resolve, 150));
      mtime.push(await head(createFileHandler({ root, fs, cache: false }), name));
      content.push(
        await head(createFileHandler({ root, fs, cache: false, etag: "content" }), name),
      );
    }
    const a = median(mtime);
    const b = median(content);
    const perKiB = ((b - a) * 1000) / (size / 1024);
    console.log(
      `${String(size / 1024).padStart(6)} KiB ${a.toFixed(3).padStart(10)} ms ${
        b.toFixed(3).padStart(14)
      } ms ${perKiB.toFixed(2).padStart(12)}`,
    );
  }

  // The cached 1 KiB hit: the small-file cache takes a file still for 2 s.
  writeFileSync(join(root, "small.txt"), bytes(1024, 7));
  await new Promise((resolve) => setTimeout(resolve, 2_300));
  const handlers = {
    mtime: createFileHandler({ root, fs }),
    content: createFileHandler({ root, fs, etag: "content" }),
  };
  const N = 20_000;
  const rates: Record<string, number[]> = { mtime: [], content: [] };
  for (const h of Object.values(handlers)) {
    for (let i = 0; i < 200; i++) {
      await (await h(new Request("http://localhost/small.txt"))).arrayBuffer();
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, h] of Object.entries(handlers)) {
      const started = performance.now();
      for (let i = 0; i < N; i++) {
        await (await h(new Request("http://localhost/small.txt"))).arrayBuffer();
      }
      rates[name].push(N / ((performance.now() - started) / 1000));
    }
  }
  const m = median(rates.mtime);
  const c = median(rates.content);
  console.log(
    `cached 1 KiB GET: mtime ${m.toFixed(0)}/s, content ${c.toFixed(0)}/s, content ÷ mtime ${
      (c / m).toFixed(3)
    }`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
