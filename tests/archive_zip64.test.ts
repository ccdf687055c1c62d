// A folder download past 4 GiB: a sparse file of 4 GiB + 4 KiB (no disk
// used) goes through the running runtime's adapter into a ZIP64 archive,
// which unzip and bsdtar list with the right sizes and bsdtar unpacks, CRC
// checked, to the same SHA-256, all streamed.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { join } from "node:path";
import process from "node:process";
import { runtimeServe } from "./_helpers/adapter.ts";
import { RUNTIME } from "./_helpers/fixture.ts";
import { run, unpackersInstalled } from "./_helpers/zip.ts";

const HUGE = 2 ** 32 + 4096;
const HEAD = new TextEncoder().encode("head of the file\n");
const TAIL = new TextEncoder().encode("tail of the file\n");

/** The SHA-256 of huge.bin, from its layout: no 4 GiB read from the disk. */
function hugeSha256(): string {
  const hash = createHash("sha256").update(HEAD);
  const zeros = new Uint8Array(1 << 20);
  let left = HUGE - HEAD.byteLength - TAIL.byteLength;
  while (left > 0) {
    const n = Math.min(left, zeros.byteLength);
    hash.update(zeros.subarray(0, n));
    left -= n;
  }
  return hash.update(TAIL).digest("hex");
}
const skip = !unpackersInstalled() && process.env.FILESERVER_SYSTEM_TOOLS !== "1"
  ? "needs unzip and bsdtar (apt-get install unzip libarchive-tools)"
  : RUNTIME !== "node"
  ? "runs once, under node --test: 4 GiB through the CRC and two unpackers takes 30 s and more"
  : false;

let base = "";
before(() => {
  if (skip) return;
  base = mkdtempSync(join(tmpdir(), "fileserver-zip64-"));
  mkdirSync(join(base, "www", "huge"), { recursive: true });
  // Marks at both ends, so that a shifted or zeroed body cannot pass.
  const huge = join(base, "www", "huge", "huge.bin");
  writeFileSync(huge, HEAD);
  truncateSync(huge, HUGE);
  const fd = openSync(huge, "r+");
  writeSync(fd, TAIL, 0, TAIL.byteLength, HUGE - TAIL.byteLength);
  closeSync(fd);
  // After the big file: its offset needs the ZIP64 field too.
  writeFileSync(join(base, "www", "huge", "z.txt"), "after\n");
});
after(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

const serve = await runtimeServe();

const sha256sum = (command: string) =>
  run("bash", ["-c", `set -o pipefail; ${command} | sha256sum`]).split(" ")[0];

test("archive: a file past 4 GiB streams into a ZIP64 archive that unzip and bsdtar read", {
  skip,
  timeout: 600_000,
}, async () => {
  const controller = new AbortController();
  const server = await serve({
    root: join(base, "www"),
    port: 0,
    signal: controller.signal,
    listing: true,
    archive: true,
  });
  const file = join(base, "huge.zip");
  try {
    const started = performance.now();
    const response = await fetch(new URL("/huge/?download=zip", server.url));
    assert.equal(response.status, 200);
    const fd = openSync(file, "w");
    let total = 0;
    try {
      for await (const chunk of response.body!) {
        writeSync(fd, chunk);
        total += chunk.byteLength;
      }
    } finally {
      closeSync(fd);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`zip64: ${total} bytes in ${seconds.toFixed(1)} s on ${RUNTIME}`);
    assert.ok(total > HUGE);
  } finally {
    controller.abort();
    await server.finished;
  }
  assert.match(
    run("unzip", ["-l", file]),
    new RegExp(`^\\s*${HUGE}\\s+\\S+ \\S+\\s+huge\\.bin$`, "m"),
  );
  assert.match(run("unzip", ["-l", file]), /^\s*6\s+\S+ \S+\s+z\.txt$/m);
  assert.match(run("bsdtar", ["-tvf", file]), new RegExp(`\\s${HUGE}\\s.*\\shuge\\.bin\\n`));
  assert.equal(run("bsdtar", ["-xOf", file, "z.txt"]), "after\n");
  assert.equal(sha256sum(`bsdtar -xOf '${file}' huge.bin`), hugeSha256());
});
