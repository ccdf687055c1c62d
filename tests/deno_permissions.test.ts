/**
 * Deno run with narrower permissions than the work needs: the CLI says in
 * one line which permission is missing and the flag that grants it, and
 * serve() answers a bare 500 while the console gets one line naming the
 * flag. Deno only: the other runtimes have no permissions.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildFixture, RUNTIME } from "./_helpers/fixture.ts";
import { type CliProcess, startProcess } from "./_helpers/cli.ts";
import { exitWithin } from "./_helpers/multicore.ts";

const fixture = buildFixture();
after(() => fixture.remove());

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const SERVE_WITHOUT_READ = fileURLToPath(
  new URL("./_helpers/serve_without_read.ts", import.meta.url),
);
const skip = RUNTIME !== "deno" && "Deno permissions exist on Deno only";

/** Runs `deno run --no-prompt FLAGS SCRIPT ARGS` to its end. */
async function denoRun(flags: string[], script: string, args: string[]): Promise<CliProcess> {
  const child = startProcess(process.execPath, ["run", "--no-prompt", ...flags, script, ...args]);
  await exitWithin(child, 20_000);
  return child;
}

/** One line on stderr, in the CLI's style, naming `flag`; no stack trace. */
function assertNamesFlag(stderr: string, flag: string): void {
  const lines = stderr.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^fileserver: /);
  assert.ok(lines[0].includes(`run again with ${flag}`), lines[0]);
  assert.doesNotMatch(stderr, /\bat .+:\d+:\d+/);
  assert.ok(!stderr.includes("\x1b"), "colours");
}

test("fileserver on Deno without --allow-read says so and names the flag, exit 1", {
  skip,
}, async () => {
  const cli = await denoRun(["--allow-net"], CLI, [fixture.root, "--port", "0"]);
  assert.equal(await cli.exited, 1);
  assertNamesFlag(cli.stderr(), "--allow-read");
  assert.match(cli.stderr(), /read/);
  assert.doesNotMatch(cli.stderr(), /no such folder/);
});

test("fileserver on Deno without --allow-net says so and names the flag, exit 1", {
  skip,
}, async () => {
  const cli = await denoRun(["--allow-read"], CLI, [fixture.root, "--port", "0"]);
  assert.equal(await cli.exited, 1);
  assertNamesFlag(cli.stderr(), "--allow-net");
  assert.match(cli.stderr(), /Cannot listen on 127\.0\.0\.1:0/);
});

test("fileserver on Deno names --allow-read for a certificate outside what it may read", {
  skip,
}, async () => {
  const cert = join(fixture.base, "cert.pem");
  const cli = await denoRun(["--allow-net", `--allow-read=${fixture.root}`], CLI, [
    fixture.root,
    "--port",
    "0",
    "--cert",
    cert,
    "--key",
    cert,
  ]);
  assert.equal(await cli.exited, 1);
  assertNamesFlag(cli.stderr(), "--allow-read");
  assert.match(cli.stderr(), /certificate/);
});

test("fileserver get -o on Deno without --allow-write says so and names the flag, exit 1", {
  skip,
}, async () => {
  const server = createServer((_request, response) => response.end("hello\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const output = join(fixture.base, "downloaded.txt");
  try {
    const cli = await denoRun(["--allow-net"], CLI, [
      "get",
      `http://127.0.0.1:${port}/`,
      "-o",
      output,
    ]);
    assert.equal(await cli.exited, 1);
    assertNamesFlag(cli.stderr(), "--allow-write");
    assert.ok(!existsSync(output));
  } finally {
    server.close();
  }
});

test(
  "serve() on Deno without --allow-read answers bare 500s and prints one line naming the flag, once",
  {
    skip,
  },
  async () => {
    const run = await denoRun(["--allow-net"], SERVE_WITHOUT_READ, [fixture.root, "/hello.txt"]);
    assert.equal(await run.exited, 0, run.stderr());
    const answers = run.stdout().trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(answers, Array(3).fill([500, "Internal Server Error\n"]));
    const lines = run.stderr().split("\n").filter((line) => line !== "");
    assert.equal(lines.length, 1, run.stderr());
    assert.match(lines[0], /"\/hello\.txt"/);
    assert.match(lines[0], /--allow-read/);
    assert.doesNotMatch(run.stderr(), /\bat .+:\d+:\d+/);
    assert.ok(!run.stderr().includes("\x1b"), "colours");
  },
);
