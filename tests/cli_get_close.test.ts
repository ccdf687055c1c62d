// `fileserver get` from a server that closes the connection right after
// the body (Connection: close, as python's http.server does): on Node 24
// the body must be read before the close finds it waiting, or undici ends
// the process (nodejs/undici#5360).

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./_helpers/cli.ts";

const SIZE = 24 * 1024 * 1024;
const BODY = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) BODY[i] = (i * 7) & 0xff;
const dir = mkdtempSync(join(tmpdir(), "get-close-"));
const server = createServer((socket) => {
  socket.once("data", () => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`);
    socket.end(BODY);
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test("fileserver get -o FILE saves a body the server closes the connection after", async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.bin`;
  for (let i = 0; i < 3; i++) {
    const output = join(dir, `big-${i}.bin`);
    const result = await runCli(["get", url, "-o", output]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.split("\n").filter((l) => l.trim() !== "").length, 0, result.stderr);
    assert.ok(Buffer.from(readFileSync(output)).equals(Buffer.from(BODY)));
  }
});

test("exitOnStrayErrors() ends the CLI with one line when an error escapes every handler", async () => {
  const { scriptCommand, startProcess } = await import("./_helpers/cli.ts");
  const script = join(dir, "stray.ts");
  const cli = new URL("../src/cli.ts", import.meta.url).href;
  const { writeFileSync } = await import("node:fs");
  writeFileSync(
    script,
    `import { exitOnStrayErrors } from ${JSON.stringify(cli)};\n` +
      `exitOnStrayErrors();\n` +
      `setTimeout(() => { throw new TypeError("deep inside"); }, 0);\n` +
      `setTimeout(() => {}, 5000);\n`,
  );
  const [command, argv] = scriptCommand(script, []);
  const child = startProcess(command, argv);
  assert.equal(await child.exited, 1);
  assert.equal(child.stderr(), "fileserver: unexpected failure: TypeError\n");
});
