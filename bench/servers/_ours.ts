/**
 * The shared body of the `ours_*` server scripts: serve ROOT on PORT with
 * the given adapter until SIGINT or SIGTERM.
 *
 * `PORT ROOT` is one process. `PORT ROOT --processes N` is N processes on
 * the one port, all with `reusePort`: this one, and N − 1 copies of the same
 * script that it starts as its children with `--reuse-port`, so that the
 * harness's process tree (whose RSS it sums) holds the N servers and
 * nothing else. `--features bare` or `--features full` picks the options
 * (see {@linkcode FEATURES}): what a feature costs a cached hit (issue 16).
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
  /** Which options, by the name of a {@linkcode FEATURES} entry. */
  features: keyof typeof FEATURES;
}

/**
 * The option sets of ours's servers. `default` is what `ours-<runtime>`
 * runs, as the CLI serves: compression on (it applies to the .js rows
 * only; the .bin files are not compressible), cache policy off. `bare`
 * turns every feature off, `full` turns on every feature a cached hit
 * might pay for. The small-file cache is on in all three: it is the hit.
 */
export const FEATURES = {
  default: { compress: true },
  bare: { compress: false, spa: false, cacheControl: false, etag: "mtime" },
  full: { compress: true, spa: true, cacheControl: true, etag: "content" },
} as const satisfies Record<string, Partial<ServeOptions>>;

const USAGE = "expected --processes N or --reuse-port, and --features bare|full";

/**
 * Reads the mode from the arguments after `PORT ROOT`: `--processes N` or
 * `--reuse-port`, and `--features bare|full`, each at most once.
 *
 * @param args The arguments.
 * @returns The mode.
 * @throws {RangeError} for anything else.
 */
export function parseMode(args: string[]): OursMode {
  const mode: OursMode = { processes: 1, reusePort: false, features: "default" };
  const fail = () => new RangeError(`Cannot start: ${USAGE}, not "${args.join(" ")}"`);
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if (seen.has(flag)) throw fail();
    seen.add(flag);
    if (flag === "--reuse-port") {
      mode.reusePort = true;
    } else if (flag === "--processes") {
      const processes = Number(value);
      if (!Number.isInteger(processes) || processes < 1 || processes > 64) throw fail();
      Object.assign(mode, { processes, reusePort: processes > 1 });
      i++;
    } else if (flag === "--features" && (value === "bare" || value === "full")) {
      mode.features = value;
      i++;
    } else throw fail();
  }
  if (seen.has("--reuse-port") && seen.has("--processes")) throw fail();
  return mode;
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
  const copies = Array.from(
    { length: mode.processes - 1 },
    () => startCopy(port, root, mode.features),
  );
  const server = await serve({
    root,
    port: Number(port),
    hostname: "127.0.0.1",
    reusePort: mode.reusePort,
    signal: controller.signal,
    gracePeriodMs: 1000,
    ...FEATURES[mode.features],
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
function startCopy(port: string, root: string, features: OursMode["features"]): Promise<void> {
  // Deno needs its permission and unstable flags again; Bun and Node run
  // the script as it is.
  const flags = "Deno" in globalThis ? ["run", "-A", "--unstable-net"] : [];
  const argv = [...flags, process.argv[1], port, root, "--reuse-port"];
  if (features !== "default") argv.push("--features", features);
  const child = spawn(process.execPath, argv, { stdio: "inherit" });
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve();
      console.error(`Error: a copy of this server exited (${code ?? signal})`);
      process.exit(1);
    });
  });
}
