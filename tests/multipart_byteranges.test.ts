import { test } from "node:test";
import assert from "node:assert/strict";
import { multipartByteranges } from "../src/core/multipart_byteranges.ts";
import type { ByteRange, FileBody } from "../src/core/fs.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function part(
  boundary: string,
  type: string,
  range: string,
  bytes: string,
): string {
  return `--${boundary}\r\nContent-Type: ${type}\r\n` +
    `Content-Range: bytes ${range}\r\n\r\n${bytes}\r\n`;
}

/** A part stream that yields `chunks` one per pull and records a cancel. */
function recordingStream(chunks: string[], log: string[]): FileBody {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else controller.close();
    },
    cancel(reason) {
      log.push(`cancel ${String(reason)}`);
    },
  }, { highWaterMark: 0 });
}

test("multipartByteranges() writes the exact body of Blob parts", async () => {
  const file = new Blob(["0123456789abcdefghij"]);
  const list: ByteRange[] = [{ start: 0, end: 3 }, { start: 15, end: 19 }];
  const multipart = multipartByteranges(list, file.size, {
    contentType: "text/plain; charset=utf-8",
    openPart: (r) => Promise.resolve(file.slice(r.start, r.end + 1)),
    boundary: "SEP",
  });
  const bytes = await readAll(multipart.body);
  const type = "text/plain; charset=utf-8";
  const expected = part("SEP", type, "0-3/20", "0123") +
    part("SEP", type, "15-19/20", "fghij") + "--SEP--\r\n";
  assert.equal(decoder.decode(bytes), expected);
  assert.equal(multipart.length, bytes.byteLength);
  assert.equal(multipart.contentType, "multipart/byteranges; boundary=SEP");
});

test("multipartByteranges() streams multi-chunk ReadableStream parts", async () => {
  const log: string[] = [];
  const chunks: Record<number, string[]> = { 2: ["cd", "", "ef"], 40: ["x"] };
  const multipart = multipartByteranges(
    [{ start: 2, end: 5 }, { start: 40, end: 40 }],
    41,
    {
      contentType: "application/octet-stream",
      openPart: (r) => Promise.resolve(recordingStream(chunks[r.start], log)),
      boundary: "b",
    },
  );
  const bytes = await readAll(multipart.body);
  const type = "application/octet-stream";
  assert.equal(
    decoder.decode(bytes),
    part("b", type, "2-5/41", "cdef") + part("b", type, "40-40/41", "x") +
      "--b--\r\n",
  );
  assert.equal(multipart.length, bytes.byteLength);
  assert.deepEqual(log, []);
});

test("multipartByteranges() counts non-ASCII header bytes in length", async () => {
  const file = new Blob(["abc"]);
  const multipart = multipartByteranges([{ start: 1, end: 1 }], 3, {
    contentType: 'text/plain; title="é"',
    openPart: (r) => Promise.resolve(file.slice(r.start, r.end + 1)),
  });
  const bytes = await readAll(multipart.body);
  assert.equal(multipart.length, bytes.byteLength);
});

test("multipartByteranges() picks a random boundary of 24+ characters", async () => {
  const file = new Blob(["abc"]);
  const make = () =>
    multipartByteranges([{ start: 0, end: 0 }], 3, {
      contentType: "text/plain",
      openPart: (r) => Promise.resolve(file.slice(r.start, r.end + 1)),
    });
  const first = make();
  const second = make();
  const boundary = first.contentType.split("boundary=")[1];
  assert.match(boundary, /^[0-9a-f]{24,}$/);
  assert.notEqual(first.contentType, second.contentType);
  const text = decoder.decode(await readAll(first.body));
  assert.equal(
    text,
    part(boundary, "text/plain", "0-0/3", "a") + `--${boundary}--\r\n`,
  );
  assert.equal(first.length, encoder.encode(text).byteLength);
  await second.body.cancel();
});

test("multipartByteranges() opens parts lazily and one at a time", async () => {
  const log: string[] = [];
  const multipart = multipartByteranges(
    [{ start: 0, end: 0 }, { start: 100, end: 100 }],
    200,
    {
      contentType: "text/plain",
      openPart: (r) => {
        log.push(`open ${r.start}`);
        return Promise.resolve(recordingStream(["z"], log));
      },
      boundary: "b",
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(log, []);
  const reader = multipart.body.getReader();
  await reader.read();
  assert.deepEqual(log, ["open 0"]);
  await reader.read();
  assert.deepEqual(log, ["open 0"]);
  while (!(await reader.read()).done);
  assert.deepEqual(log, ["open 0", "open 100"]);
});

test("multipartByteranges() cancels the open part when the body is cancelled", async () => {
  const log: string[] = [];
  const multipart = multipartByteranges(
    [{ start: 0, end: 5 }, { start: 100, end: 105 }],
    200,
    {
      contentType: "text/plain",
      openPart: (r) => {
        log.push(`open ${r.start}`);
        return Promise.resolve(recordingStream(["ab", "cd", "ef"], log));
      },
      boundary: "b",
    },
  );
  const reader = multipart.body.getReader();
  const head = await reader.read();
  assert.equal(
    decoder.decode(head.value),
    "--b\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-5/200\r\n\r\n",
  );
  const first = await reader.read();
  assert.equal(decoder.decode(first.value), "ab");
  await reader.cancel("client left");
  assert.deepEqual(log, ["open 0", "cancel client left"]);
});

test("multipartByteranges() cancels a part that opens after the body is cancelled", async () => {
  const log: string[] = [];
  let resolveOpen: (body: FileBody) => void = () => {};
  const multipart = multipartByteranges([{ start: 0, end: 1 }], 2, {
    contentType: "text/plain",
    openPart: () => new Promise((resolve) => resolveOpen = resolve),
    boundary: "b",
  });
  const reader = multipart.body.getReader();
  const pending = reader.read();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await reader.cancel("gone");
  resolveOpen(recordingStream(["ab"], log));
  assert.equal((await pending).done, true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(log, ["cancel gone"]);
});

test("multipartByteranges() errors the body when openPart rejects", async () => {
  const multipart = multipartByteranges([{ start: 0, end: 1 }], 2, {
    contentType: "text/plain",
    openPart: () => Promise.reject(new Error("EACCES")),
    boundary: "b",
  });
  await assert.rejects(readAll(multipart.body), /EACCES/);
});

test("multipartByteranges() errors the body when a part stream fails", async () => {
  const multipart = multipartByteranges([{ start: 0, end: 3 }], 4, {
    contentType: "text/plain",
    openPart: () => {
      let pulls = 0;
      return Promise.resolve(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (pulls++ === 0) controller.enqueue(encoder.encode("ab"));
            else controller.error(new Error("EIO"));
          },
        }, { highWaterMark: 0 }),
      );
    },
    boundary: "b",
  });
  await assert.rejects(readAll(multipart.body), (error: Error) => {
    assert.match(error.message, /bytes 0-3\/4/);
    assert.match(String((error.cause as Error).message), /EIO/);
    return true;
  });
});

test("multipartByteranges() errors the body when a part is shorter than its range", async () => {
  const log: string[] = [];
  const multipart = multipartByteranges([{ start: 0, end: 3 }], 4, {
    contentType: "text/plain",
    openPart: () => Promise.resolve(recordingStream(["ab"], log)),
    boundary: "b",
  });
  await assert.rejects(readAll(multipart.body), /2 bytes are missing/);
});

test("multipartByteranges() errors the body and cancels a part longer than its range", async () => {
  const log: string[] = [];
  const multipart = multipartByteranges([{ start: 0, end: 1 }], 4, {
    contentType: "text/plain",
    openPart: () => Promise.resolve(recordingStream(["abcd", "ef"], log)),
    boundary: "b",
  });
  await assert.rejects(readAll(multipart.body), /longer than its range/);
  assert.equal(log.length, 1);
  assert.match(log[0], /^cancel Error: Cannot send bytes 0-1\/4/);
});

test("multipartByteranges() throws a RangeError without ranges", () => {
  assert.throws(
    () =>
      multipartByteranges([], 4, {
        contentType: "text/plain",
        openPart: () => Promise.resolve(new Blob([])),
      }),
    RangeError,
  );
});
