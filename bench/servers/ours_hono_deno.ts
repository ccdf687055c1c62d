/**
 * A Hono app with our `serveStatic` from `src/hono.ts` on `Deno.serve`, set
 * up as `hono_deno.ts` is, so that the two differ only in the middleware:
 * `deno run -A bench/servers/ours_hono_deno.ts PORT ROOT`.
 *
 * @module
 */

import { Hono } from "hono";
import { serveUntilSignal } from "./_deno.ts";
import { zlibCompressor } from "../../src/adapters/deno.ts";
import { serveStatic } from "../../src/hono.ts";

const [port, root] = Deno.args;
const app = new Hono();
// Compression on, as ours_*.ts serve (the .js rows only); a miss falls
// through to Hono's 404, as with Hono's own.
app.use("*", serveStatic({ root, compress: zlibCompressor() }));
await serveUntilSignal(Number(port), app.fetch);
