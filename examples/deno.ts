/**
 * Serves examples/site/ on http://127.0.0.1:8000 with the Deno adapter
 * until Ctrl-C, then shuts down politely.
 *
 * Run: deno run --allow-net --allow-read examples/deno.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { serve } from "../src/adapters/deno.ts";

const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());
const server = await serve({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  port: Number(Deno.args[0] ?? 8000),
  listing: true,
  signal: controller.signal,
});
console.log(`Serving examples/site on ${server.url} (Ctrl-C to stop)`);
await server.finished;
