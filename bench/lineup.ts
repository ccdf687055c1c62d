/**
 * The servers of one run, each in a slot that can restart it after a
 * crash (a bounded number of times), so that one peer's crash costs its
 * own cells and not the rest of its row.
 *
 * @module
 */

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Running, startServer, stopServer } from "./processes.ts";
import { ROOT, type ServerSpec } from "./servers.ts";

/** One server of the run. */
export interface Slot {
  /** What to start. */
  spec: ServerSpec;
  /** The live process, or `null` when it could not be (re)started. */
  server: Running | null;
  /** Restarts so far. */
  restarts: number;
  /** Its scratch folder (config, Lua script, log). */
  dir: string;
  /** The site folder it serves. */
  site: string;
}

const MAX_RESTARTS = 5;

/**
 * Starts `spec` on a free port, logging to `<dir>/server.log`.
 *
 * @param spec The server.
 * @param dirs Its scratch folder and the site folder.
 * @returns The slot; `server` is `null` (and the reason printed) when it
 * did not start.
 */
export async function launch(spec: ServerSpec, dirs: { dir: string; site: string }): Promise<Slot> {
  const slot: Slot = { spec, server: null, restarts: 0, ...dirs };
  mkdirSync(slot.dir, { recursive: true });
  await start(slot);
  return slot;
}

async function start(slot: Slot): Promise<void> {
  const port = await freePort();
  const argv = slot.spec.command({ port, root: slot.site, dir: slot.dir });
  const log = join(slot.dir, "server.log");
  try {
    slot.server = await startServer({ name: slot.spec.name, argv, port, cwd: ROOT, log });
  } catch (error) {
    slot.server = null;
    console.error(`${(error as Error).message}\n${tail(log, 10)}`);
  }
}

/**
 * Whether the slot's server is still running.
 *
 * @param slot The slot.
 * @returns `true` when its process has not exited.
 */
export function isAlive(slot: Slot): boolean {
  const child = slot.server?.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Why the server died, from the first error line of its log.
 *
 * @param slot The slot.
 * @returns A short reason, e.g. `Error: EMFILE: too many open files`.
 */
export function crashReason(slot: Slot): string {
  const log = tail(join(slot.dir, "server.log"), 200);
  const line = /^\s*(?:\w*Error|panic|Segmentation)\b.*$/m.exec(log)?.[0].trim();
  const child = slot.server?.child;
  // The error's first clause: what follows names temp paths.
  return line?.split(", ")[0] ?? `exited (${child?.exitCode ?? child?.signalCode})`;
}

/**
 * Restarts a dead server, at most five times per slot.
 *
 * @param slot The slot.
 * @returns Whether it runs again.
 */
export async function restart(slot: Slot): Promise<boolean> {
  if (slot.restarts >= MAX_RESTARTS) return false;
  slot.restarts++;
  if (slot.server !== null) await stopServer(slot.server);
  await start(slot);
  return slot.server !== null;
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
