import { test } from "node:test";
import assert from "node:assert/strict";
import {
  contentRange,
  multipartByteranges,
  parseRange,
  unsatisfiedRange,
} from "../src/core/range.ts";
import type { ByteRange, FileBody } from "../src/core/fs.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function ranges(...list: [number, number][]) {
  return {
    kind: "ranges",
    ranges: list.map(([start, end]) => ({ start, end })),
  };
}

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

test("parseRange() ignores an absent header", () => {
  assert.deepEqual(parseRange(null, 100), { kind: "ignore" });
  assert.deepEqual(parseRange("", 100), { kind: "ignore" });
});

test("parseRange() returns a single range", () => {
  assert.deepEqual(parseRange("bytes=0-499", 1234), ranges([0, 499]));
  assert.deepEqual(parseRange("bytes=10-10", 1234), ranges([10, 10]));
});

test("parseRange() returns an open-ended range to the last byte", () => {
  assert.deepEqual(parseRange("bytes=1000-", 1234), ranges([1000, 1233]));
  assert.deepEqual(parseRange("bytes=0-", 1), ranges([0, 0]));
});

test("parseRange() returns the last n bytes for a suffix range", () => {
  assert.deepEqual(parseRange("bytes=-234", 1234), ranges([1000, 1233]));
});

test("parseRange() selects the whole file for a suffix larger than it", () => {
  assert.deepEqual(parseRange("bytes=-5000", 1234), ranges([0, 1233]));
});

test("parseRange() clamps a last position beyond the size", () => {
  assert.deepEqual(parseRange("bytes=1200-9999", 1234), ranges([1200, 1233]));
});

test("parseRange() accepts the unit in any case", () => {
  assert.deepEqual(parseRange("BYTES=0-1", 10), ranges([0, 1]));
  assert.deepEqual(parseRange("Bytes=0-1", 10), ranges([0, 1]));
});

test("parseRange() accepts whitespace around items and empty elements", () => {
  assert.deepEqual(parseRange("bytes= 0-1", 1000), ranges([0, 1]));
  assert.deepEqual(
    parseRange("bytes=0-1 ,\t500-501\t, 900-", 1000),
    ranges([0, 1], [500, 501], [900, 999]),
  );
  assert.deepEqual(
    parseRange("bytes=0-1,,500-501,", 1000),
    ranges([0, 1], [500, 501]),
  );
});

test("parseRange() keeps far-apart ranges", () => {
  assert.deepEqual(
    parseRange("bytes=0-9,200-209,-10", 1000),
    ranges([0, 9], [200, 209], [990, 999]),
  );
});

test("parseRange() sorts unsorted ranges", () => {
  assert.deepEqual(
    parseRange("bytes=-10,500-509,0-9", 1000),
    ranges([0, 9], [500, 509], [990, 999]),
  );
});

test("parseRange() coalesces overlapping ranges", () => {
  assert.deepEqual(parseRange("bytes=0-99,50-199", 1000), ranges([0, 199]));
  assert.deepEqual(parseRange("bytes=0-499,100-200", 1000), ranges([0, 499]));
  assert.deepEqual(parseRange("bytes=0-,-10", 1000), ranges([0, 999]));
});

test("parseRange() coalesces adjacent ranges", () => {
  assert.deepEqual(parseRange("bytes=0-9,10-19", 1000), ranges([0, 19]));
});

test("parseRange() coalesces ranges separated by a gap of at most 80 bytes", () => {
  // 10..90 is a gap of 80 bytes; 10..91 is a gap of 81.
  assert.deepEqual(parseRange("bytes=0-9,90-99", 1000), ranges([0, 99]));
  assert.deepEqual(
    parseRange("bytes=0-9,91-99", 1000),
    ranges([0, 9], [91, 99]),
  );
});

test("parseRange() ignores more than 10 ranges after coalescing", () => {
  const far = (n: number) =>
    Array.from({ length: n }, (_, i) => `${i * 200}-${i * 200 + 9}`).join(",");
  assert.equal(parseRange(`bytes=${far(10)}`, 10000).kind, "ranges");
  assert.deepEqual(parseRange(`bytes=${far(11)}`, 10000), { kind: "ignore" });
});

test("parseRange() counts maxRanges after coalescing", () => {
  const near = Array.from({ length: 50 }, (_, i) => `${i * 20}-${i * 20}`);
  assert.deepEqual(
    parseRange(`bytes=${near.join(",")}`, 10000),
    ranges([0, 980]),
  );
});

test("parseRange() honours the maxRanges option", () => {
  const header = "bytes=0-9,200-209,400-409";
  assert.deepEqual(parseRange(header, 1000, { maxRanges: 2 }), {
    kind: "ignore",
  });
  assert.equal(parseRange(header, 1000, { maxRanges: 3 }).kind, "ranges");
  assert.deepEqual(
    parseRange("bytes=0-9", 1000, { maxRanges: 1 }),
    ranges([0, 9]),
  );
});

test("parseRange() ignores a header with more than 100 items", () => {
  // All items coalesce into one range, so only the item limit applies.
  const items = (n: number) => Array.from({ length: n }, () => "0-0").join(",");
  assert.deepEqual(parseRange(`bytes=${items(100)}`, 10), ranges([0, 0]));
  assert.deepEqual(parseRange(`bytes=${items(101)}`, 10), { kind: "ignore" });
});

test("parseRange() ignores a header longer than 1024 characters", () => {
  const header = "bytes=0-0," + " ".repeat(1024);
  assert.deepEqual(parseRange(header, 10), { kind: "ignore" });
});

test("parseRange() ignores a hostile 100 KB header", () => {
  assert.deepEqual(parseRange("bytes=" + "0".repeat(100_000), 10), {
    kind: "ignore",
  });
  assert.deepEqual(parseRange("bytes=" + ",".repeat(100_000) + "0-1", 10), {
    kind: "ignore",
  });
  assert.deepEqual(parseRange("bytes=" + " -".repeat(50_000), 10), {
    kind: "ignore",
  });
  // Under the length limit, hostile input is still rejected in one pass.
  assert.deepEqual(parseRange("bytes=" + "-".repeat(1000), 10), {
    kind: "ignore",
  });
  assert.deepEqual(parseRange("bytes=" + "0-0,".repeat(250), 10), {
    kind: "ignore",
  });
});

test("parseRange() ignores malformed headers", () => {
  const malformed = [
    "bytes=abc",
    "items=0-1",
    "bytes 0-1",
    "bytes =0-1",
    "bytes=-",
    "bytes=",
    "bytes=,",
    "bytes=1-2-3",
    "bytes=+1-2",
    "bytes=1-+2",
    "bytes=-+1",
    "bytes=--1",
    "bytes=0x1-2",
    "bytes=1 -2",
    "bytes=1- 2",
    "bytes=1.5-2",
    "bytes=1e3-",
    "bytes=0-1;",
    "bytes=0-1,abc",
    "=0-1",
    "0-1",
  ];
  for (const header of malformed) {
    assert.deepEqual(parseRange(header, 1000), { kind: "ignore" }, header);
  }
});

test("parseRange() ignores the whole header when a last precedes its first", () => {
  assert.deepEqual(parseRange("bytes=5-2", 1000), { kind: "ignore" });
  assert.deepEqual(parseRange("bytes=0-1,5-2", 1000), { kind: "ignore" });
});

test("parseRange() ignores positions beyond Number.MAX_SAFE_INTEGER", () => {
  const max = Number.MAX_SAFE_INTEGER;
  assert.deepEqual(parseRange(`bytes=0-${max}`, 10), ranges([0, 9]));
  assert.deepEqual(parseRange(`bytes=0-${max + 1}`, 10), { kind: "ignore" });
  assert.deepEqual(parseRange(`bytes=-99999999999999999999`, 10), {
    kind: "ignore",
  });
  assert.deepEqual(parseRange(`bytes=${"9".repeat(400)}-`, 10), {
    kind: "ignore",
  });
});

test("parseRange() accepts leading zeros", () => {
  assert.deepEqual(parseRange("bytes=0005-0009", 1000), ranges([5, 9]));
});

test("parseRange() is unsatisfiable when every first position is past the end", () => {
  assert.deepEqual(parseRange("bytes=1234-", 1234), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=2000-3000,1234-1300", 1234), {
    kind: "unsatisfiable",
  });
});

test("parseRange() is unsatisfiable for a zero-length suffix", () => {
  assert.deepEqual(parseRange("bytes=-0", 1234), { kind: "unsatisfiable" });
});

test("parseRange() drops unsatisfiable items when others remain", () => {
  assert.deepEqual(
    parseRange("bytes=5000-,0-1,-0", 1234),
    ranges([0, 1]),
  );
});

test("parseRange() ignores a suffix range on an empty file", () => {
  assert.deepEqual(parseRange("bytes=-5", 0), { kind: "ignore" });
  assert.deepEqual(parseRange("bytes=0-,-5", 0), { kind: "ignore" });
});

test("parseRange() is unsatisfiable for positions on an empty file", () => {
  assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-0", 0), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 0), { kind: "unsatisfiable" });
});

test("parseRange() still ignores a malformed header on an empty file", () => {
  assert.deepEqual(parseRange("bytes=abc", 0), { kind: "ignore" });
});

test("contentRange() formats a satisfied range", () => {
  assert.equal(contentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
});

test("unsatisfiedRange() formats the size alone", () => {
  assert.equal(unsatisfiedRange(1234), "bytes */1234");
  assert.equal(unsatisfiedRange(0), "bytes */0");
});

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
