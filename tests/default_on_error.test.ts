/**
 * createFileHandler() without onError: the first error of each kind reaches
 * the console once, as one line, while the client gets a bare 500.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler } from "../src/core/handler.ts";
import { buildFixture, runtimeFileSystem } from "./_helpers/fixture.ts";

const fixture = buildFixture();
after(() => fixture.remove());
const real = await runtimeFileSystem();

/** Runs `body` with console.error captured, and returns what it printed. */
async function printed(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    await body();
  } finally {
    console.error = original;
  }
  return lines;
}

// What Deno 2.9 throws for a file read without --allow-read.
function notCapable(): Error {
  const error = new Error(
    `Requires read access to "${fixture.root}", run again with the --allow-read flag`,
  );
  error.name = "NotCapable";
  return error;
}

test("createFileHandler() without onError prints the first error of each kind once, as one line", async () => {
  const eio = Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" });
  let next: () => Error = notCapable;
  const handler = createFileHandler({
    root: fixture.root,
    fs: { ...real, realPath: () => Promise.reject(next()) },
  });
  const lines = await printed(async () => {
    for (const failure of [notCapable, notCapable, () => eio, notCapable, () => eio]) {
      next = failure;
      const response = await handler(new Request("http://localhost/hello.txt"));
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "Internal Server Error\n");
    }
  });
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0], /^Cannot serve "\/hello\.txt": NotCapable: Requires read access/);
  assert.match(lines[0], /run again with the --allow-read flag/);
  assert.match(lines[1], /^Cannot serve "\/hello\.txt": Error \(EIO\): EIO: i\/o error/);
  for (const line of lines) {
    assert.ok(!line.includes("\n"), line);
    assert.doesNotMatch(line, /\bat .+:\d+:\d+/);
  }
});

test("createFileHandler() without onError escapes control characters of an error's message", async () => {
  const hostile = new Error("bad name \x1b[2J\r\nsecond line");
  const handler = createFileHandler({
    root: fixture.root,
    fs: { ...real, realPath: () => Promise.reject(hostile) },
  });
  const lines = await printed(async () => {
    await (await handler(new Request("http://localhost/hello.txt"))).body?.cancel();
  });
  assert.equal(lines.length, 1);
  assert.ok(![...lines[0]].some((c) => c < " "), JSON.stringify(lines[0]));
  assert.match(lines[0], /bad name \\x1b\[2J\\x0d\\x0asecond line/);
});

test("createFileHandler() with onError prints nothing itself", async () => {
  const seen: unknown[] = [];
  const handler = createFileHandler({
    root: fixture.root,
    fs: { ...real, realPath: () => Promise.reject(notCapable()) },
    onError: (error) => seen.push(error),
  });
  const lines = await printed(async () => {
    await (await handler(new Request("http://localhost/hello.txt"))).body?.cancel();
  });
  assert.deepEqual(lines, []);
  assert.equal(seen.length, 1);
});
