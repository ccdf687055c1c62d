/**
 * The shared body of the `ours_*` server scripts: serve ROOT on PORT with
 * the given adapter until SIGINT or SIGTERM.
 *
 * @module
 */

import process from "node:process";
import type { ServeOptions, Server } from "../../src/adapters/_serve_options.ts";

/** Serves `process.argv`'s ROOT on PORT with `serve`, printing a ready line. */
export async function runOurs(serve: (options: ServeOptions) => Promise<Server>): Promise<never> {
  const [port, root] = process.argv.slice(2);
  const controller = new AbortController();
  process.on("SIGINT", () => controller.abort());
  process.on("SIGTERM", () => controller.abort());
  const server = await serve({
    root,
    port: Number(port),
    hostname: "127.0.0.1",
    signal: controller.signal,
    gracePeriodMs: 1000,
  });
  console.log(`ready ${server.url}`);
  await server.finished;
  process.exit(0);
}
