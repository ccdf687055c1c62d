/**
 * express with serve-static (its defaults: ETag and Last-Modified on):
 * `node bench/servers/serve_static_node.ts PORT ROOT`.
 *
 * @module
 */

import express from "express";
import serveStatic from "serve-static";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const app = express();
app.use(serveStatic(root));
listen(app, port);
