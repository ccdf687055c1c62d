/**
 * An Express 5 app on Node that serves examples/site/ with serveFiles()
 * from @seed/fileserver/express, beside an API route, on
 * http://127.0.0.1:8000 (or the port given) until SIGINT (Ctrl-C) or
 * SIGTERM.
 *
 * Run: node examples/express.ts [PORT]
 */

import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import expressModule from "express";
import { type NodeMiddleware, serveFiles } from "../src/express.ts";

// The members used here: express ships no types of its own.
type Route = (req: unknown, res: { json(body: unknown): void }) => void;
interface App {
  get(path: string, route: Route): void;
  use(middleware: NodeMiddleware | Route): void;
  listen(port: number, host: string, done: (error?: Error) => void): Server;
}
const express = expressModule as unknown as () => App;

const app = express();
app.get("/api/time", (_req, res) => res.json({ now: new Date().toISOString() }));
// A path that is not a file falls through to the routes after it.
app.use(serveFiles({ root: fileURLToPath(new URL("./site", import.meta.url)) }));

const port = Number(process.argv[2] ?? 8000);
const server = app.listen(port, "127.0.0.1", (error) => {
  if (error === undefined) {
    const { port } = server.address() as { port: number };
    console.log(`Serving examples/site on http://127.0.0.1:${port}/ (Ctrl-C to stop)`);
    return;
  }
  // One line instead of an uncaught error's stack trace.
  const reason = (error as { code?: string }).code === "EADDRINUSE"
    ? "the port is in use (give another port, e.g. node examples/express.ts 8001; 0 picks a free one)"
    : error.message;
  console.error(`Cannot listen on 127.0.0.1:${port}: ${reason}`);
  process.exit(1);
});
function stop(): void {
  server.close();
  server.closeIdleConnections();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
