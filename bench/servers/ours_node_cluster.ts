/**
 * Our file server on Node in N node:cluster workers:
 * `node bench/servers/ours_node_cluster.ts PORT ROOT --processes N`.
 *
 * The primary holds the one listening socket and, on Linux, accepts every
 * connection itself and hands it to a worker in turn; the workers listen
 * without `reusePort`. The primary stays in the process tree, so its idle
 * RSS counts in the sum.
 *
 * @module
 */

import cluster from "node:cluster";
import process from "node:process";
import { serve } from "../../src/adapters/node.ts";
import { parseMode, runOurs } from "./_ours.ts";

if (cluster.isPrimary) {
  const { processes } = parseMode(process.argv.slice(4));
  for (let i = 0; i < processes; i++) cluster.fork();
  // SIGTERM reaches the workers through the process group; the primary
  // only waits for them.
  let stopping = false;
  process.on("SIGINT", () => (stopping = true));
  process.on("SIGTERM", () => (stopping = true));
  let left = processes;
  cluster.on("exit", (worker, code, signal) => {
    if (code !== 0 && !stopping) {
      console.error(`Error: worker ${worker.process.pid} exited (${code ?? signal})`);
      process.exit(1);
    }
    if (--left === 0) process.exit(0);
  });
} else {
  await runOurs(serve, { processes: 1, reusePort: false, features: "default" });
}
