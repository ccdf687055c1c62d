/**
 * Serves examples/site/ on http://127.0.0.1:8000 (or the port given) with
 * the Node adapter until SIGINT (Ctrl-C) or SIGTERM, then shuts down
 * politely.
 *
 * Run: node examples/node.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { serve } from "../src/adapters/node.ts";

const port = Number(process.argv[2] ?? 8000);
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());
const server = await serve({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  port,
  listing: true,
  signal: controller.signal,
}).catch((error) => {
  // One line instead of an uncaught error's stack trace.
  const reason = error.code === "EADDRINUSE"
    ? "the port is in use (give another port, e.g. node examples/node.ts 8001; 0 picks a free one)"
    : error.message;
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  process.exit(1);
});
console.log(`Serving examples/site on ${server.url} (Ctrl-C to stop)`);
await server.finished;
