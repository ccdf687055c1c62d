/**
 * http-server through its programmatic API (its defaults, directory
 * listing off): `node bench/servers/http_server_node.ts PORT ROOT`.
 *
 * @module
 */

import httpServer from "http-server";
import { listen, portAndRoot } from "./_node_listen.ts";

const { port, root } = portAndRoot();
const server = httpServer.createServer({ root, showDir: false, autoIndex: false });
listen(server.server, port);
