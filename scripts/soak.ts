/**
 * The soak: for each runtime, our CLI serves a small site in a child process
 * while this process drives mixed traffic at it (scripts/_soak_traffic.ts)
 * for a bounded time; then every client connection is closed and the
 * server's open descriptors and memory are compared with their values after
 * a warm-up.
 *
 * ```sh
 * npm run soak                                        # 300 s per runtime
 * SOAK_SECONDS=60 node_modules/.bin/node scripts/soak.ts bun node
 * ```
 *
 * Environment: `SOAK_SECONDS` (default 300) per runtime, `SOAK_WORKERS`
 * request loops (default 24), `SOAK_SLOWLORIS` trickling connections
 * (default 20), `SOAK_RSS_GROWTH_MIB` the bound (default 64), `SOAK_SEED`.
 *
 * A runtime passes when, once the clients are gone, the server is back to
 * the descriptors it had after the warm-up (within 20 s); its resident
 * memory grew by at most `SOAK_RSS_GROWTH_MIB` since then; no response had
 * a wrong status or length; network errors stayed under 0.1% of the
 * requests; and SIGTERM stopped it with status 0. The last line printed is
 * `SOAK {json}` with every figure; the exit status is 0 only if every
 * runtime passed. Linux only (it reads /proc).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type SiteFile, type Tally, Traffic } from "./_soak_traffic.ts";

type Runtime = "deno" | "bun" | "node";

/** The figures of one runtime's soak. */
export interface SoakResult {
  runtime: Runtime;
  seconds: number;
  /** Descriptors before any request, after the warm-up, and at the end. */
  fds: { idle: number; base: number; end: number };
  /**
   * Resident memory in MiB: after the warm-up, the peak (VmHWM), the end,
   * and at each tenth of the run (a leak shows as a steady climb).
   */
  rssMiB: { base: number; peak: number; end: number; tenths: number[] };
  tally: Tally;
  exitStatus: number;
  failures: string[];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "src", "cli.ts");
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function bin(runtime: Runtime): [string, string[]] {
  // The real binaries, never a wrapper: /proc is read for this very pid.
  if (runtime === "node") return [process.execPath, [CLI]];
  return [
    join(ROOT, "node_modules", ".bin", runtime),
    runtime === "deno" ? ["run", "-A", CLI] : [CLI],
  ];
}

/** Files of every size class the handler treats differently. */
function buildSite(): { dir: string; files: SiteFile[] } {
  const dir = mkdtempSync(join(tmpdir(), "fileserver-soak-"));
  const files: SiteFile[] = [];
  const add = (path: string, size: number) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 251;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
    files.push({ path, size });
  };
  add("/tiny.txt", 100);
  add("/small.txt", 1024);
  add("/assets/app.js", 10 * 1024);
  add("/assets/64k.bin", 64 * 1024);
  add("/mid.bin", 200 * 1024);
  add("/two.bin", 2 * MiB);
  add("/large.bin", 8 * MiB);
  return { dir, files };
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
    readFileSync(`/proc/${pid}/status`, "utf8"),
  );
  return match === null ? NaN : Math.round(Number(match[1]) / 1024 * 10) / 10;
}

async function startServer(runtime: Runtime, dir: string): Promise<[ChildProcess, URL]> {
  const [command, args] = bin(runtime);
  const child = spawn(command, [...args, dir, "--port", "0", "--quiet", "--grace", "5"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const match = /Local:\s+(\S+)/.exec(out);
    if (match !== null) return [child, new URL(match[1])];
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`${runtime} server did not start: ${out}`);
}

// ETag and Last-Modified of each file, for the conditional requests. Those
// go out without Accept-Encoding, so the validators asked for are the
// unencoded file's: fetch() would ask for gzip and br on its own, and get
// the tag of a compressed answer.
async function learnValidators(url: URL, files: SiteFile[]): Promise<void> {
  for (const file of files) {
    const response = await fetch(new URL(file.path, url), {
      method: "HEAD",
      headers: { "accept-encoding": "identity" },
    });
    file.etag = response.headers.get("etag") ?? undefined;
    file.lastModified = response.headers.get("last-modified") ?? undefined;
  }
}

// Waits until the descriptor count is at most `target` (or stops falling).
async function settle(pid: number, target: number, maxMs: number): Promise<number> {
  const deadline = Date.now() + maxMs;
  let count = fdCount(pid);
  while (count > target && Date.now() < deadline) {
    await sleep(250);
    count = fdCount(pid);
  }
  return count;
}

async function traffic(url: URL, files: SiteFile[], seconds: number, seed: number) {
  const run = new Traffic(url, files, seed);
  await run.run({
    deadline: Date.now() + seconds * 1000,
    workers: Number(process.env.SOAK_WORKERS) || 24,
    slowloris: Number(process.env.SOAK_SLOWLORIS ?? 20),
    maxRequests: 50_000_000,
  });
  run.close();
  return run.tally;
}

/**
 * Soaks one runtime for `seconds` (after a warm-up of a tenth of that,
 * 2 to 30 s) and returns its figures.
 */
export async function soak(runtime: Runtime, seconds: number): Promise<SoakResult> {
  const { dir, files } = buildSite();
  const [child, url] = await startServer(runtime, dir);
  const pid = child.pid!;
  const failures: string[] = [];
  try {
    await sleep(500);
    const idle = fdCount(pid);
    await learnValidators(url, files);
    const seed = Number(process.env.SOAK_SEED) || 1;
    await traffic(url, files, Math.min(30, Math.max(2, seconds / 10)), seed);
    // The base: what the server holds with every client gone, once it has
    // opened whatever it opens lazily.
    await sleep(1000);
    const base = await settle(pid, idle, 10_000);
    const rssBase = statusMiB(pid, "VmRSS");
    const tenths: number[] = [];
    const sampler = setInterval(() => tenths.push(statusMiB(pid, "VmRSS")), seconds * 100);
    const tally = await traffic(url, files, seconds, seed + 1);
    clearInterval(sampler);
    const end = await settle(pid, base, 20_000);
    const rssEnd = statusMiB(pid, "VmRSS");
    const peak = statusMiB(pid, "VmHWM");
    const growthBound = Number(process.env.SOAK_RSS_GROWTH_MIB) || 64;
    if (end > base) failures.push(`descriptors: ${end} at the end, ${base} after the warm-up`);
    if (rssEnd - rssBase > growthBound) {
      failures.push(`RSS grew ${(rssEnd - rssBase).toFixed(1)} MiB (bound ${growthBound} MiB)`);
    }
    if (tally.mismatches > 0) failures.push(`${tally.mismatches} wrong responses`);
    if (tally.errors > tally.requests / 1000) failures.push(`${tally.errors} network errors`);
    if (tally.completed === 0) failures.push("no request completed");
    process.kill(pid, "SIGTERM");
    const exitStatus = await exited(child, 15_000);
    if (exitStatus !== 0) failures.push(`exit status ${exitStatus} after SIGTERM`);
    return {
      runtime,
      seconds,
      fds: { idle, base, end },
      rssMiB: { base: rssBase, peak, end: rssEnd, tenths },
      tally,
      exitStatus,
      failures,
    };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

function exited(child: ChildProcess, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(137);
    }, ms);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

function row(r: SoakResult): string {
  const t = r.tally;
  return `| ${r.runtime} | ${r.seconds} s | ${t.requests} | ${t.completed} | ${t.aborted} | ` +
    `${t.slowloris} | ${t.resets}/${t.errors}/${t.mismatches} | ${r.fds.idle}/${r.fds.base}/${r.fds.end} | ` +
    `${r.rssMiB.base}/${r.rssMiB.peak}/${r.rssMiB.end} | ${
      r.failures.length === 0 ? "pass" : "FAIL"
    } |`;
}

async function main(): Promise<number> {
  const asked = process.argv.slice(2).filter((arg): arg is Runtime =>
    ["deno", "bun", "node"].includes(arg)
  );
  const runtimes: Runtime[] = asked.length > 0 ? asked : ["deno", "bun", "node"];
  const seconds = Number(process.env.SOAK_SECONDS) || 300;
  const results: SoakResult[] = [];
  for (const runtime of runtimes) {
    console.error(`soak: ${runtime} for ${seconds} s…`);
    const result = await soak(runtime, seconds);
    for (const failure of result.failures) console.error(`soak: ${runtime}: ${failure}`);
    for (const problem of result.tally.problems) console.error(`soak: ${runtime}: ${problem}`);
    results.push(result);
  }
  console.log(
    "| runtime | time | requests | completed | aborted by client | slowloris | resets/errors/wrong | fds idle/base/end | RSS MiB base/peak/end | |",
  );
  console.log("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |");
  for (const result of results) console.log(row(result));
  console.log(`SOAK ${JSON.stringify(results)}`);
  return results.every((result) => result.failures.length === 0) ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main();
