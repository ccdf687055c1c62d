/**
 * Hono's `serveStatic` for Node, from `@hono/node-server/serve-static`, on
 * `@hono/node-server`: `node bench/servers/hono_node.ts PORT ROOT`.
 *
 * @module
 */

import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const app = new Hono();
app.use("*", serveStatic({ root }));
// A node:http server: createAdaptorServer() makes one unless given http2.
listen(createAdaptorServer({ fetch: app.fetch }) as Server, port);
