/**
 * Running wrk on core 1 and reading its report.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { track } from "./processes.ts";

/** What one wrk run measured. */
export interface WrkResult {
  /** Requests/sec. */
  requestsPerSec: number;
  /** Transfer/sec, in bytes (wrk's KB/MB are binary). */
  bytesPerSec: number;
  /** The 99th percentile latency, ms. */
  p99Ms: number;
  /** Requests completed. */
  requests: number;
  /** Responses that were neither 2xx nor 3xx. */
  non2xx3xx: number;
  /** wrk's "Socket errors" line, if any. */
  socketErrors: string | null;
}

/** One wrk run. */
export interface WrkRun {
  /** The URL (127.0.0.1 only). */
  url: URL;
  /** `-c`. */
  connections: number;
  /** `-d`, e.g. `5s`. */
  duration: string;
  /** The same in seconds, to bound the wait. */
  durationSeconds: number;
  /** Request headers, sent through a Lua script. */
  headers: Record<string, string>;
  /** Where the Lua script may be written. */
  dir: string;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZES: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/**
 * Parses wrk's `--latency` report.
 *
 * @param text wrk's stdout.
 * @returns The numbers.
 * @throws {Error} when Requests/sec or the 99% line is missing.
 */
export function parseWrk(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const transfer = /^Transfer\/sec:\s+([\d.]+)([KMGT]?B)/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m|h)/m.exec(text);
  const total = /^\s+(\d+) requests in/m.exec(text);
  if (rps === null || transfer === null || p99 === null || total === null) {
    throw new Error(`Cannot read wrk's report:\n${text}`);
  }
  return {
    requestsPerSec: Number(rps[1]),
    bytesPerSec: Number(transfer[1]) * SIZES[transfer[2]],
    p99Ms: Number(p99[1]) * UNITS[p99[2]],
    requests: Number(total[1]),
    non2xx3xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: /Socket errors:\s*(.+)/.exec(text)?.[1].trim() ?? null,
  };
}

/**
 * Runs `taskset -c 1 wrk -t1 -c<n> -d<d> --latency [-s headers.lua] URL`.
 *
 * @param run What to run.
 * @returns The parsed report.
 * @throws {Error} when wrk fails, or runs 30 s past its duration.
 */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  if (run.url.hostname !== "127.0.0.1") throw new Error(`Cannot bench ${run.url}: not 127.0.0.1`);
  const args = ["-c", "1", "wrk", "-t1", `-c${run.connections}`, `-d${run.duration}`, "--latency"];
  if (Object.keys(run.headers).length > 0) args.push("-s", headersScript(run.dir, run.headers));
  args.push(run.url.href);
  const output = await capture("taskset", args, (run.durationSeconds + 30) * 1000);
  return parseWrk(output);
}

function headersScript(dir: string, headers: Record<string, string>): string {
  const path = join(dir, "headers.lua");
  // A JSON string of printable ASCII is a valid Lua string literal.
  const lines = Object.entries(headers).map(([name, value]) =>
    `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`
  );
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

function capture(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    track(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout += chunk);
    child.stderr.on("data", (chunk: Buffer) => stderr += chunk);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`Cannot run wrk (${code ?? signal}): ${stderr || stdout}`));
    });
  });
}
