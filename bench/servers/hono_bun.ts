/**
 * Hono's `serveStatic` from `hono/bun` on `Bun.serve`:
 * `bun bench/servers/hono_bun.ts PORT ROOT`.
 *
 * @module
 */

import process from "node:process";
import { Hono } from "hono";
import { serveStatic } from "hono/bun";
import { serveUntilSignal } from "./_bun.ts";

const [port, root] = process.argv.slice(2);
const app = new Hono();
app.use("*", serveStatic({ root }));
serveUntilSignal(Number(port), app.fetch);
