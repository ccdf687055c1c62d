/**
 * Hono's `serveStatic` from `hono/deno` on `Deno.serve`:
 * `deno run -A bench/servers/hono_deno.ts PORT ROOT`.
 *
 * @module
 */

import { Hono } from "hono";
import { serveUntilSignal } from "./_deno.ts";
import { serveStatic } from "hono/deno";

const [port, root] = Deno.args;
const app = new Hono();
app.use("*", serveStatic({ root }));
await serveUntilSignal(Number(port), app.fetch);
