/**
 * Bun's own router with the files as one of its routes: fileRoute() from
 * @seed/fileserver/bun serves examples/site/ beside an API route on
 * http://127.0.0.1:8000 (or the port given) until SIGINT (Ctrl-C) or
 * SIGTERM, which stop the server once its in-flight requests are answered.
 *
 * Run: bun examples/bun_routes.ts [PORT]
 */

import { fileURLToPath } from "node:url";
import { type BunRouteHandler, fileRoute } from "../src/adapters/bun.ts";

// The part of Bun's global used here, so that `deno check` needs no Bun
// types; in a Bun project, @types/bun declares it.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    routes: Record<string, BunRouteHandler | (() => Response)>;
  }): { url: URL; stop(closeActiveConnections?: boolean): Promise<void> };
};

const port = Number(process.argv[2] ?? 8000);
const files = fileRoute({ root: fileURLToPath(new URL("./site", import.meta.url)), listing: true });
let server: ReturnType<typeof Bun.serve>;
try {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    routes: {
      "/api/time": () => Response.json({ now: new Date().toISOString() }),
      // Bun picks the most specific route, so this one takes everything else.
      "/*": files,
    },
  });
} catch (error) {
  // One line instead of an uncaught error's stack trace.
  const reason = (error as { code?: string }).code === "EADDRINUSE"
    ? "the port is in use (give another port, e.g. bun examples/bun_routes.ts 8001; 0 picks a free one)"
    : String(error);
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  process.exit(1);
}
console.log(`Serving examples/site on ${server.url} (Ctrl-C to stop)`);
const stop = () => void server.stop(false).then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
