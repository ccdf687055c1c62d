/**
 * A Deno.serve app that serves examples/site/ with serveDir() from
 * @seed/fileserver/std, the drop-in for @std/http/file-server, beside an
 * API route, on http://127.0.0.1:8000 (or the port given) until SIGINT
 * (Ctrl-C) or SIGTERM.
 *
 * Run: deno run --allow-net --allow-read examples/std.ts [PORT]
 */

import { fileURLToPath } from "node:url";
// The one line a std user changes: was `from "jsr:@std/http/file-server"`.
import { serveDir } from "../src/std.ts";

const SITE = fileURLToPath(new URL("./site", import.meta.url));
// One options object for every request: its handler (and caches) is built once.
const OPTIONS = { fsRoot: SITE, showDirListing: true, enableCors: true };

function handler(req: Request): Response | Promise<Response> {
  if (new URL(req.url).pathname === "/api/time") {
    return Response.json({ now: new Date().toISOString() });
  }
  return serveDir(req, OPTIONS);
}

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
  }, handler);
} catch (error) {
  // One line instead of an uncaught error's stack trace.
  const reason = error instanceof Deno.errors.AddrInUse
    ? "the port is in use (give another port, e.g. deno run --allow-net --allow-read examples/std.ts 8001; 0 picks a free one)"
    : String(error);
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  Deno.exit(1);
}
await server.finished;
