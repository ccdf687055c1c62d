// The running runtime's file-system port under `OpenOptions.notBefore`: a
// file changed a moment ago is opened and checked at once, and read from
// that descriptor only once the time has come (the core sets it so that a
// write still copying its bytes is not read half done).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  mkdtempSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileSystem } from "../src/core/fs.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

const SIZE = 1000;
const OLD = new Uint8Array(SIZE).fill(0x61);
const NEW = new Uint8Array(SIZE).fill(0x62);
const range = { start: 0, end: SIZE - 1 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const code = (error: unknown) => (error as { code?: unknown } | null)?.code;

let dir: string;
let fs: FileSystem;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-not-before-")));
  fs = await runtimeFileSystem();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("runtime file system open() reads no earlier than notBefore: a write in place meanwhile rejects with ESTALE", async () => {
  const path = join(dir, "edited.bin");
  writeFileSync(path, OLD);
  const expected = await fs.stat(path);
  const opening = fs.open(path, range, { expected, canonical: true, notBefore: Date.now() + 80 });
  // Same size, later than a timestamp tick: only the times show the change.
  await sleep(20);
  const fd = openSync(path, "r+");
  writeSync(fd, NEW, 0, SIZE, 0);
  closeSync(fd);
  await assert.rejects(opening, (error) => code(error) === "ESTALE");
});

test("runtime file system open() with notBefore reads the file it opened, though it is renamed over meanwhile", async () => {
  const path = join(dir, "replaced.bin");
  writeFileSync(path, OLD);
  const expected = await fs.stat(path);
  const notBefore = Date.now() + 40;
  const opening = fs.open(path, range, { expected, canonical: true, notBefore });
  await sleep(10);
  writeFileSync(path + ".next", NEW);
  renameSync(path + ".next", path);
  const body = await opening;
  assert.ok(Date.now() >= notBefore, "read before notBefore");
  assert.ok(body instanceof Uint8Array);
  assert.deepEqual(body, OLD);
});
