/**
 * Deno's never-stale bound: per request, one `Deno.lstatSync` of `1k.bin`
 * (as `src/fs/deno.ts` makes it), then a clone of one `Response` built at
 * start-up with ours's header fields. A clone beat a `Response` built per
 * request from the fields (a list or a `Headers`) by 10–15% here, and ours
 * clones too. `deno run -A bench/servers/bound_deno.ts PORT ROOT`.
 *
 * @module
 */

import { boundAnswer } from "./_bound.ts";
import { serveUntilSignal } from "./_deno.ts";

const { port, path, body, fields } = boundAnswer();
const template = new Response(body, { headers: fields });
await serveUntilSignal(port, () => {
  Deno.lstatSync(path);
  return template.clone();
});
