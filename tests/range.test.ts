import { test } from "node:test";
import assert from "node:assert/strict";
import { contentRange, parseRange, unsatisfiedRange } from "../src/core/range.ts";

function ranges(...list: [number, number][]) {
  return {
    kind: "ranges",
    ranges: list.map(([start, end]) => ({ start, end })),
  };
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
