/**
 * Serves examples/site/ on http://127.0.0.1:8000 with Deno.serve.
 *
 * Run: deno run --allow-net --allow-read examples/deno.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { createFileHandler } from "../mod.ts";
import { denoFileSystem } from "../src/fs/deno.ts";

const root = fileURLToPath(new URL("./site", import.meta.url));
const handler = createFileHandler({ root, fs: denoFileSystem(), listing: true });
const port = Number(Deno.args[0] ?? 8000);

const server = Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ hostname, port }) => console.log(`Serving ${root} on http://${hostname}:${port}/`),
}, handler);

// shutdown() lets in-flight responses finish (passing a signal to
// Deno.serve would cut them on Deno 2.9).
Deno.addSignalListener("SIGINT", () => void server.shutdown());
await server.finished;
