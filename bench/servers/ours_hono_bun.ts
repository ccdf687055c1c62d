/**
 * A Hono app with our `serveStatic` from `src/hono.ts` on `Bun.serve`, set
 * up as `hono_bun.ts` is, so that the two differ only in the middleware:
 * `bun bench/servers/ours_hono_bun.ts PORT ROOT`.
 *
 * @module
 */

import process from "node:process";
import { Hono } from "hono";
import { zlibCompressor } from "../../src/adapters/bun.ts";
import { serveStatic } from "../../src/hono.ts";
import { bunGlobal } from "./_bun.ts";

const [port, root] = process.argv.slice(2);
const app = new Hono();
// Compression on, as ours_*.ts serve (the .js rows only); a miss falls
// through to Hono's 404, as with Hono's own.
app.use("*", serveStatic({ root, compress: zlibCompressor() }));
const server = bunGlobal().serve({
  hostname: "127.0.0.1",
  port: Number(port),
  development: false,
  fetch: app.fetch,
});
console.log(`ready http://127.0.0.1:${server.port}/`);
process.on("SIGINT", () => void server.stop(true).then(() => process.exit(0)));
process.on("SIGTERM", () => void server.stop(true).then(() => process.exit(0)));
