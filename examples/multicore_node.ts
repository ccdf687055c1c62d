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
  cluster.on("exit", (worker, code) => {
    if (code !== 0) console.error(`worker ${worker.process.pid} exited with ${code}`);
  });
} else {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
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
  // The channel to the primary would keep this worker alive.
  cluster.worker!.disconnect();
}
