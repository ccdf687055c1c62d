/**
 * Listening and stopping for the Node peer scripts, so that each of them is
 * only its peer's own setup.
 *
 * @module
 */

import type { RequestListener, Server } from "node:http";
import { createServer } from "node:http";
import process from "node:process";

/**
 * Reads `PORT ROOT` from the command line.
 *
 * @returns The port and the folder to serve.
 */
export function portAndRoot(): { port: number; root: string } {
  const [port, root] = process.argv.slice(2);
  return { port: Number(port), root };
}

/**
 * Listens on 127.0.0.1, prints the ready line, and closes on SIGINT/SIGTERM.
 *
 * @param listener The request listener, or a server built by the peer.
 * @param port The port.
 */
export function listen(listener: RequestListener | Server, port: number): void {
  const server = typeof listener === "function" ? createServer(listener) : listener;
  server.listen(port, "127.0.0.1", () => console.log(`ready http://127.0.0.1:${port}/`));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
