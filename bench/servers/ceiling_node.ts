/**
 * Node's ceiling: `node:http` answering every request with the same 1 KiB
 * body from memory. `node bench/servers/ceiling_node.ts PORT ROOT`.
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";

const BODY = Buffer.alloc(1024);
const [port] = process.argv.slice(2);
createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "1024" });
  res.end(BODY);
}).listen(Number(port), "127.0.0.1", () => console.log(`ready http://127.0.0.1:${port}/`));
