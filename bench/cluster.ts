/**
 * The cluster benchmark (issue 15 §4): a 1 KiB and a 10 MiB file asked
 * straight from one replica (the Node one), through haproxy to that one
 * replica, through haproxy to three (Deno, Bun, Node), and from Varnish's
 * cache (hits), in the same run, with the setup `npm run cluster` starts
 * (deploy/cluster.ts); the median of BENCH_REPEATS (3) runs. wrk runs on core 1 (`-c50` for 1 KiB, `-c4` for 10
 * MiB, as in bench/run.ts); the servers and proxies share both cores.
 *
 * ```sh
 * apt-get install -y wrk haproxy varnish
 * node_modules/.bin/node bench/cluster.ts             # 3 s per cell
 * BENCH_DURATION=5s BENCH_REPEATS=5 node_modules/.bin/node bench/cluster.ts
 * ```
 *
 * Prints a Markdown report (bench/results/cluster.md holds a recorded one).
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Cluster, type Runtime, startCluster } from "../deploy/cluster.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

const DURATION = process.env.BENCH_DURATION ?? "3s";
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECONDS = Number.parseFloat(DURATION) * (DURATION.endsWith("m") ? 60 : 1);
const FILES = [
  { name: "1 KiB", path: "/small.bin", size: 1024, connections: 50 },
  { name: "10 MiB", path: "/big.bin", size: 10 * 1024 * 1024, connections: 4 },
];

interface Row {
  name: string;
  cells: Array<WrkResult | string>;
  direct: WrkResult[];
}

async function measure(
  url: URL,
  path: string,
  connections: number,
  dir: string,
) {
  // A warm-up, so that Varnish holds the file and each replica its cache.
  await (await fetch(new URL(path, url))).arrayBuffer();
  const runs: WrkResult[] = [];
  for (let i = 0; i < REPEATS; i++) {
    runs.push(
      await runWrk({
        url: new URL(path, url),
        connections,
        duration: DURATION,
        durationSeconds: SECONDS,
        headers: {},
        dir,
      }),
    );
  }
  return runs.sort((a, b) => a.requestsPerSec - b.requestsPerSec)[Math.floor(REPEATS / 2)];
}

async function rows(
  site: string,
  runtimes: Runtime[],
  work: string,
): Promise<Row[]> {
  const cluster: Cluster = await startCluster({
    dir: site,
    runtimes,
    serverArgs: ["--quiet", "--cache", "**=public, max-age=600"],
  });
  try {
    const node = cluster.replicas.find((r) => r.name === "node")!;
    const targets: Array<[string, URL]> = runtimes.length === 1
      ? [["direct (node replica)", node.url], [
        "haproxy → 1 replica",
        cluster.haproxyUrl,
      ]]
      : [
        ["direct (node replica, 2 more running)", node.url],
        ["haproxy → 3 replicas", cluster.haproxyUrl],
        ["Varnish (hits) → haproxy → 3", cluster.url],
      ];
    const direct: WrkResult[] = [];
    for (const file of FILES) {
      direct.push(await measure(node.url, file.path, file.connections, work));
    }
    const result: Row[] = [];
    for (const [name, url] of targets) {
      const cells: WrkResult[] = [];
      for (const [i, file] of FILES.entries()) {
        cells.push(
          url === node.url ? direct[i] : await measure(url, file.path, file.connections, work),
        );
      }
      result.push({ name, cells, direct });
    }
    return result;
  } finally {
    await cluster.stop();
  }
}

function cell(result: WrkResult | string, direct: WrkResult): string {
  if (typeof result === "string") return `${result} | |`;
  const errors = result.non2xx3xx > 0 || result.socketErrors
    ? ` (${result.non2xx3xx} non-2xx; ${result.socketErrors ?? "no socket errors"})`
    : "";
  return `${result.requestsPerSec.toFixed(0)}${errors} | ${
    (result.requestsPerSec / direct.requestsPerSec).toFixed(2)
  } | ${result.p99Ms.toFixed(1)}`;
}

async function main(): Promise<void> {
  const site = mkdtempSync(join(tmpdir(), "bench-cluster-site-"));
  const work = mkdtempSync(join(tmpdir(), "bench-cluster-"));
  try {
    for (const file of FILES) {
      writeFileSync(
        join(site, file.path.slice(1)),
        new Uint8Array(file.size).fill(7),
      );
    }
    writeFileSync(
      join(site, "index.html"),
      "<!doctype html><title>bench</title>\n",
    );
    const started = new Date().toISOString();
    const load = loadavg()[0].toFixed(2);
    const all = [
      ...await rows(site, ["node"], work),
      ...await rows(site, ["deno", "bun", "node"], work),
    ];
    console.log(
      `${started}, load average ${load} at the start, wrk -t1 on core 1 for ${DURATION}, median of ${REPEATS} runs per cell ` +
        `(-c50 for 1 KiB, -c4 for 10 MiB); ÷ direct: the same file straight from the Node ` +
        `replica, measured in the same cluster start.\n`,
    );
    console.log(
      "| path | 1 KiB req/s | ÷ direct | p99 ms | 10 MiB req/s | ÷ direct | p99 ms |",
    );
    console.log(
      "| ---- | ----------: | -------: | -----: | -----------: | -------: | -----: |",
    );
    for (const row of all) {
      console.log(
        `| ${row.name} | ${row.cells.map((c, i) => cell(c, row.direct[i])).join(" | ")} |`,
      );
    }
  } finally {
    rmSync(site, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
