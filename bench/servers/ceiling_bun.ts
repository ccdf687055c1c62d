/**
 * Bun's ceiling: `Bun.serve` answering every request with the same 1 KiB
 * body from memory. `bun bench/servers/ceiling_bun.ts PORT ROOT`.
 *
 * @module
 */

import process from "node:process";
import { bunGlobal } from "./_bun.ts";

const BODY = new Uint8Array(1024);
const [port] = process.argv.slice(2);
const server = bunGlobal().serve({
  hostname: "127.0.0.1",
  port: Number(port),
  development: false,
  fetch: () => new Response(BODY),
});
console.log(`ready http://127.0.0.1:${server.port}/`);
