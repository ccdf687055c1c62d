// Properties of Range handling: any header value gives 200, 206 or 416, with
// a Content-Range and a body that agree, and never more bytes than the file
// plus the part headers.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseRange } from "../../src/core/range.ts";
import { createFileHandler, type FileHandler } from "../../src/core/handler.ts";
import { buildFixture, pattern, runtimeFileSystem } from "../_helpers/fixture.ts";
import { assertLinear, check, utf16String } from "../_helpers/properties.ts";

const fixture = buildFixture();
after(() => fixture.remove());
writeFileSync(join(fixture.root, "range.bin"), pattern(1000));
const FILES: Record<string, Uint8Array> = {
  "/range.bin": pattern(1000),
  "/hello.txt": new TextEncoder().encode("hello world\n"),
  "/empty.txt": new Uint8Array(0),
};

// A number as a client might write it, around the interesting offsets of
// a representation of `size` bytes: 0, the last byte, the size, far past
// it, leading zeros, and (rarely) past 2^53.
function position(size: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(0, 1, size - 1, size, size + 1).map(String) },
    { weight: 8, arbitrary: fc.nat(size * 2 + 2).map(String) },
    { weight: 2, arbitrary: fc.nat(size).map((n) => "00" + n) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("9007199254740991", "9007199254740992", "99999999999999999999"),
    },
  ).filter((n) => !n.startsWith("-"));
}

const BROKEN = [
  "",
  "-",
  "a-b",
  "1-2-3",
  "--1",
  "+1-2",
  "0x1-2",
  "1 - 2",
  "1-\u00b2",
  "1.5-2",
  "-0",
  "0-0",
  "-1-",
  "1_000-2",
  "5-2",
];

// One element of a range set: first-last, first-, -suffix, or (when
// `broken`) something malformed, with optional whitespace around it.
function element(size: number, broken: boolean): fc.Arbitrary<string> {
  const n = position(size);
  const spec = fc.oneof(
    // A last-pos below its first-pos makes the whole set invalid (§14.1.1).
    {
      weight: 2,
      arbitrary: fc.tuple(n, n).map(([a, b]) =>
        broken || BigInt(a) <= BigInt(b) ? `${a}-${b}` : `${b}-${a}`
      ),
    },
    // Short spans, so that several ranges stay apart.
    { weight: 4, arbitrary: fc.tuple(fc.nat(size), fc.nat(30)).map(([a, k]) => `${a}-${a + k}`) },
    { weight: 1, arbitrary: n.map((a) => `${a}-`) },
    { weight: 1, arbitrary: n.map((b) => `-${b}`) },
    { weight: broken ? 2 : 0, arbitrary: fc.constantFrom(...BROKEN) },
  );
  const ows = fc.constantFrom("", "", "", " ", "\t", "  ");
  return fc.tuple(ows, spec, ows).map((parts) => parts.join(""));
}

/** A Range header value: mostly well-formed bytes ranges, sometimes not. */
function rangeHeader(size: number): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom("bytes=", "BYTES=", "Bytes=") },
    { weight: 1, arbitrary: fc.constantFrom("bytes =", "items=", "bytes:", "byte=") },
  );
  const set = fc.oneof(
    { weight: 8, arbitrary: fc.array(element(size, false), { minLength: 1, maxLength: 12 }) },
    { weight: 2, arbitrary: fc.array(element(size, true), { minLength: 1, maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(element(size, false), { minLength: 95, maxLength: 105 }) },
    // Empty list elements (§5.6.1).
    {
      weight: 1,
      arbitrary: fc.array(fc.oneof(element(size, false), fc.constant("")), { maxLength: 6 }),
    },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.tuple(unit, set).map(([u, items]) => u + items.join(",")) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => "bytes=" + s) },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 30 }) },
  );
}

type Expected =
  | { kind: "ignore" }
  | { kind: "unsatisfiable" }
  | { kind: "ranges"; ranges: Array<{ start: number; end: number }> };

/**
 * What RFC 9110 §14 asks of `header` on `size` bytes, read the plain way:
 * the whole set is ignored if any element is malformed; ranges past the
 * end are dropped; 416 when none is left. The server's own limits are
 * modelled too: at most 1024 characters and 100 elements, numbers below
 * 2^53, ranges less than 81 bytes apart sent as one, and more than
 * `maxRanges` ranges served as the whole file (all allowed by §14.2).
 */
function model(header: string, size: number, maxRanges: number): Expected {
  const match = /^bytes=(.*)$/is.exec(header);
  if (header.length > 1024 || match === null) return { kind: "ignore" };
  const items = match[1].split(",").map((s) => s.replace(/^[ \t]+|[ \t]+$/g, "")).filter((s) =>
    s !== ""
  );
  if (items.length === 0 || items.length > 100) return { kind: "ignore" };
  const wanted: Array<{ start: number; end: number }> = [];
  let anySuffix = false;
  for (const item of items) {
    const parts = /^(\d*)-(\d*)$/.exec(item);
    if (parts === null || (parts[1] === "" && parts[2] === "")) return { kind: "ignore" };
    const [first, last] = [parts[1], parts[2]].map((s) => (s === "" ? null : Number(s)));
    for (const n of [first, last]) {
      if (n !== null && n > Number.MAX_SAFE_INTEGER) return { kind: "ignore" };
    }
    if (first !== null && last !== null && last < first) return { kind: "ignore" };
    if (first === null) {
      anySuffix ||= last! > 0;
      if (last! > 0 && size > 0) wanted.push({ start: Math.max(0, size - last!), end: size - 1 });
    } else if (first < size) {
      wanted.push({ start: first, end: Math.min(last ?? Infinity, size - 1) });
    }
  }
  // An empty representation has no byte to send, even for a satisfiable
  // suffix range: the whole (empty) body then.
  if (size === 0 && anySuffix) return { kind: "ignore" };
  if (wanted.length === 0) return { kind: "unsatisfiable" };
  wanted.sort((a, b) => a.start - b.start);
  const merged = [{ ...wanted[0] }];
  for (const next of wanted.slice(1)) {
    const last = merged[merged.length - 1];
    if (next.start <= last.end + 81) last.end = Math.max(last.end, next.end);
    else merged.push({ ...next });
  }
  return merged.length > maxRanges ? { kind: "ignore" } : { kind: "ranges", ranges: merged };
}

const sizes = fc.oneof(fc.constantFrom(0, 1, 12, 1000), fc.nat(5000));

test("parseRange() agrees with the plain reading of RFC 9110 §14 for any header", () => {
  const input = sizes.chain((size) =>
    fc.tuple(fc.constant(size), rangeHeader(size), fc.integer({ min: 1, max: 12 }))
  );
  check(
    fc.property(input, ([size, header, maxRanges]) => {
      const got = parseRange(header, size, { maxRanges });
      assert.deepEqual(got, model(header, size, maxRanges));
      if (got.kind !== "ranges") return;
      // Never more bytes than the representation, whatever was asked.
      const total = got.ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
      assert.ok(total <= size, `${total} > ${size}`);
    }),
    3000,
  );
});

test("parseRange() never throws and stays in bounds on any string", () => {
  const anyHeader = fc.oneof(fc.string({ unit: "binary", maxLength: 2000 }), utf16String(50));
  check(
    fc.property(anyHeader, fc.nat(10_000), (header, size) => {
      const got = parseRange(header, size);
      if (got.kind === "ranges") {
        for (const r of got.ranges) assert.ok(0 <= r.start && r.start <= r.end && r.end < size);
      }
    }),
    1000,
  );
});

test("parseRange() reads 1 MiB in linear time", async () => {
  await assertLinear("parseRange()", (header: string) => parseRange("bytes=" + header, 1000));
});

// ---------------------------------------------------------------------------
// Through the handler

const CRLF = "\r\n";

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Reads a multipart/byteranges body back (RFC 9110 §14.6, RFC 2046 §5.1):
 * each part's Content-Range and exactly that many bytes after its header.
 */
function parseMultipart(
  body: Uint8Array,
  boundary: string,
  size: number,
): Array<{ start: number; end: number; bytes: Uint8Array }> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const parts: Array<{ start: number; end: number; bytes: Uint8Array }> = [];
  let at = 0;
  const expect = (text: string) => {
    const bytes = encoder.encode(text);
    assert.equal(decoder.decode(body.subarray(at, at + bytes.length)), text, `at byte ${at}`);
    at += bytes.length;
  };
  expect(`--${boundary}${CRLF}`);
  for (;;) {
    const end = indexOf(body, encoder.encode(CRLF + CRLF), at);
    assert.ok(end !== -1, "a part header ends");
    const head = decoder.decode(body.subarray(at, end));
    const range = /^content-range: bytes (\d+)-(\d+)\/(\d+)$/im.exec(head);
    assert.ok(range !== null, `Content-Range in ${JSON.stringify(head)}`);
    assert.equal(Number(range[3]), size);
    const [start, last] = [Number(range[1]), Number(range[2])];
    at = end + 4;
    parts.push({ start, end: last, bytes: body.subarray(at, at + last - start + 1) });
    at += last - start + 1;
    expect(`${CRLF}--${boundary}`);
    if (decoder.decode(body.subarray(at, at + 2)) === "--") break;
    expect(CRLF);
  }
  expect(`--${CRLF}`);
  assert.equal(at, body.length, "nothing after the close delimiter");
  return parts;
}

test("createFileHandler() answers any Range with 200, 206 or 416 whose headers and body agree", async () => {
  const input = fc.constantFrom(...Object.keys(FILES)).chain((path) =>
    fc.tuple(
      fc.constant(path),
      // What a header can carry: no NUL, CR or LF.
      rangeHeader(FILES[path].length).map((h) => h.replace(/[\0\r\n]/g, "")),
      fc.constantFrom(1, 3, 10),
      fc.constantFrom("GET", "HEAD"),
    )
  );
  // Built here, not at the top level: node:test runs the `after` hook once
  // the tests registered before a top-level await have finished.
  const fs = await runtimeFileSystem();
  const errors: unknown[] = [];
  const handlers = new Map<number, FileHandler>();
  for (const maxRanges of [1, 3, 10]) {
    const onError = (error: unknown) => errors.push(error);
    handlers.set(maxRanges, createFileHandler({ root: fixture.root, fs, maxRanges, onError }));
  }
  await check(
    fc.asyncProperty(input, async ([path, header, maxRanges, method]) => {
      const file = FILES[path];
      const size = file.length;
      const response = await handlers.get(maxRanges)!(
        new Request("http://localhost" + path, { method, headers: { range: header } }),
      );
      const body = new Uint8Array(await response.arrayBuffer());
      assert.deepEqual(errors, []);
      // Headers trim the value as a server would.
      const want = model(new Headers({ range: header }).get("range")!, size, maxRanges);
      const status = want.kind === "ignore" ? 200 : want.kind === "unsatisfiable" ? 416 : 206;
      assert.equal(response.status, status);
      const length = Number(response.headers.get("content-length"));
      if (method === "HEAD") assert.equal(body.length, 0);
      else assert.equal(body.length, length, "Content-Length");
      const contentRange = response.headers.get("content-range");
      if (status === 200) {
        assert.equal(contentRange, null);
        assert.equal(length, size);
        if (method === "GET") assert.deepEqual(body, file);
        return;
      }
      if (status === 416) {
        assert.equal(contentRange, `bytes */${size}`);
        return;
      }
      const ranges = (want as { ranges: Array<{ start: number; end: number }> }).ranges;
      const type = response.headers.get("content-type") ?? "";
      if (ranges.length === 1) {
        const [{ start, end }] = ranges;
        assert.equal(contentRange, `bytes ${start}-${end}/${size}`);
        assert.equal(length, end - start + 1);
        if (method === "GET") assert.deepEqual(body, file.subarray(start, end + 1));
        return;
      }
      assert.equal(contentRange, null);
      const boundary = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,.\/:=?-]{1,70})$/.exec(
        type,
      );
      assert.ok(boundary !== null, type);
      // No amplification: the parts hold at most the file once, and each
      // part costs a bounded header.
      assert.ok(length <= size + ranges.length * 160 + 64, `${length} bytes for ${size}`);
      if (method === "HEAD") return;
      const parts = parseMultipart(body, boundary[1], size);
      assert.deepEqual(parts.map(({ start, end }) => ({ start, end })), ranges);
      for (const part of parts) {
        assert.deepEqual(part.bytes, file.subarray(part.start, part.end + 1));
      }
    }),
    300,
  );
});
