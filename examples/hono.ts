/**
 * A Hono app on Deno that serves examples/site/ with serveStatic() from
 * @seed/fileserver/hono, beside an API route, on http://127.0.0.1:8000 (or
 * the port given) until SIGINT (Ctrl-C) or SIGTERM.
 *
 * Run: deno run -A examples/hono.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { serveStatic } from "../src/hono.ts";

const app = new Hono();
app.get("/api/time", (c) => c.json({ now: new Date().toISOString() }));
// The whole path is looked up under root, as with Hono's own serveStatic;
// a path that is not a file falls through to the 404 route below.
app.use("/*", serveStatic({ root: fileURLToPath(new URL("./site", import.meta.url)) }));
app.notFound((c) => c.text("Not here", 404));

const port = Number(Deno.args[0] ?? 8000);
const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());
Deno.addSignalListener("SIGTERM", () => controller.abort());
let server: Deno.HttpServer<Deno.NetAddr>;
try {
  server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    signal: controller.signal,
    onListen: ({ port }) =>
      console.log(`Serving examples/site on http://127.0.0.1:${port}/ (Ctrl-C to stop)`),
  }, app.fetch);
} catch (error) {
  // One line instead of an uncaught error's stack trace.
  const reason = error instanceof Deno.errors.AddrInUse
    ? "the port is in use (give another port, e.g. deno run -A examples/hono.ts 8001; 0 picks a free one)"
    : String(error);
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  Deno.exit(1);
}
await server.finished;
