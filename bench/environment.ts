/**
 * The facts a result is meaningless without: machine, versions, settings.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, release } from "node:os";
import { join } from "node:path";
import type { BenchOptions } from "./config.ts";
import { NGINX } from "./nginx.ts";
import { ROOT } from "./servers.ts";

const PEERS = [
  "hono",
  "@hono/node-server",
  "sirv",
  "express",
  "serve-static",
  "serve-handler",
  "http-server",
];

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] || "not found";
}

function packageVersion(name: string): string {
  try {
    const path = join(ROOT, "bench", "node_modules", name, "package.json");
    return `${name}@${JSON.parse(readFileSync(path, "utf8")).version}`;
  } catch {
    return `${name}: not installed`;
  }
}

function cpuModel(): string {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
}

/**
 * Fails early, with the fix, when wrk or taskset is missing.
 *
 * @throws {Error} naming the missing tool.
 */
export function checkTools(): void {
  for (const [tool, args] of [["wrk", ["-v"]], ["taskset", ["-V"]]] as const) {
    if (spawnSync(tool, [...args], { timeout: 10_000 }).error !== undefined) {
      throw new Error(`Cannot bench: "${tool}" not found (apt-get install -y wrk util-linux)`);
    }
  }
}

/**
 * The report's header lines.
 *
 * @param options The run's settings.
 * @param loadAtStart The 1-minute load average when the run began.
 * @returns Markdown list items.
 */
export function describeRun(options: BenchOptions, loadAtStart: number): string[] {
  const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpuModel()}, ${availableParallelism()} cores, Linux ${release()};` +
    " servers pinned to core 0, wrk to core 1; 1-min load average" +
    ` ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`,
    `- runtimes: ${firstLine(bin("deno"), ["--version"])}; bun ${
      firstLine(bin("bun"), ["--version"])
    }; node ${firstLine(bin("node"), ["--version"])}; ${
      firstLine(NGINX, ["-v"]).replace("nginx version: ", "")
    }; ${firstLine("wrk", ["-v"]).replace(/ \[.*$/, "")}`,
    `- peers: ${PEERS.map(packageVersion).join(", ")}`,
    `- each cell: \`wrk -t1 -c50 -d${options.duration} --latency\` (\`-c4\` for 10 MiB),` +
    ` ${options.repeats} run${
      options.repeats === 1 ? "" : "s"
    } after a 1 s warm-up, round-robin across servers; median req/s, MiB/s and p99;` +
    " peak RSS = highest VmRSS sampled every 100 ms over the runs",
  ];
}
