/**
 * What the first request for a new version of a script pays for its
 * compression, next to the requests the cache answers after it: one
 * request at a time, so that the numbers are latencies, not throughput.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Slot } from "./lineup.ts";
import { probe } from "./probe.ts";
import { scriptLike } from "./site.ts";

/** One server's first and cached latencies for a new 64 KiB script as br. */
export interface FirstCompression {
  server: string;
  /** The first request: compression, then the cache fill. */
  firstMs: number;
  /** The median of the requests after it. */
  cachedMs: number;
  /** Why the numbers are missing; absent when all went well. */
  error?: string;
}

const HEADERS = { "Accept-Encoding": "gzip, deflate, br, zstd" };
const AFTER = 25;
// The small-file cache takes a file once it has been still for 2 s.
const SETTLE_MS = 2_200;

/**
 * Measures each of ours (the only servers that compress) on a script
 * written just before.
 *
 * @param slots The lineup.
 * @returns One row per server of ours.
 */
export async function measureFirstCompression(slots: Slot[]): Promise<FirstCompression[]> {
  const rows: FirstCompression[] = [];
  for (const slot of slots) {
    if (!slot.spec.name.startsWith("ours-") || slot.server === null) continue;
    const name = `fresh-${slot.spec.name}.js`;
    writeFileSync(join(slot.site, name), scriptLike(64 * 1024), { mode: 0o644 });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const url = new URL(`/${name}`, slot.server.url);
    try {
      const first = await timed(url);
      const after: number[] = [];
      for (let i = 0; i < AFTER; i++) after.push(await timed(url));
      after.sort((a, b) => a - b);
      rows.push({ server: slot.spec.name, firstMs: first, cachedMs: after[AFTER >> 1] });
    } catch (error) {
      rows.push({ server: slot.spec.name, firstMs: NaN, cachedMs: NaN, error: String(error) });
    }
  }
  return rows;
}

async function timed(url: URL): Promise<number> {
  const started = performance.now();
  const answer = await probe(url, { headers: HEADERS });
  const ms = performance.now() - started;
  if (answer.status !== 200 || answer.headers["content-encoding"] !== "br") {
    throw new Error(`answered ${answer.status} ${answer.headers["content-encoding"] ?? "none"}`);
  }
  return ms;
}

/**
 * The report's section for the measurement.
 *
 * @param rows What {@linkcode measureFirstCompression} measured.
 * @returns Markdown.
 */
export function renderFirstCompression(rows: FirstCompression[]): string {
  if (rows.length === 0) return "";
  const lines = [
    "",
    "### Compression once per version",
    "",
    "A new 64 KiB script, requested as br one request at a time: the first request compresses it",
    "(brotli 6) and fills the cache; the median of the 25 after it is a cache hit.",
    "",
    "| server | first (ms) | cached, median (ms) | note |",
    "| --- | --: | --: | --- |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.server} | ${row.firstMs.toFixed(2)} | ${row.cachedMs.toFixed(2)} | ${
        row.error ?? ""
      } |`,
    );
  }
  return lines.join("\n") + "\n";
}
