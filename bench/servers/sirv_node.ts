/**
 * sirv on `node:http`, with its `etag` option on (it is off by default, and
 * without it sirv never answers 304):
 * `node bench/servers/sirv_node.ts PORT ROOT`.
 *
 * @module
 */

import sirv from "sirv";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
listen(sirv(root, { etag: true }), port);
