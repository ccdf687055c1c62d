import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { acceptedCodings, CONTENT_CODINGS } from "../src/core/accept_encoding.ts";

const ALL = CONTENT_CODINGS;

function pick(field: string | null, offered = ALL) {
  const { codings, identity } = acceptedCodings(field, offered);
  return [...codings, ...(identity ? ["identity"] : [])];
}

test("acceptedCodings() prefers br, then zstd, then gzip when weights are equal", () => {
  assert.deepEqual(pick("gzip, deflate, br, zstd"), ["br", "zstd", "gzip", "identity"]);
  assert.deepEqual(pick("gzip, deflate, br"), ["br", "gzip", "identity"]);
  assert.deepEqual(pick("gzip"), ["gzip", "identity"]);
});

test("acceptedCodings() follows q-values, whatever the order of the members", () => {
  assert.deepEqual(pick("br;q=0.5, gzip;q=0.8"), ["gzip", "br", "identity"]);
  assert.deepEqual(pick("gzip;q=0.8, br;q=0.9, zstd;q=0.1"), ["br", "gzip", "zstd", "identity"]);
  assert.deepEqual(pick("br;q=0, gzip"), ["gzip", "identity"]);
});

test("acceptedCodings() lets * weigh the codings not named, and *;q=0 refuse them", () => {
  assert.deepEqual(pick("*"), ["br", "zstd", "gzip", "identity"]);
  assert.deepEqual(pick("gzip;q=0.2, *;q=0.5"), ["br", "zstd", "gzip", "identity"]);
  assert.deepEqual(pick("*;q=0"), []);
  assert.deepEqual(pick("gzip, *;q=0"), ["gzip"]);
  assert.deepEqual(pick("identity, *;q=0"), ["identity"]);
});

test("acceptedCodings() honours identity;q=0, and a named identity's weight", () => {
  assert.deepEqual(pick("br, identity;q=0"), ["br"]);
  assert.deepEqual(pick("identity;q=0"), []);
  assert.deepEqual(pick("identity;q=1, gzip;q=0.5"), ["identity"]);
  assert.deepEqual(pick("identity;q=0.5, gzip"), ["gzip", "identity"]);
});

test("acceptedCodings() gives identity alone without the field, and for an empty one", () => {
  assert.deepEqual(pick(null), ["identity"]);
  assert.deepEqual(pick(""), ["identity"]);
  assert.deepEqual(pick("   "), ["identity"]);
});

test("acceptedCodings() reads case, whitespace, x-gzip, and skips what it cannot parse", () => {
  assert.deepEqual(pick("  GZIP ;  Q=0.7 ,BR;q=0.6"), ["gzip", "br", "identity"]);
  assert.deepEqual(pick("x-gzip"), ["gzip", "identity"]);
  assert.deepEqual(pick("compress, deflate, unknown-coding"), ["identity"]);
  assert.deepEqual(pick("br;q=2, gzip;q=abc, zstd;q=0.5"), ["zstd", "identity"]);
  assert.deepEqual(pick("br;q=0.1234"), ["identity"]);
  assert.deepEqual(pick("b r, gzip"), ["gzip", "identity"]);
  assert.deepEqual(pick(",,, ;q=1, gzip"), ["gzip", "identity"]);
});

test("acceptedCodings() offers only what the server has, in the server's order", () => {
  assert.deepEqual(pick("gzip, br", ["gzip"]), ["gzip", "identity"]);
  assert.deepEqual(pick("gzip, br", ["gzip", "br"]), ["gzip", "br", "identity"]);
  assert.deepEqual(pick("gzip, br", []), ["identity"]);
  assert.deepEqual(pick("identity;q=0", []), []);
});

test("acceptedCodings() never returns a coding the field refuses or the server lacks", () => {
  const member = fc.tuple(
    fc.constantFrom("br", "BR", "zstd", "gzip", "x-gzip", "identity", "*", "deflate", "bogus"),
    fc.option(fc.constantFrom("0", "0.0", "0.5", "1", "1.000", "0.001", "2", "x"), {
      nil: undefined,
    }),
  ).map(([name, q]) => (q === undefined ? name : `${name};q=${q}`));
  fc.assert(fc.property(
    fc.array(member, { maxLength: 6 }),
    fc.subarray([...ALL]),
    (members, offered) => {
      const field = members.join(", ");
      const { codings } = acceptedCodings(field, offered);
      for (const coding of codings) {
        assert.ok(offered.includes(coding));
        const named = members.find((m) =>
          m.toLowerCase().split(";")[0].replace("x-", "") === coding
        );
        if (named !== undefined && /;q=0(\.0)?$/.test(named)) {
          assert.fail(`${coding} refused in ${field}`);
        }
      }
      assert.equal(new Set(codings).size, codings.length);
    },
  ));
});
