/**
 * Serves examples/site/ on http://127.0.0.1:8000 (or the port given) with
 * the Deno adapter until SIGINT (Ctrl-C) or SIGTERM, then shuts down
 * politely. `npm start` runs it.
 *
 * Run: deno run --allow-net --allow-read examples/deno.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { serve } from "../src/adapters/deno.ts";

const port = Number(Deno.args[0] ?? 8000);
const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());
Deno.addSignalListener("SIGTERM", () => controller.abort());
const server = await serve({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  port,
  listing: true,
  signal: controller.signal,
}).catch((error) => {
  // One line instead of an uncaught error's stack trace.
  const reason = error.code === "EADDRINUSE"
    ? "the port is in use (give another port, e.g. npm start -- 8001; 0 picks a free one)"
    : error.message;
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  Deno.exit(1);
});
console.log(`Serving examples/site on ${server.url} (Ctrl-C to stop)`);
await server.finished;
