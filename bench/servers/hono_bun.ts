/**
 * Hono's `serveStatic` from `hono/bun` on `Bun.serve`:
 * `bun bench/servers/hono_bun.ts PORT ROOT`.
 *
 * @module
 */

import process from "node:process";
import { Hono } from "hono";
import { serveStatic } from "hono/bun";
import { bunGlobal } from "./_bun.ts";

const [port, root] = process.argv.slice(2);
const app = new Hono();
app.use("*", serveStatic({ root }));
const server = bunGlobal().serve({
  hostname: "127.0.0.1",
  port: Number(port),
  development: false,
  fetch: app.fetch,
});
console.log(`ready http://127.0.0.1:${server.port}/`);
process.on("SIGINT", () => void server.stop(true).then(() => process.exit(0)));
process.on("SIGTERM", () => void server.stop(true).then(() => process.exit(0)));
