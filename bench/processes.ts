/**
 * Starting, watching and stopping the servers: each one pinned to core 0,
 * in a process group of its own so that stopping it also stops its
 * children (nginx's worker), and killed on any exit of the harness.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { probe } from "./probe.ts";

/** A started server process. */
export interface Running {
  /** The server's name. */
  name: string;
  /** Where it answers. */
  url: URL;
  /** The process we spawned (`taskset` execs, so this is the runtime itself). */
  child: ChildProcess;
  /** Its PID and its descendants', the set whose RSS is summed. */
  pids: number[];
  /** Where its stdout and stderr go. */
  log: string;
}

const live = new Set<ChildProcess>();
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 3_000;

/**
 * Picks a free port on 127.0.0.1 (bind port 0, read it, close).
 *
 * @returns The port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Spawns `argv` under `taskset -c 0` and waits until it answers HTTP.
 *
 * @param options The name, argv, port, working folder and log file.
 * @returns The running server.
 * @throws {Error} when it exits or does not answer within 30 s.
 */
export async function startServer(
  options: { name: string; argv: string[]; port: number; cwd: string; log: string },
): Promise<Running> {
  const { name, argv, port, cwd, log } = options;
  const fd = openSync(log, "a");
  const child = spawn("taskset", ["-c", "0", ...argv], {
    cwd,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  live.add(child);
  child.once("exit", () => live.delete(child));
  const url = new URL(`http://127.0.0.1:${port}/`);
  await waitUntilAnswering(name, url, child);
  return { name, url, child, pids: processTree(child.pid!), log };
}

async function waitUntilAnswering(name: string, url: URL, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let attempt = 0; attempt < 300 && Date.now() < deadline; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Cannot start "${name}": it exited (${child.exitCode ?? child.signalCode})`);
    }
    try {
      await probe(url, { timeoutMs: 1000 });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`Cannot start "${name}": no answer within ${READY_TIMEOUT_MS / 1000} s`);
}

/**
 * A PID and its descendants, read from `/proc/<pid>/stat`.
 *
 * @param root The PID.
 * @returns `root` first, then its descendants.
 */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The name in parentheses may hold spaces; fields resume after ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we listed.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length && tree.length < 1000; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/**
 * Sums `VmRSS` over `pids` every `intervalMs` until stopped.
 *
 * @param pids The processes.
 * @param intervalMs The sampling period.
 * @returns `stop()`, which returns the peak in KiB.
 */
export function sampleRss(pids: number[], intervalMs = 100): { stop(): number } {
  let peak = rssKiB(pids);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKiB(pids));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssKiB(pids));
    },
  };
}

/**
 * Sums `VmRSS` over `pids` once.
 *
 * @param pids The processes (a PID that has exited counts as 0).
 * @returns The total, KiB.
 */
export function rssKiB(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    } catch {
      // Gone: counts as 0.
    }
  }
  return total;
}

/**
 * Stops a server: SIGTERM to its process group, SIGKILL after 3 s.
 *
 * @param running The server.
 */
export async function stopServer(running: Running): Promise<void> {
  const { child } = running;
  if (!live.has(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child, "SIGTERM");
  const timeout = sleep(STOP_TIMEOUT_MS).then(() => "timeout" as const);
  if (await Promise.race([exited, timeout]) === "timeout") {
    signalGroup(child, "SIGKILL");
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  }
  // Children the group kill missed (none expected): by their recorded PID.
  for (const pid of running.pids.slice(1)) killQuietly(pid, "SIGKILL");
}

/** SIGKILLs every server still alive, synchronously (for `exit` handlers). */
export function killAllNow(): void {
  for (const child of live) signalGroup(child, "SIGKILL");
}

/**
 * Adds a child (e.g. wrk) to those `killAllNow()` kills.
 *
 * @param child The child, spawned with `detached: true`.
 */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  // detached: the child leads its own group, whose id is its PID.
  killQuietly(-child.pid, signal);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
