/**
 * A Hono app with our `serveStatic` from `src/hono.ts` on
 * `@hono/node-server`, set up as `hono_node.ts` is, so that the two differ
 * only in the middleware: `node bench/servers/ours_hono_node.ts PORT ROOT`.
 *
 * @module
 */

import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { zlibCompressor } from "../../src/adapters/node.ts";
import { serveStatic } from "../../src/hono.ts";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const app = new Hono();
// Compression on, as ours_*.ts serve (the .js rows only); a miss falls
// through to Hono's 404, as with Hono's own.
app.use("*", serveStatic({ root, compress: zlibCompressor() }));
// A node:http server: createAdaptorServer() makes one unless given http2.
listen(createAdaptorServer({ fetch: app.fetch }) as Server, port);
