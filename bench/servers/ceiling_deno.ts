/**
 * Deno's ceiling: `Deno.serve` answering every request with the same 1 KiB
 * body from memory. `deno run -A bench/servers/ceiling_deno.ts PORT ROOT`.
 *
 * @module
 */

const BODY = new Uint8Array(1024);
const [port] = Deno.args;
const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(port), onListen: () => {} },
  () => new Response(BODY),
);
console.log(`ready http://127.0.0.1:${server.addr.port}/`);
