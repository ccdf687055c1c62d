/**
 * The shared body of the `ours_*` server scripts: serve ROOT on PORT with
 * the given adapter until SIGINT or SIGTERM.
 *
 * `PORT ROOT` is one process. `PORT ROOT --processes N` is N processes on
 * the one port, all with `reusePort`: this one, and N − 1 copies of the same
 * script that it starts as its children with `--reuse-port`, so that the
 * harness's process tree (whose RSS it sums) holds the N servers and
 * nothing else.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import type { ServeOptions, Server } from "../../src/adapters/_serve_options.ts";

/** How a process of ours runs. */
export interface OursMode {
  /** Processes in all, this one included (copies are started when above 1). */
  processes: number;
  /** Whether to listen with `reusePort`. */
  reusePort: boolean;
}

/**
 * Reads the mode from the arguments after `PORT ROOT`: nothing,
 * `--processes N` or `--reuse-port`.
 *
 * @param args The arguments.
 * @returns The mode.
 * @throws {RangeError} for anything else.
 */
export function parseMode(args: string[]): OursMode {
  if (args.length === 0) return { processes: 1, reusePort: false };
  if (args.length === 1 && args[0] === "--reuse-port") return { processes: 1, reusePort: true };
  const processes = Number(args[1]);
  if (args.length === 2 && args[0] === "--processes" && Number.isInteger(processes)) {
    if (processes >= 1 && processes <= 64) return { processes, reusePort: processes > 1 };
  }
  throw new RangeError(`Cannot start: expected --processes N or --reuse-port, not "${args}"`);
}

/**
 * Serves `process.argv`'s ROOT on PORT with `serve`, printing a ready line.
 *
 * @param serve The adapter's `serve()`.
 * @param mode How many processes, and whether to listen with `reusePort`.
 */
export async function runOurs(
  serve: (options: ServeOptions) => Promise<Server>,
  mode: OursMode = parseMode(process.argv.slice(4)),
): Promise<never> {
  const [port, root] = process.argv.slice(2);
  const controller = new AbortController();
  process.on("SIGINT", () => controller.abort());
  process.on("SIGTERM", () => controller.abort());
  const copies = Array.from({ length: mode.processes - 1 }, () => startCopy(port, root));
  const server = await serve({
    root,
    port: Number(port),
    hostname: "127.0.0.1",
    reusePort: mode.reusePort,
    signal: controller.signal,
    gracePeriodMs: 1000,
    // As the CLI serves: compression on (it applies to the .js rows only;
    // the .bin files are not compressible), cache policy off.
    compress: true,
  });
  console.log(`ready ${server.url}`);
  await server.finished;
  await Promise.all(copies);
  process.exit(0);
}

/**
 * Starts a copy of this script with `--reuse-port`; resolves when it exits
 * 0 (after the SIGTERM the harness sends to the whole group). A copy that
 * fails takes this process down (exit 1), so the harness sees the crash.
 */
function startCopy(port: string, root: string): Promise<void> {
  // Deno needs its permission and unstable flags again; Bun and Node run
  // the script as it is.
  const flags = "Deno" in globalThis ? ["run", "-A", "--unstable-net"] : [];
  const argv = [...flags, process.argv[1], port, root, "--reuse-port"];
  const child = spawn(process.execPath, argv, { stdio: "inherit" });
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve();
      console.error(`Error: a copy of this server exited (${code ?? signal})`);
      process.exit(1);
    });
  });
}
