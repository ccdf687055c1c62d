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
import { serveUntilSignal } from "./_bun.ts";

const [port, root] = process.argv.slice(2);
const app = new Hono();
// Compression on, as ours_*.ts serve (the .js rows only); a miss falls
// through to Hono's 404, as with Hono's own.
app.use("*", serveStatic({ root, compress: zlibCompressor() }));
serveUntilSignal(Number(port), app.fetch);
