/**
 * Composes routes in front of the file handler: a JSON route, a POST
 * endpoint, then the files of examples/site/. Runs on Node; the same handler
 * works with the Deno and Bun adapters.
 *
 * Run: node examples/compose.ts [PORT]
 *   curl http://127.0.0.1:8000/api/health
 *   curl -d 'hello' http://127.0.0.1:8000/api/echo
 *   curl http://127.0.0.1:8000/style.css
 */

import { fileURLToPath } from "node:url";
import { createFileHandler, nodeFileSystem, serve } from "../src/adapters/node.ts";

const files = createFileHandler({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  fs: nodeFileSystem(),
});

async function handler(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === "/api/health") return Response.json({ ok: true });
  if (pathname === "/api/echo" && request.method === "POST") {
    return new Response(await request.text(), { headers: { "content-type": "text/plain" } });
  }
  return files(request);
}

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
const server = await serve({
  handler,
  port: Number(process.argv[2] ?? 8000),
  signal: controller.signal,
});
console.log(`Serving on ${server.url} (Ctrl-C to stop)`);
await server.finished;
