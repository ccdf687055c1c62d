/**
 * Our file server on Deno: `deno run -A bench/servers/ours_deno.ts PORT ROOT`.
 *
 * @module
 */

import { serve } from "../../src/adapters/deno.ts";

const [port, root] = Deno.args;
const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());
Deno.addSignalListener("SIGTERM", () => controller.abort());
const server = await serve({
  root,
  port: Number(port),
  hostname: "127.0.0.1",
  signal: controller.signal,
  gracePeriodMs: 1000,
});
console.log(`ready ${server.url}`);
await server.finished;
Deno.exit(0);
