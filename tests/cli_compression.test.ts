// Precompressed sidecars and compression on the fly through the running
// runtime's CLI: both on by default.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "cli-precompressed-"));
after(() => rmSync(root, { recursive: true, force: true }));
const TEXT = "console.log('hello');\n".repeat(100);
writeFileSync(join(root, "app.js"), TEXT);
writeFileSync(join(root, "app.js.br"), brotliCompressSync(TEXT));
utimesSync(join(root, "app.js"), 1_700_000_000, 1_700_000_000);
writeFileSync(join(root, "other.js"), TEXT);

async function served(
  flags: string[],
  path = "/app.js",
): Promise<{ coding: string | null; text: string }> {
  const cli = startCli([root, "--port", "0", "-q", ...flags]);
  try {
    const url = await waitForUrl(cli);
    // fetch() decodes br itself and keeps Content-Encoding in the headers.
    const response = await fetch(new URL(path, url), { headers: { "accept-encoding": "br" } });
    return { coding: response.headers.get("content-encoding"), text: await response.text() };
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
}

test("fileserver sends the .br sidecar to a client that accepts br", async () => {
  assert.deepEqual(await served([]), { coding: "br", text: TEXT });
});

test("fileserver --no-precompressed --no-compress sends the file itself", async () => {
  const flags = ["--no-precompressed", "--no-compress"];
  assert.deepEqual(await served(flags), { coding: null, text: TEXT });
});

test("fileserver compresses a file without a sidecar for a client that accepts br", async () => {
  assert.deepEqual(await served([], "/other.js"), { coding: "br", text: TEXT });
});

test("fileserver --no-compress sends a file without a sidecar as it is", async () => {
  assert.deepEqual(await served(["--no-compress"], "/other.js"), { coding: null, text: TEXT });
});
