/**
 * Composes routes in front of the file handler: a JSON route, a POST
 * endpoint, then the files of examples/site/. Runs on Node until SIGINT
 * (Ctrl-C) or SIGTERM; the same handler works with the Deno and Bun
 * adapters.
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

const port = Number(process.argv[2] ?? 8000);
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());
const server = await serve({ handler, port, signal: controller.signal }).catch((error) => {
  // One line instead of an uncaught error's stack trace.
  const reason = error.code === "EADDRINUSE"
    ? "the port is in use (give another port, e.g. node examples/compose.ts 8001; 0 picks a free one)"
    : error.message;
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  process.exit(1);
});
console.log(`Serving on ${server.url} (Ctrl-C to stop)`);
await server.finished;
