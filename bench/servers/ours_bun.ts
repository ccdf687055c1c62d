/**
 * Our file server on Bun: `bun bench/servers/ours_bun.ts PORT ROOT`.
 *
 * @module
 */

import process from "node:process";
import { serve } from "../../src/adapters/bun.ts";

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
