import { after, test } from "node:test";
import assert from "node:assert/strict";
import { BIG_SIZE, buildFixture, fixtureHandler, get, pattern } from "./_helpers/fixture.ts";
import type { FileHandler } from "../src/core/handler.ts";

const fixture = buildFixture();
after(() => fixture.remove());

const handler = await fixtureHandler(fixture);
const BIG = pattern(BIG_SIZE);
const LAST = BIG_SIZE - 1;
const OCTET = "application/octet-stream";

interface Result {
  status: number;
  headers: Headers;
  hasBody: boolean;
  bytes: Uint8Array;
}

async function send(
  range: string | null,
  init: { method?: string; handler?: FileHandler; path?: string } = {},
): Promise<Result> {
  const headers = new Headers();
  if (range !== null) headers.set("range", range);
  const response = await get(init.handler ?? handler, init.path ?? "/big.bin", {
    method: init.method ?? "GET",
    headers,
  });
  const hasBody = response.body !== null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, hasBody, bytes };
}

/** Asserts that `bytes` are exactly big.bin's bytes `start..end` (inclusive). */
function assertBigBytes(bytes: Uint8Array, start: number, end: number): void {
  assert.equal(bytes.byteLength, end - start + 1, "length");
  const expected = BIG.subarray(start, end + 1);
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] !== expected[i]) {
      assert.fail(`byte ${start + i} is ${bytes[i]}, expected ${expected[i]}`);
    }
  }
}

function assertSingle(result: Result, start: number, end: number): void {
  assert.equal(result.status, 206);
  assert.equal(
    result.headers.get("content-range"),
    `bytes ${start}-${end}/${BIG_SIZE}`,
  );
  assert.equal(result.headers.get("content-length"), String(end - start + 1));
  assert.equal(result.headers.get("content-type"), OCTET);
  assertBigBytes(result.bytes, start, end);
}

function assertWhole(result: Result): void {
  assert.equal(result.status, 200);
  assert.equal(result.headers.get("content-range"), null);
  assert.equal(result.headers.get("content-length"), String(BIG_SIZE));
  assertBigBytes(result.bytes, 0, LAST);
}

interface Part {
  type: string;
  start: number;
  end: number;
  size: number;
  bytes: Uint8Array;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(
    ...bytes.subarray(from, Math.min(to, bytes.length)),
  );
}

function boundaryOf(contentType: string | null): string {
  const match = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,\-./:=?]{1,70})$/
    .exec(contentType ?? "");
  assert.ok(match !== null, `Content-Type: ${contentType}`);
  return match[1];
}

/**
 * Parses a multipart/byteranges body strictly (RFC 9110 §14.6, RFC 2046
 * §5.1.1): every part's length comes from its own Content-Range, and nothing
 * may precede the first delimiter or follow the close delimiter.
 */
function parseByteranges(body: Uint8Array, boundary: string): Part[] {
  let pos = 0;
  const expect = (text: string) => {
    assert.equal(ascii(body, pos, pos + text.length), text, `at ${pos}`);
    pos += text.length;
  };
  expect(`--${boundary}\r\n`);
  const parts: Part[] = [];
  for (;;) {
    let headEnd = -1;
    for (let i = pos; i < Math.min(body.length, pos + 1024) - 3; i++) {
      if (ascii(body, i, i + 4) === "\r\n\r\n") {
        headEnd = i;
        break;
      }
    }
    assert.ok(headEnd !== -1, `part header at ${pos} never ends`);
    const fields = new Map<string, string>();
    for (const line of ascii(body, pos, headEnd).split("\r\n")) {
      const colon = line.indexOf(":");
      assert.ok(colon > 0, `header line ${JSON.stringify(line)}`);
      fields.set(
        line.slice(0, colon).toLowerCase(),
        line.slice(colon + 1).trim(),
      );
    }
    pos = headEnd + 4;
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(
      fields.get("content-range") ?? "",
    );
    assert.ok(
      range !== null,
      `part Content-Range: ${fields.get("content-range")}`,
    );
    const [start, end, size] = [
      Number(range[1]),
      Number(range[2]),
      Number(range[3]),
    ];
    const bytes = body.subarray(pos, pos + end - start + 1);
    pos += end - start + 1;
    parts.push({
      type: fields.get("content-type") ?? "",
      start,
      end,
      size,
      bytes,
    });
    expect(`\r\n--${boundary}`);
    if (ascii(body, pos, pos + 2) === "--") {
      expect("--\r\n");
      break;
    }
    expect("\r\n");
  }
  assert.equal(pos, body.length, "bytes after the close delimiter");
  return parts;
}

function assertParts(result: Result, ranges: [number, number][]): void {
  assert.equal(result.status, 206);
  assert.equal(result.headers.get("content-range"), null);
  assert.equal(
    result.headers.get("content-length"),
    String(result.bytes.byteLength),
  );
  const parts = parseByteranges(
    result.bytes,
    boundaryOf(result.headers.get("content-type")),
  );
  assert.deepEqual(parts.map((p) => [p.start, p.end]), ranges);
  for (const part of parts) {
    assert.equal(part.type, OCTET);
    assert.equal(part.size, BIG_SIZE);
    assertBigBytes(part.bytes, part.start, part.end);
  }
}

// --- One range --------------------------------------------------------------

test("createFileHandler() answers 206 with the exact bytes of a single range", async () => {
  assertSingle(await send("bytes=1000-1999"), 1000, 1999);
});

test("createFileHandler() serves a single range spanning several read chunks", async () => {
  assertSingle(await send("bytes=65530-300000"), 65530, 300000);
});

test("createFileHandler() serves a one-byte range at either end", async () => {
  assertSingle(await send("bytes=0-0"), 0, 0);
  assertSingle(await send(`bytes=${LAST}-${LAST}`), LAST, LAST);
});

test("createFileHandler() serves an open-ended range to the last byte", async () => {
  assertSingle(await send("bytes=5242000-"), 5242000, LAST);
});

test("createFileHandler() serves a suffix range", async () => {
  assertSingle(await send("bytes=-500"), BIG_SIZE - 500, LAST);
});

test("createFileHandler() serves a suffix longer than the file as 206 of all bytes", async () => {
  assertSingle(await send("bytes=-6000000"), 0, LAST);
});

test("createFileHandler() clamps a last byte beyond the file to the last byte", async () => {
  assertSingle(await send("bytes=5242800-9999999"), 5242800, LAST);
});

test("createFileHandler() accepts OWS and a case-insensitive unit in Range", async () => {
  assertSingle(await send("Bytes=10-19 ,"), 10, 19);
});

// --- Several ranges ---------------------------------------------------------

test("createFileHandler() answers several ranges with multipart/byteranges", async () => {
  const result = await send("bytes=0-99,2000000-2000099,-100");
  assertParts(result, [[0, 99], [2000000, 2000099], [BIG_SIZE - 100, LAST]]);
});

test("createFileHandler() sends multipart parts that span several read chunks", async () => {
  const result = await send("bytes=10-200000,1000000-1300000");
  assertParts(result, [[10, 200000], [1000000, 1300000]]);
});

test("createFileHandler() sends a fresh multipart boundary absent from the body", async () => {
  const first = await send("bytes=0-9,100000-100009");
  const second = await send("bytes=0-9,100000-100009");
  const a = boundaryOf(first.headers.get("content-type"));
  const b = boundaryOf(second.headers.get("content-type"));
  assert.notEqual(a, b);
  assertParts(first, [[0, 9], [100000, 100009]]);
});

test("createFileHandler() coalesces overlapping ranges into one 206", async () => {
  assertSingle(await send("bytes=0-99,50-149"), 0, 149);
  assertSingle(await send("bytes=500-599,0-99,50-549"), 0, 599);
});

// --- Ranges served as 416 or ignored ----------------------------------------

test("createFileHandler() answers 416 to a range starting past the end", async () => {
  for (
    const range of [
      "bytes=6000000-",
      `bytes=${BIG_SIZE}-`,
      "bytes=6000000-6000001",
    ]
  ) {
    const result = await send(range);
    assert.equal(result.status, 416, range);
    assert.equal(
      result.headers.get("content-range"),
      `bytes */${BIG_SIZE}`,
      range,
    );
  }
});

test("createFileHandler() answers 416 without a body to a HEAD", async () => {
  const result = await send("bytes=6000000-", { method: "HEAD" });
  assert.equal(result.status, 416);
  assert.equal(result.headers.get("content-range"), `bytes */${BIG_SIZE}`);
  assert.equal(result.bytes.byteLength, 0);
});

test("createFileHandler() serves the satisfiable ranges of a partly satisfiable set", async () => {
  assertSingle(await send("bytes=6000000-,0-9"), 0, 9);
});

test("createFileHandler() sends the whole file for a malformed Range", async () => {
  for (
    const range of [
      "bytes=abc",
      "bytes=5-2",
      "bytes=-",
      "bytes 0-1",
      "bytes=0-1;2-3",
    ]
  ) {
    const result = await send(range);
    assert.equal(result.status, 200, range);
    assert.equal(result.headers.get("content-length"), String(BIG_SIZE), range);
    assert.equal(result.bytes.byteLength, BIG_SIZE, range);
  }
  assertWhole(await send("bytes=abc"));
});

test("createFileHandler() sends the whole file for a Range of another unit", async () => {
  assertWhole(await send("lines=1-2"));
});

test("createFileHandler() sends the whole file for more ranges than maxRanges (default 10)", async () => {
  const far = Array.from(
    { length: 50 },
    (_, i) => `${i * 100000}-${i * 100000 + 9}`,
  );
  assertWhole(await send(`bytes=${far.join(",")}`));
  // Ten far-apart ranges are still served as parts.
  const ten = await send(`bytes=${far.slice(0, 10).join(",")}`);
  assert.equal(ten.status, 206);
  assert.equal(
    parseByteranges(ten.bytes, boundaryOf(ten.headers.get("content-type")))
      .length,
    10,
  );
});

test("createFileHandler() respects the maxRanges option", async () => {
  const limited = await fixtureHandler(fixture, { maxRanges: 2 });
  const three = "bytes=0-9,100000-100009,200000-200009";
  assertWhole(await send(three, { handler: limited }));
  const two = await send("bytes=0-9,100000-100009", { handler: limited });
  assertParts(two, [[0, 9], [100000, 100009]]);
  // The same three ranges without the option are served as parts.
  assertParts(await send(three), [[0, 9], [100000, 100009], [200000, 200009]]);
});

test("createFileHandler() never amplifies 100 overlapping ranges", async () => {
  // Each header alone asks for about 100 times the file; coalescing must
  // keep the response within one file plus a little multipart framing.
  const permissive = await fixtureHandler(fixture, { maxRanges: 1000 });
  const headers = [
    "bytes=" + Array.from({ length: 100 }, (_, i) => `${i}-`).join(","),
    "bytes=" + Array.from({ length: 100 }, () => `-${BIG_SIZE}`).join(","),
    "bytes=" +
    Array.from({ length: 100 }, (_, i) => `${i % 10}-9999999`).join(","),
  ];
  for (const range of headers) {
    assert.ok(range.length <= 1024, `header is ${range.length} characters`);
    for (const h of [handler, permissive]) {
      const result = await send(range, { handler: h });
      assert.equal(result.status, 206);
      assert.equal(
        result.headers.get("content-length"),
        String(result.bytes.byteLength),
      );
      assert.ok(
        result.bytes.byteLength <= BIG_SIZE + 2048,
        `${result.bytes.byteLength} bytes`,
      );
    }
  }
  assertSingle(await send(headers[0], { handler: permissive }), 0, LAST);
});

test("createFileHandler() never amplifies 100 duplicated ranges at both ends", async () => {
  const permissive = await fixtureHandler(fixture, { maxRanges: 1000 });
  // Served as asked, this would be 100 copies of 100 kB: twice the file.
  const list = Array.from(
    { length: 100 },
    (_, i) => i % 2 === 0 ? "0-99999" : "-100000",
  );
  const range = "bytes=" + list.join(",");
  assert.ok(range.length <= 1024, `header is ${range.length} characters`);
  const result = await send(range, { handler: permissive });
  assert.ok(
    result.bytes.byteLength <= BIG_SIZE + 2048,
    `${result.bytes.byteLength} bytes`,
  );
  assertParts(result, [[0, 99999], [BIG_SIZE - 100000, LAST]]);
});

// --- HEAD, empty files, errors ----------------------------------------------

test("createFileHandler() answers a HEAD with a Range like the GET, without a body", async () => {
  const get206 = await send("bytes=100-199");
  const head206 = await send("bytes=100-199", { method: "HEAD" });
  assert.equal(head206.status, 206);
  assert.deepEqual([...head206.headers], [...get206.headers]);
  assert.equal(head206.hasBody, false);
  assert.equal(head206.bytes.byteLength, 0);
});

test("createFileHandler() answers a HEAD with several ranges like the GET, without a body", async () => {
  const range = "bytes=0-9,100000-100009";
  const getParts = await send(range);
  const headParts = await send(range, { method: "HEAD" });
  assert.equal(headParts.status, 206);
  assert.equal(headParts.hasBody, false);
  assert.equal(headParts.bytes.byteLength, 0);
  boundaryOf(headParts.headers.get("content-type"));
  // Only the random boundary may differ; it is always the same length.
  assert.equal(
    headParts.headers.get("content-length"),
    getParts.headers.get("content-length"),
  );
  const without = (h: Headers) => [...h].filter(([name]) => name !== "content-type");
  assert.deepEqual(without(headParts.headers), without(getParts.headers));
});

test("createFileHandler() answers 416 to bytes=0- on an empty file", async () => {
  const result = await send("bytes=0-", { path: "/empty.txt" });
  assert.equal(result.status, 416);
  assert.equal(result.headers.get("content-range"), "bytes */0");
});

test("createFileHandler() sends an empty file whole for a suffix Range", async () => {
  const result = await send("bytes=-5", { path: "/empty.txt" });
  assert.equal(result.status, 200);
  assert.equal(result.headers.get("content-length"), "0");
  assert.equal(result.headers.get("content-range"), null);
  assert.equal(result.bytes.byteLength, 0);
});

test("createFileHandler() answers 404 to a Range on a missing file", async () => {
  const result = await send("bytes=0-9", { path: "/missing.bin" });
  assert.equal(result.status, 404);
  assert.equal(result.headers.get("content-range"), null);
});

test("createFileHandler() advertises Accept-Ranges: bytes on 200 and 206", async () => {
  const whole = await send(null);
  assertWhole(whole);
  assert.equal(whole.headers.get("accept-ranges"), "bytes");
  const part = await send("bytes=0-9");
  assert.equal(part.headers.get("accept-ranges"), "bytes");
  const head = await send(null, { method: "HEAD" });
  assert.equal(head.headers.get("accept-ranges"), "bytes");
  assert.equal(head.headers.get("content-length"), String(BIG_SIZE));
});

test("createFileHandler() multipart answers cancelled unread close their first part's file", async () => {
  const { readdirSync } = await import("node:fs");
  const open = () => readdirSync("/proc/self/fd").length;
  const ask = () => get(handler, "/big.bin", { headers: { range: "bytes=0-99999,200000-299999" } });
  await (await ask()).body?.cancel();
  const before = open();
  for (let i = 0; i < 50; i++) {
    const response = await ask();
    assert.equal(response.status, 206);
    await response.body!.cancel();
  }
  // Closing is asynchronous on every runtime: allow it a moment.
  for (let waited = 0; waited < 2000 && open() > before; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(open() <= before, `${open() - before} more descriptors open than before`);
});
