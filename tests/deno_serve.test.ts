// The `deno serve` shape: a module whose default export is `{ fetch }`.
// examples/deno_parallel.ts is one (tests/examples.test.ts runs it under a
// real `deno serve --parallel`); here its exported handler is called as
// `deno serve` calls it, with the request and the connection's info.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RUNTIME } from "./_helpers/fixture.ts";

const skip = RUNTIME !== "deno" && "deno serve and its Deno file-system port exist on Deno only";
const SITE = new URL("../examples/site/", import.meta.url);
const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50000 } };

test("deno serve module: the default export's fetch serves the site", { skip }, async () => {
  const { default: module } = await import("../examples/deno_parallel.ts");
  assert.deepEqual(Object.keys(module), ["fetch"]);
  // As `deno serve` sees it: the handler and its connection info.
  const fetch = (request: Request) =>
    (module as Deno.ServeDefaultExport).fetch(request, info as never);
  const response = await fetch(new Request("http://localhost/"));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), readFileSync(new URL("index.html", SITE), "utf8"));
  assert.match(response.headers.get("x-worker") ?? "", /^[0-9a-f]{8}$/);
  const etag = response.headers.get("etag")!;
  const again = await fetch(
    new Request("http://localhost/", { method: "HEAD", headers: { "if-none-match": etag } }),
  );
  assert.equal(again.status, 304);
  const missing = await fetch(new Request("http://localhost/nope"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});
