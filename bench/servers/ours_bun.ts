/**
 * Our file server on Bun: `bun bench/servers/ours_bun.ts PORT ROOT`.
 *
 * @module
 */

import { serve } from "../../src/adapters/bun.ts";
import { runOurs } from "./_ours.ts";

await runOurs(serve);
