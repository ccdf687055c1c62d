// The cut that the Deno adapter uses at the end of a grace period instead
// of wrapping each large body (src/fs/cuttable_body.ts), on the shared
// chunked body and on the running runtime's own port.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { cuttableBody } from "../src/fs/cuttable_body.ts";
import { chunkedBody, type ChunkSource } from "../src/fs/_node_fs.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import {
  BIG_SIZE,
  buildFixture,
  type Fixture,
  pattern,
  runtimeFileSystem,
} from "./_helpers/fixture.ts";

let fixture: Fixture;
before(() => {
  fixture = buildFixture();
});
after(() => fixture.remove());

/** A file of `size` bytes of 7s that counts its closes. */
function fakeFile(size: number): ChunkSource & { closes: number } {
  const file = {
    closes: 0,
    read: (buffer: Uint8Array, position: number) => {
      const count = Math.max(0, Math.min(buffer.byteLength, size - position));
      buffer.fill(7, 0, count);
      return Promise.resolve(count);
    },
    close: () => {
      file.closes++;
    },
  };
  return file;
}

test("chunkedBody() can be cut mid-stream: the body fails, the file is closed, ended resolves", async () => {
  const file = fakeFile(1024);
  const { body } = chunkedBody(file, { start: 0, end: 1023 }, 256);
  const cuttable = cuttableBody(body);
  assert.ok(cuttable !== null);
  const reader = body.getReader();
  assert.equal((await reader.read()).value?.byteLength, 256);
  cuttable.cut(new Error("grace period over"));
  await assert.rejects(reader.read(), /grace period over/);
  await cuttable.ended;
  assert.equal(file.closes, 1);
});

test("chunkedBody() resolves ended once read to the end, and a later cut does nothing", async () => {
  const file = fakeFile(1000);
  const { body } = chunkedBody(file, { start: 0, end: 999 }, 256);
  const cuttable = cuttableBody(body)!;
  const bytes = await new Response(body).bytes();
  assert.equal(bytes.byteLength, 1000);
  await cuttable.ended;
  cuttable.cut(new Error("too late"));
  assert.equal(file.closes, 1);
});

test("chunkedBody() resolves ended when cancelled", async () => {
  const file = fakeFile(4096);
  const { body } = chunkedBody(file, { start: 0, end: 4095 }, 256);
  const cuttable = cuttableBody(body)!;
  await body.cancel();
  await cuttable.ended;
  assert.equal(file.closes, 1);
});

test("chunkedBody() fails rather than ends short when the file shrinks, even with no cut", async () => {
  const { body } = chunkedBody(fakeFile(300), { start: 0, end: 999 }, 256);
  const cuttable = cuttableBody(body)!;
  await assert.rejects(new Response(body).bytes(), /EIO/);
  await cuttable.ended;
});

test("cuttableBody() is null for a body another reader holds, and for any other stream", () => {
  const { body } = chunkedBody(fakeFile(10), { start: 0, end: 9 }, 256);
  body.getReader();
  assert.equal(cuttableBody(body), null);
  assert.equal(cuttableBody(new Blob(["x"]).stream()), null);
  assert.equal(cuttableBody(null), null);
});

test("FileSystem.open() streams a large file as a cuttable body on this runtime", async () => {
  const fs = await runtimeFileSystem();
  const path = join(fixture.root, "big.bin");
  const body = await fs.open(path, { start: 0, end: BIG_SIZE - 1 });
  assert.ok(body instanceof ReadableStream);
  const cuttable = cuttableBody(body);
  assert.ok(cuttable !== null, "the port's stream is not cuttable");
  const reader = body.getReader();
  assert.ok(((await reader.read()).value?.byteLength ?? 0) > 0);
  cuttable.cut(new Error("grace period over"));
  await assert.rejects(reader.read(), /grace period over/);
  await cuttable.ended;
});

// On Deno the adapter detaches each chunk once Deno asks for the next: a
// chunk freed before Deno had written it would show as wrong bytes, more so
// while other code allocates and a slow reader keeps chunks queued.
for (const logged of [false, true]) {
  test(
    `serve() sends a large file byte for byte while its sent chunks are let go${
      logged ? " (with onResponseDone)" : ""
    }`,
    { timeout: 60_000 },
    async () => {
      const serve = await runtimeServe();
      const controller = new AbortController();
      const server = await serve({
        root: fixture.root,
        port: 0,
        signal: controller.signal,
        ...(logged ? { onResponseDone: () => {} } : {}),
      });
      try {
        const churn = setInterval(() => {
          for (let i = 0; i < 64; i++) new Uint8Array(256 * 1024).fill(i);
        }, 1);
        try {
          const response = await fetch(new URL("big.bin", server.url));
          const reader = response.body!.getReader();
          const chunks: Buffer[] = [];
          let count = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(Buffer.from(value));
            // Slow at first, so that Deno holds chunks while the churn runs.
            if (count++ < 40) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          const body = Buffer.concat(chunks);
          assert.equal(body.byteLength, BIG_SIZE);
          assert.ok(body.equals(pattern(BIG_SIZE)), "bytes differ");
        } finally {
          clearInterval(churn);
        }
      } finally {
        controller.abort();
        await server.finished;
      }
    },
  );
}
