/**
 * Hono's `serveStatic` from `hono/deno` on `Deno.serve`:
 * `deno run -A bench/servers/hono_deno.ts PORT ROOT`.
 *
 * @module
 */

import { Hono } from "hono";
import { serveStatic } from "hono/deno";

const [port, root] = Deno.args;
const app = new Hono();
app.use("*", serveStatic({ root }));
const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}/`),
}, app.fetch);
Deno.addSignalListener("SIGINT", () => void server.shutdown());
Deno.addSignalListener("SIGTERM", () => void server.shutdown());
await server.finished;
Deno.exit(0);
