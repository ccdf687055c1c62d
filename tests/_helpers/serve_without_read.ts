/**
 * Run by tests/deno_permissions.test.ts under Deno without --allow-read:
 * serves ROOT with serve() from ./deno, asks for PATH three times, prints
 * each status and body as one JSON line, and stops.
 *
 * Run: deno run --allow-net tests/_helpers/serve_without_read.ts ROOT PATH
 */

import { serve } from "../../src/adapters/deno.ts";

const [root, path] = Deno.args;
const controller = new AbortController();
const server = await serve({ root, port: 0, signal: controller.signal });
for (let i = 0; i < 3; i++) {
  const response = await fetch(new URL(path, server.url));
  console.log(JSON.stringify([response.status, await response.text()]));
}
controller.abort();
await server.finished;
