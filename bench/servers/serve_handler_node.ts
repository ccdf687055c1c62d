/**
 * serve-handler on `node:http`, with its `etag` option on (off by default,
 * and without it serve-handler never answers 304):
 * `node bench/servers/serve_handler_node.ts PORT ROOT`.
 *
 * @module
 */

import handler from "serve-handler";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
listen((request, response) => handler(request, response, { public: root, etag: true }), port);
