/**
 * Starting a bench server on Deno: `Deno.serve` on 127.0.0.1, the ready line
 * the harness waits for, and a clean exit on SIGINT or SIGTERM.
 *
 * @module
 */

/**
 * Serves `fetch` on 127.0.0.1:`port` until SIGINT or SIGTERM, then exits 0.
 *
 * @param port The port.
 * @param fetch The request handler.
 */
export async function serveUntilSignal(
  port: number,
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<void> {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}/`),
  }, fetch);
  Deno.addSignalListener("SIGINT", () => void server.shutdown());
  Deno.addSignalListener("SIGTERM", () => void server.shutdown());
  await server.finished;
  Deno.exit(0);
}
