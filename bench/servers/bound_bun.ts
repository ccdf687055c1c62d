/**
 * Bun's never-stale bound: per request, one `lstatSync` of `1k.bin` from
 * `node:fs` (as `src/fs/bun.ts` makes it), then a clone of one `Response`
 * built at start-up with ours's header fields. A clone beat a `Response`
 * built per request from the fields by 3–6% here, and ours clones too.
 * `bun bench/servers/bound_bun.ts PORT ROOT`.
 *
 * @module
 */

import { lstatSync } from "node:fs";
import { boundAnswer } from "./_bound.ts";
import { serveUntilSignal } from "./_bun.ts";

const { port, path, body, fields } = boundAnswer();
const template = new Response(body, { headers: fields });
serveUntilSignal(port, () => {
  lstatSync(path);
  return template.clone();
});
