/**
 * Node's never-stale bound: per request, one `lstatSync` of `1k.bin` (as
 * `src/fs/_node_fs.ts` makes it), then ours's header fields, built once as
 * the flat list that `writeHead()` takes (as ours's cached path writes
 * them; an object was 10% slower here), and the bytes.
 * `node bench/servers/bound_node.ts PORT ROOT`.
 *
 * @module
 */

import { lstatSync } from "node:fs";
import { boundAnswer } from "./_bound.ts";
import { listen } from "./_node_listen.ts";

const { port, path, body, fields } = boundAnswer();
const flat = fields.flat();
listen((_req, res) => {
  lstatSync(path);
  res.writeHead(200, flat);
  res.end(body);
}, port);
