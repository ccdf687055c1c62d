/**
 * An Express 5 app with our `serveFiles` from `src/express.ts`, set up as
 * `serve_static_node.ts` is, so that the two differ only in the middleware:
 * `node bench/servers/ours_express_node.ts PORT ROOT`.
 *
 * @module
 */

import express from "express";
import { zlibCompressor } from "../../src/adapters/node.ts";
import { serveFiles } from "../../src/express.ts";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const app = express();
// Compression on, as ours_*.ts serve (the .js rows only); a miss falls
// through to Express's 404, as with serve-static.
app.use(serveFiles({ root, compress: zlibCompressor() }));
listen(app, port);
