/**
 * One process of the multi-core tests: the running runtime's `serve()` on
 * a fixed port, marking every response with `X-Served-By: NAME` so that a
 * client can tell which process answered.
 *
 * Run: <runtime> tests/_helpers/multicore_server.ts ROOT PORT NAME [--reuse-port]
 *
 * Prints `listening URL` once it listens. A failed `serve()` prints
 * `failed NAME CODE MESSAGE` on stderr and exits 1. SIGTERM aborts the
 * controller; once `finished` resolves it prints `stopped` and removes its
 * signal listeners, so the process exits 0 only if the server left no
 * handle behind.
 */

import process from "node:process";
import { runtimeServe } from "./adapter.ts";

const [root, port, name, flag] = process.argv.slice(2);
const controller = new AbortController();
const stop = () => controller.abort();
process.on("SIGTERM", stop);
const serve = await runtimeServe();
try {
  const server = await serve({
    root,
    port: Number(port),
    reusePort: flag === "--reuse-port",
    headers: { "X-Served-By": name },
    signal: controller.signal,
    gracePeriodMs: 5_000,
  });
  console.log(`listening ${server.url}`);
  await server.finished;
  console.log("stopped");
} catch (error) {
  const { code, name: kind, message } = error as { code?: string; name?: string; message?: string };
  console.error(`failed ${name} ${code ?? kind} ${message}`);
  process.exitCode = 1;
} finally {
  // A signal listener keeps Deno's event loop alive (src/cli.ts exits
  // explicitly for that reason); without it, only the server's own
  // handles could keep this process running.
  process.off("SIGTERM", stop);
}
