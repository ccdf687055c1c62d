/** The running runtime's own adapter, for the suites that go through sockets. */

import type { ServeOptions, Server } from "../../src/adapters/_serve_options.ts";
import { RUNTIME } from "./fixture.ts";

/** `serve()` of the running runtime's adapter. */
export async function runtimeServe(): Promise<(options: ServeOptions) => Promise<Server>> {
  if (RUNTIME === "deno") return (await import("../../src/adapters/deno.ts")).serve;
  if (RUNTIME === "bun") return (await import("../../src/adapters/bun.ts")).serve;
  return (await import("../../src/adapters/node.ts")).serve;
}
