/**
 * The part of Bun's API the Bun server scripts use, declared here so that
 * `deno check bench/` needs no Bun types.
 *
 * @module
 */

import process from "node:process";

/** A running `Bun.serve()` server. */
export interface BunServer {
  /** The bound port. */
  port: number;
  /** Stops accepting; `true` also closes active connections. */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** The file handle `Bun.file()` returns (a `Blob`). */
export interface BunFile extends Blob {
  /** Whether the file exists. */
  exists(): Promise<boolean>;
}

/** `Bun`'s global, as far as the bench uses it. */
export interface BunGlobal {
  /** Starts an HTTP server. */
  serve(options: {
    hostname: string;
    port: number;
    development?: boolean;
    fetch: (request: Request) => Response | Promise<Response>;
  }): BunServer;
  /** A lazy handle on a file. */
  file(path: string): BunFile;
}

/**
 * Returns Bun's global, or throws when not running on Bun.
 *
 * @returns The `Bun` global.
 */
export function bunGlobal(): BunGlobal {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun === undefined) throw new TypeError("Cannot start: not running on Bun");
  return bun;
}

/**
 * Serves `fetch` on 127.0.0.1:`port` with `Bun.serve`, prints the ready
 * line the harness waits for, and stops (connections cut) and exits 0 on
 * SIGINT or SIGTERM.
 *
 * @param port The port.
 * @param fetch The request handler.
 */
export function serveUntilSignal(
  port: number,
  fetch: (request: Request) => Response | Promise<Response>,
): void {
  const server = bunGlobal().serve({ hostname: "127.0.0.1", port, development: false, fetch });
  console.log(`ready http://127.0.0.1:${server.port}/`);
  const stop = () => void server.stop(true).then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
