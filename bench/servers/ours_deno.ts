/**
 * Our file server on Deno: `deno run -A bench/servers/ours_deno.ts PORT ROOT`.
 *
 * @module
 */

import { serve } from "../../src/adapters/deno.ts";
import { runOurs } from "./_ours.ts";

await runOurs(serve);
