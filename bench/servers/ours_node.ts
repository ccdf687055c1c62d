/**
 * Our file server on Node: `node bench/servers/ours_node.ts PORT ROOT`.
 *
 * @module
 */

import { serve } from "../../src/adapters/node.ts";
import { runOurs } from "./_ours.ts";

await runOurs(serve);
