/**
 * Serves examples/site/ on http://127.0.0.1:8000 with the Bun adapter until
 * Ctrl-C, then shuts down politely.
 *
 * Run: bun examples/bun.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { serve } from "../src/adapters/bun.ts";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
const server = await serve({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  port: Number(process.argv[2] ?? 8000),
  listing: true,
  signal: controller.signal,
});
console.log(`Serving examples/site on ${server.url} (Ctrl-C to stop)`);
await server.finished;
