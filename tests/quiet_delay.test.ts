// A write stamps a file's times before it copies its bytes, so a writer
// descheduled mid-copy leaves half-written bytes under metadata that already
// names the new version and does not change until the next write. These
// tests play that race through a fake file-system port, so that it happens
// every time rather than once in a few churn runs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler } from "../src/core/handler.ts";
import type { FileInfo, FileSystem, OpenOptions } from "../src/core/fs.ts";
import { QUIET_MS, quietDelay } from "../src/core/quiet_delay.ts";

const WHOLE = "new version, whole\n";
const TORN = "new version, w" + "old!\n"; // the copy stopped after 14 bytes

const missing = () => Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));

/**
 * One file, `/srv/a.txt`, whose metadata is `info(first lookup time)`.
 * `open()` behaves as the runtime ports do: it opens at once and reads
 * once `notBefore` has come, the bytes `bytesAt(read time, info)`; it
 * records the options it was given.
 */
function oneFile(
  info: (now: number) => FileInfo,
  bytesAt: (now: number, info: FileInfo) => string,
) {
  let seen: FileInfo | null = null;
  const opens: OpenOptions[] = [];
  const fs: FileSystem = {
    stat: missing,
    lstat: (path) => path === "/srv/a.txt" && seen !== null ? Promise.resolve(seen) : missing(),
    realPath: (path) => path === "/srv" ? Promise.resolve(path) : missing(),
    realStat: (path) => {
      if (path !== "/srv/a.txt") return missing();
      seen ??= info(Date.now());
      return Promise.resolve({ path, info: seen });
    },
    readDir: missing,
    open: async (_path, range, options = {}) => {
      opens.push(options);
      while (options.notBefore !== undefined && Date.now() < options.notBefore) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const bytes = new TextEncoder().encode(bytesAt(Date.now(), seen!));
      return bytes.slice(range.start, range.end + 1);
    },
  };
  return { fs, opens };
}

function fileInfo(changed: number): FileInfo {
  return { kind: "file", size: WHOLE.length, mtimeMs: changed, ctimeMs: changed, dev: 1, ino: 7 };
}

test("createFileHandler() never answers with the bytes of a write still being copied", async () => {
  // Stamped when first looked up; the writer then stays descheduled mid-copy
  // for most of QUIET_MS, and its times do not move when it finishes.
  const stall = QUIET_MS - 5;
  const { fs } = oneFile(
    (now) => fileInfo(now),
    (now, info) => now < info.mtimeMs! + stall ? TORN : WHOLE,
  );
  const handler = createFileHandler({ root: "/srv", fs });
  const response = await handler(new Request("http://localhost/a.txt"));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), WHOLE);
});

test("createFileHandler() reads a file changed QUIET_MS ago or earlier without waiting", async () => {
  // No timer may run before the read: a macrotask queued now comes after it.
  let timerRan = false;
  let ranBeforeRead: boolean | null = null;
  const { fs, opens } = oneFile(
    (now) => fileInfo(now - QUIET_MS - 1000),
    () => (ranBeforeRead ??= timerRan, WHOLE),
  );
  const handler = createFileHandler({ root: "/srv", fs });
  setTimeout(() => (timerRan = true), 0);
  const response = await handler(new Request("http://localhost/a.txt"));
  assert.equal(await response.text(), WHOLE);
  assert.equal(ranBeforeRead, false);
  assert.equal(opens[0].notBefore, undefined);
});

test("createFileHandler() asks the port to read a file changed just now no earlier than QUIET_MS after", async () => {
  const { fs, opens } = oneFile((now) => fileInfo(now), () => WHOLE);
  const handler = createFileHandler({ root: "/srv", fs });
  const response = await handler(new Request("http://localhost/a.txt"));
  assert.equal(await response.text(), WHOLE);
  const { info } = await fs.realStat("/srv/a.txt");
  const notBefore = opens[0].notBefore ?? -Infinity;
  assert.ok(notBefore >= info.mtimeMs! + QUIET_MS - 1e-6, `${notBefore - info.mtimeMs!} ms`);
});

test("quietDelay() waits until the last write (mtime) is QUIET_MS old", () => {
  const now = 1_000_000;
  const info = fileInfo(now - 1000);
  assert.equal(quietDelay(info, now), 0);
  assert.equal(quietDelay({ ...info, mtimeMs: now - 5 }, now), QUIET_MS - 5);
  assert.equal(quietDelay({ ...info, mtimeMs: null, ctimeMs: null }, now), 0);
  assert.equal(quietDelay({ ...info, mtimeMs: now - QUIET_MS }, now), 0);
});

test("quietDelay() does not wait for a change of ctime alone (link, rename, chmod)", () => {
  const now = 1_000_000;
  const info = fileInfo(now - 1000);
  assert.equal(quietDelay({ ...info, ctimeMs: now - 5 }, now), 0);
});

test("quietDelay() waits at most QUIET_MS, and not for a time set far in the future", () => {
  const now = 1_000_000;
  const info = fileInfo(now - 1000);
  // A timestamp a little ahead of a clock read in whole milliseconds.
  assert.equal(quietDelay({ ...info, mtimeMs: now + 0.6 }, now), QUIET_MS);
  // `touch -d tomorrow`: a program's time, not a write in progress.
  assert.equal(quietDelay({ ...info, mtimeMs: now + 86_400_000 }, now), 0);
});
