// `fileserver --zip`: folder downloads through the running runtime's CLI.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";
import { centralDirectory } from "./_helpers/zip.ts";
import { parseCommandLine, UsageError } from "../src/cli/args.ts";

const root = mkdtempSync(join(tmpdir(), "cli-zip-"));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "docs", "img"), { recursive: true });
writeFileSync(join(root, "docs", "a.md"), "# a\n");
writeFileSync(join(root, "docs", "img", "b.svg"), "<svg/>\n");

test("fileserver --zip lists folders with a zip link and streams ?download=zip", async () => {
  const cli = startCli([root, "--zip", "--port", "0", "-q"]);
  try {
    const url = await waitForUrl(cli);
    assert.match(cli.stdout(), /listed, and offered as zip downloads/);
    const page = await (await fetch(new URL("/docs/", url))).text();
    assert.match(page, /href="\?download=zip"/);
    const response = await fetch(new URL("/docs/?download=zip", url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-disposition")!, /filename="docs\.zip"/);
    const records = centralDirectory(new Uint8Array(await response.arrayBuffer()));
    assert.deepEqual(records.map((r) => r.name), ["a.md", "img/", "img/b.svg"]);
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("parseCommandLine() takes --zip as --listing too, and refuses --zip --no-dir-listing", () => {
  const args = parseCommandLine(["--zip"]);
  assert.ok(args.command === "serve");
  assert.equal(args.zip, true);
  assert.equal(args.listing, true);
  const plain = parseCommandLine(["--listing"]);
  assert.ok(plain.command === "serve" && plain.zip === false);
  assert.throws(() => parseCommandLine(["--zip", "--no-dir-listing"]), UsageError);
});
