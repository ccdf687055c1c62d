/**
 * How serve() reports a failure to listen, the same on every runtime, so
 * that one `serve(…).catch(…)` (as in examples/) handles it everywhere.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { runtimeServe } from "./_helpers/adapter.ts";
import { buildFixture } from "./_helpers/fixture.ts";

const fixture = buildFixture();
after(() => fixture.remove());
const serve = await runtimeServe();

test("serve() on a busy port returns a promise that rejects with code EADDRINUSE (never throws)", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const { port } = blocker.address() as { port: number };
  try {
    let started: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      started = serve({ root: fixture.root, port });
    });
    await assert.rejects(started!, (error: { code?: string }) => error.code === "EADDRINUSE");
  } finally {
    blocker.close();
  }
});
