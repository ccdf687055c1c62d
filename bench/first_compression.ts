/**
 * What the first request for a new version of a script pays for its
 * compression (and, on the `-full` servers, its content hash), next to the
 * requests the cache answers after it: one request at a time, so that the
 * numbers are latencies, not throughput. Issue 16 §5 asks for it per KiB.
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
const SIZE = 64 * 1024;
const AFTER = 25;
// The small-file cache takes a file once it has been still for 2 s.
const SETTLE_MS = 2_200;

/**
 * Measures each of ours (the only servers that compress; not the `-bare`
 * variants, which do not) on a script written just before.
 *
 * @param slots The lineup.
 * @returns One row per server of ours.
 */
export async function measureFirstCompression(slots: Slot[]): Promise<FirstCompression[]> {
  const rows: FirstCompression[] = [];
  for (const slot of slots) {
    const { name: server } = slot.spec;
    if (!server.startsWith("ours-") || server.endsWith("-bare") || slot.server === null) continue;
    const name = `fresh-${slot.spec.name}.js`;
    writeFileSync(join(slot.site, name), scriptLike(SIZE), { mode: 0o644 });
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
 * What the first request costs beyond a hit, per KiB of the file: (first −
 * cached) ÷ 64 KiB, in µs.
 *
 * @param row A measured row.
 * @returns µs per KiB.
 */
export function firstPerKiB(row: FirstCompression): number {
  return ((row.firstMs - row.cachedMs) * 1000) / (SIZE / 1024);
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
    "(brotli 6) and fills the cache; the median of the 25 after it is a cache hit. On the `-full`",
    'servers (`etag: "content"`) the first request also hashes the file. Per KiB is (first −',
    "cached) ÷ 64 KiB: a figure for issue 16 §5, not a goal.",
    "",
    "| server | first (ms) | cached, median (ms) | first − cached, µs per KiB | note |",
    "| --- | --: | --: | --: | --- |",
  ];
  for (const row of rows) {
    const cells = row.error === undefined
      ? [row.firstMs.toFixed(2), row.cachedMs.toFixed(2), firstPerKiB(row).toFixed(1)]
      : ["—", "—", "—"];
    lines.push(`| ${row.server} | ${cells.join(" | ")} | ${row.error ?? ""} |`);
  }
  return lines.join("\n") + "\n";
}
