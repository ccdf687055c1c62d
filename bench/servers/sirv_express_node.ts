/**
 * sirv as an Express 5 middleware, with its `etag` option on as in
 * `sirv_node.ts`: `node bench/servers/sirv_express_node.ts PORT ROOT`.
 *
 * @module
 */

import express from "express";
import sirv from "sirv";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const app = express();
// A miss goes to next(), so Express answers the 404, as with serve-static.
app.use(sirv(root, { etag: true }));
listen(app, port);
