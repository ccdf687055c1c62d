/**
 * Serves examples/site/ from one Node process per core with node:cluster:
 * the primary forks the workers and holds the listening socket, which it
 * shares with them, so the workers need no `reusePort`.
 *
 * Run: node examples/multicore_node.ts [PORT]
 *   curl -sI http://127.0.0.1:8000/ | grep -i x-worker   # repeat: the worker changes
 * Ctrl-C (or SIGTERM to the primary) stops every worker politely.
 */

import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { serve } from "../src/adapters/node.ts";

const port = Number(process.argv[2] ?? 8000);

if (cluster.isPrimary) {
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
  // Ctrl-C reaches every process of the terminal's group, but a supervisor's
  // SIGTERM reaches the primary alone: pass it on. The primary exits once
  // the last worker has.
  const stopAll = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  };
  process.once("SIGINT", stopAll);
  process.once("SIGTERM", stopAll);
  // Workers that cannot listen all fail alike (the primary's socket is
  // theirs): one line for all of them, then the rest are stopped.
  let failed = false;
  cluster.on("message", (_worker, line) => {
    if (failed) return;
    failed = true;
    console.error(line);
    process.exitCode = 1;
    stopAll();
  });
  cluster.on("exit", (worker, code) => {
    if (code !== 0 && !failed) console.error(`worker ${worker.process.pid} exited with ${code}`);
  });
} else {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  try {
    const server = await serve({
      root: fileURLToPath(new URL("./site", import.meta.url)),
      port,
      listing: true,
      // Shows which worker answered.
      headers: { "X-Worker": String(process.pid) },
      signal: controller.signal,
    });
    console.log(`worker ${process.pid} serving examples/site on ${server.url}`);
    await server.finished;
  } catch (error) {
    // The primary prints one line for all the workers.
    const reason = (error as { code?: string }).code === "EADDRINUSE"
      ? "the port is in use (give another port, e.g. node examples/multicore_node.ts 8001)"
      : (error as Error).message;
    process.send!(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
    process.exitCode = 1;
  }
  // The channel to the primary would keep this worker alive.
  cluster.worker!.disconnect();
}
