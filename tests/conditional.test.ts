import { test } from "node:test";
import assert from "node:assert/strict";
import {
  evaluatePreconditions,
  formatHttpDate,
  makeEtag,
  parseHttpDate,
  rangeAllowed,
  type Validators,
} from "../src/core/conditional.ts";

const MTIME = 1_700_000_000;
const V: Validators = { etag: '"a-1"', lastModified: MTIME };
const AT = "Tue, 14 Nov 2023 22:13:20 GMT";
const EARLIER = "Tue, 14 Nov 2023 22:13:19 GMT";
const LATER = "Tue, 14 Nov 2023 22:13:21 GMT";
// RFC 9110 §5.6.7's example instant, in each of the three formats.
const RFC_EXAMPLE = 784_111_777;

function evaluate(
  headers: Record<string, string>,
  method = "GET",
  validators: Validators = V,
) {
  return evaluatePreconditions(method, new Headers(headers), validators);
}

function allowed(ifRange: string | null, validators: Validators = V): boolean {
  const headers = new Headers();
  if (ifRange !== null) headers.set("if-range", ifRange);
  return rangeAllowed(headers, validators);
}

// --- makeEtag ---------------------------------------------------------------

test("makeEtag() quotes the size and mtime in hexadecimal", () => {
  assert.equal(makeEtag(1234, 1_700_000_000_000), '"4d2-18bcfe56800"');
  assert.equal(makeEtag(0, 0), '"0-0"');
});

test("makeEtag() floors a fractional mtime so runtimes agree", () => {
  assert.equal(makeEtag(1, 1500.9), '"1-5dc"');
  assert.equal(makeEtag(1, 1500.9), makeEtag(1, 1500));
});

test("makeEtag() uses 0 for an unknown mtime", () => {
  assert.equal(makeEtag(255, null), '"ff-0"');
});

test("makeEtag() changes when the size or the mtime changes", () => {
  const base = makeEtag(100, 5000);
  assert.notEqual(makeEtag(101, 5000), base);
  assert.notEqual(makeEtag(100, 5001), base);
  assert.equal(makeEtag(100, 5000), base);
});

test("makeEtag() makes a strong tag of valid etagc characters", () => {
  const tag = makeEtag(5 * 1024 * 1024, 1_700_000_000_123);
  // RFC 9110 §8.8.3: entity-tag = [ weak ] DQUOTE *etagc DQUOTE.
  assert.match(tag, /^"[\x21\x23-\x7e]*"$/);
});

// --- evaluatePreconditions: If-Match ----------------------------------------

test("evaluatePreconditions() proceeds without conditional headers", () => {
  assert.equal(evaluate({}), "proceed");
  assert.equal(evaluate({}, "HEAD"), "proceed");
});

test("evaluatePreconditions() answers 412 to a mismatched If-Match", () => {
  assert.equal(evaluate({ "if-match": '"a-2"' }), 412);
  assert.equal(evaluate({ "if-match": '"a-2"' }, "HEAD"), 412);
});

test("evaluatePreconditions() proceeds on a matching If-Match", () => {
  assert.equal(evaluate({ "if-match": '"a-1"' }), "proceed");
});

test("evaluatePreconditions() treats If-Match * as matching", () => {
  assert.equal(evaluate({ "if-match": "*" }), "proceed");
  assert.equal(evaluate({ "if-match": " * " }), "proceed");
});

test("evaluatePreconditions() finds the tag in an If-Match list", () => {
  assert.equal(evaluate({ "if-match": '"x", "y", "a-1"' }), "proceed");
  assert.equal(evaluate({ "if-match": '"x","a-1","y"' }), "proceed");
  assert.equal(evaluate({ "if-match": '"x", "y", "z"' }), 412);
});

test("evaluatePreconditions() fails If-Match on a weak tag (strong comparison)", () => {
  assert.equal(evaluate({ "if-match": 'W/"a-1"' }), 412);
  assert.equal(evaluate({ "if-match": '"x", W/"a-1"' }), 412);
  const weak = { etag: 'W/"a-1"', lastModified: MTIME };
  assert.equal(evaluate({ "if-match": '"a-1"' }, "GET", weak), 412);
  assert.equal(evaluate({ "if-match": 'W/"a-1"' }, "GET", weak), 412);
});

test("evaluatePreconditions() does not split an If-Match tag on its inner comma", () => {
  const validators = { etag: '"a,b"', lastModified: MTIME };
  assert.equal(
    evaluate({ "if-match": '"a", "a,b"' }, "GET", validators),
    "proceed",
  );
  assert.equal(evaluate({ "if-match": '"a", "b"' }, "GET", validators), 412);
});

test("evaluatePreconditions() answers 412 to an If-Match with no tag at all", () => {
  assert.equal(evaluate({ "if-match": "a-1" }), 412);
  assert.equal(evaluate({ "if-match": '"a-1' }), 412);
});

// --- evaluatePreconditions: If-Unmodified-Since -----------------------------

test("evaluatePreconditions() answers 412 to an If-Unmodified-Since before the mtime", () => {
  assert.equal(evaluate({ "if-unmodified-since": EARLIER }), 412);
});

test("evaluatePreconditions() proceeds on an If-Unmodified-Since at or after the mtime", () => {
  assert.equal(evaluate({ "if-unmodified-since": AT }), "proceed");
  assert.equal(evaluate({ "if-unmodified-since": LATER }), "proceed");
});

test("evaluatePreconditions() ignores If-Unmodified-Since when If-Match is present", () => {
  assert.equal(
    evaluate({ "if-match": '"a-1"', "if-unmodified-since": EARLIER }),
    "proceed",
  );
  assert.equal(
    evaluate({ "if-match": '"b"', "if-unmodified-since": LATER }),
    412,
  );
});

test("evaluatePreconditions() ignores an invalid If-Unmodified-Since", () => {
  assert.equal(evaluate({ "if-unmodified-since": "long ago" }), "proceed");
});

test("evaluatePreconditions() ignores If-Unmodified-Since without a Last-Modified", () => {
  const validators = { etag: '"a-1"', lastModified: null };
  assert.equal(
    evaluate({ "if-unmodified-since": EARLIER }, "GET", validators),
    "proceed",
  );
});

// --- evaluatePreconditions: If-None-Match -----------------------------------

test("evaluatePreconditions() answers 304 to a matching If-None-Match on GET and HEAD", () => {
  assert.equal(evaluate({ "if-none-match": '"a-1"' }), 304);
  assert.equal(evaluate({ "if-none-match": '"a-1"' }, "HEAD"), 304);
});

test("evaluatePreconditions() compares If-None-Match weakly (W/ on either side)", () => {
  assert.equal(evaluate({ "if-none-match": 'W/"a-1"' }), 304);
  const weak = { etag: 'W/"a-1"', lastModified: MTIME };
  assert.equal(evaluate({ "if-none-match": '"a-1"' }, "GET", weak), 304);
  assert.equal(evaluate({ "if-none-match": 'W/"a-1"' }, "GET", weak), 304);
});

test("evaluatePreconditions() answers 304 to If-None-Match *", () => {
  assert.equal(evaluate({ "if-none-match": "*" }), 304);
});

test("evaluatePreconditions() finds the tag in an If-None-Match list", () => {
  assert.equal(evaluate({ "if-none-match": '"x", W/"y", "a-1"' }), 304);
  assert.equal(evaluate({ "if-none-match": '"x", W/"y"' }), "proceed");
});

test("evaluatePreconditions() proceeds on a mismatched If-None-Match", () => {
  assert.equal(evaluate({ "if-none-match": '"a-2"' }), "proceed");
});

test("evaluatePreconditions() answers 412 to a matching If-None-Match on other methods", () => {
  assert.equal(evaluate({ "if-none-match": '"a-1"' }, "PUT"), 412);
  assert.equal(evaluate({ "if-none-match": "*" }, "POST"), 412);
  assert.equal(evaluate({ "if-none-match": '"a-2"' }, "DELETE"), "proceed");
});

// --- evaluatePreconditions: If-Modified-Since -------------------------------

test("evaluatePreconditions() answers 304 to an If-Modified-Since at or after the mtime", () => {
  assert.equal(evaluate({ "if-modified-since": AT }), 304);
  assert.equal(evaluate({ "if-modified-since": LATER }), 304);
  assert.equal(evaluate({ "if-modified-since": AT }, "HEAD"), 304);
});

test("evaluatePreconditions() proceeds on an If-Modified-Since before the mtime", () => {
  assert.equal(evaluate({ "if-modified-since": EARLIER }), "proceed");
});

test("evaluatePreconditions() ignores If-Modified-Since when If-None-Match is present", () => {
  assert.equal(
    evaluate({ "if-none-match": '"a-2"', "if-modified-since": LATER }),
    "proceed",
  );
});

test("evaluatePreconditions() ignores If-Modified-Since on methods other than GET and HEAD", () => {
  assert.equal(evaluate({ "if-modified-since": LATER }, "POST"), "proceed");
});

test("evaluatePreconditions() ignores an invalid If-Modified-Since", () => {
  assert.equal(evaluate({ "if-modified-since": "tomorrow" }), "proceed");
  assert.equal(
    evaluate({ "if-modified-since": "Tue, 31 Feb 2099 00:00:00 GMT" }),
    "proceed",
  );
});

test("evaluatePreconditions() ignores If-Modified-Since without a Last-Modified", () => {
  const validators = { etag: '"a-1"', lastModified: null };
  assert.equal(
    evaluate({ "if-modified-since": LATER }, "GET", validators),
    "proceed",
  );
});

test("evaluatePreconditions() checks If-Match before If-None-Match", () => {
  assert.equal(evaluate({ "if-match": '"b"', "if-none-match": '"a-1"' }), 412);
  assert.equal(
    evaluate({ "if-unmodified-since": EARLIER, "if-none-match": '"a-1"' }),
    412,
  );
  assert.equal(
    evaluate({ "if-unmodified-since": EARLIER, "if-modified-since": LATER }),
    412,
  );
});

// --- rangeAllowed -----------------------------------------------------------

test("rangeAllowed() allows a Range without If-Range", () => {
  assert.equal(allowed(null), true);
});

test("rangeAllowed() allows a Range under a matching strong If-Range", () => {
  assert.equal(allowed('"a-1"'), true);
});

test("rangeAllowed() refuses a Range under a stale If-Range tag", () => {
  assert.equal(allowed('"a-2"'), false);
});

test("rangeAllowed() refuses a weak If-Range tag even when it matches", () => {
  assert.equal(allowed('W/"a-1"'), false);
  const weak = { etag: 'W/"a-1"', lastModified: MTIME };
  assert.equal(allowed('W/"a-1"', weak), false);
  assert.equal(allowed('"a-1"', weak), false);
});

test("rangeAllowed() allows a Range under an If-Range date equal to Last-Modified", () => {
  assert.equal(allowed(AT), true);
  assert.equal(allowed("Tuesday, 14-Nov-23 22:13:20 GMT"), true);
  assert.equal(allowed("Tue Nov 14 22:13:20 2023"), true);
});

test("rangeAllowed() refuses a Range under any other If-Range date", () => {
  assert.equal(allowed(EARLIER), false);
  assert.equal(allowed(LATER), false);
  assert.equal(allowed(AT, { etag: '"a-1"', lastModified: null }), false);
});

test("rangeAllowed() refuses a Range under an If-Range that is neither tag nor date", () => {
  assert.equal(allowed("a-1"), false);
  assert.equal(allowed("yesterday"), false);
});

// --- parseHttpDate ----------------------------------------------------------

test("parseHttpDate() parses an IMF-fixdate", () => {
  assert.equal(parseHttpDate(AT), MTIME);
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), RFC_EXAMPLE);
  assert.equal(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  assert.equal(parseHttpDate("Thu, 29 Feb 2024 12:00:00 GMT"), 1_709_208_000);
});

test("parseHttpDate() parses an rfc850-date with its two-digit year", () => {
  // §5.6.7: the year is the most recent one ending in those digits that is
  // at most 50 years in the future.
  const now = new Date().getUTCFullYear();
  let year = now + 50;
  while (year % 100 !== 94) year--;
  const expected = Date.UTC(year, 10, 6, 8, 49, 37) / 1000;
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
});

test("parseHttpDate() puts an rfc850 year more than 50 years ahead in the past century", () => {
  const now = new Date().getUTCFullYear();
  const ahead = (now + 51) % 100;
  const yy = String(ahead).padStart(2, "0");
  const parsed = parseHttpDate(`Monday, 01-Jan-${yy} 00:00:00 GMT`);
  assert.equal(parsed, Date.UTC(now + 51 - 100, 0, 1) / 1000);
  const current = String(now % 100).padStart(2, "0");
  assert.equal(
    parseHttpDate(`Monday, 01-Jan-${current} 00:00:00 GMT`),
    Date.UTC(now, 0, 1) / 1000,
  );
});

test("parseHttpDate() parses an asctime date with a space-padded day", () => {
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994"), RFC_EXAMPLE);
  assert.equal(parseHttpDate("Tue Nov 14 22:13:20 2023"), MTIME);
});

test("parseHttpDate() reads the three formats of one instant alike", () => {
  const imf = parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  const asctime = parseHttpDate("Sun Nov  6 08:49:37 1994");
  const rfc850 = parseHttpDate(`Tuesday, 14-Nov-23 22:13:20 GMT`);
  assert.equal(imf, asctime);
  assert.equal(rfc850, MTIME);
});

test("parseHttpDate() returns null for an absent value", () => {
  assert.equal(parseHttpDate(null), null);
});

test("parseHttpDate() returns null for malformed dates", () => {
  const invalid = [
    "",
    "yesterday",
    "1700000000",
    "2023-11-14T22:13:20Z",
    "Tue, 14 Nov 2023 22:13:20 UTC",
    "Tue, 14 Nov 2023 22:13:20 +0000",
    "Tue, 14 Nov 2023 22:13:20",
    "tue, 14 Nov 2023 22:13:20 GMT",
    "Tue, 14 nov 2023 22:13:20 GMT",
    "Tue 14 Nov 2023 22:13:20 GMT",
    "Tue, 14 Nov 23 22:13:20 GMT",
    "Tue,  14 Nov 2023 22:13:20 GMT",
    "Tue, 4 Nov 2023 22:13:20 GMT",
    "Tue, 14 Nov 2023 22:13 GMT",
    "Tuesday, 14-Nov-2023 22:13:20 GMT",
    "Tue, 14-Nov-23 22:13:20 GMT",
    "Tue Nov 14 22:13:20 23",
    "Tue Nov 14 22:13:20 2023 GMT",
  ];
  for (const value of invalid) assert.equal(parseHttpDate(value), null, value);
});

test("parseHttpDate() returns null for out-of-range fields", () => {
  const invalid = [
    "Tue, 14 Foo 2023 22:13:20 GMT",
    "Tue, 00 Nov 2023 22:13:20 GMT",
    "Tue, 32 Nov 2023 22:13:20 GMT",
    "Tue, 14 Nov 2023 24:00:00 GMT",
    "Tue, 14 Nov 2023 22:60:00 GMT",
    "Tue, 14 Nov 2023 22:13:61 GMT",
    "Sun Nov  0 08:49:37 1994",
  ];
  for (const value of invalid) assert.equal(parseHttpDate(value), null, value);
});

test("parseHttpDate() returns null for a day past the end of its month", () => {
  // Date.UTC would roll 31 Feb over into March; that is not a valid date.
  assert.equal(parseHttpDate("Fri, 31 Feb 2023 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Wed, 29 Feb 2023 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Fri, 31 Nov 2023 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Friday, 31-Apr-23 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Fri Feb 30 00:00:00 2024"), null);
  assert.equal(parseHttpDate("Thu, 30 Nov 2023 00:00:00 GMT"), 1_701_302_400);
});

test("parseHttpDate() keeps a four-digit year below 100 as written", () => {
  // Date.UTC maps the years 0-99 to 1900-1999.
  const parsed = parseHttpDate("Sat, 01 Jan 0050 00:00:00 GMT");
  assert.notEqual(parsed, null);
  assert.equal(
    new Date(parsed! * 1000).toISOString(),
    "0050-01-01T00:00:00.000Z",
  );
});

test("parseHttpDate() returns null for a hostile long value, quickly", () => {
  const started = performance.now();
  assert.equal(parseHttpDate("a".repeat(1_000_000)), null);
  assert.equal(parseHttpDate(AT + " ".repeat(100_000) + "x"), null);
  assert.equal(parseHttpDate(AT.repeat(10_000)), null);
  assert.equal(
    parseHttpDate("Tue, " + "1".repeat(100_000) + " Nov 2023 GMT"),
    null,
  );
  assert.ok(performance.now() - started < 1000);
});

// --- formatHttpDate ---------------------------------------------------------

test("formatHttpDate() formats an IMF-fixdate", () => {
  assert.equal(formatHttpDate(MTIME), AT);
  assert.equal(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
});

test("formatHttpDate() pads the day to two digits", () => {
  assert.equal(formatHttpDate(RFC_EXAMPLE), "Sun, 06 Nov 1994 08:49:37 GMT");
});

test("formatHttpDate() drops a fraction of a second", () => {
  assert.equal(formatHttpDate(MTIME + 0.999), AT);
});

test("formatHttpDate() round-trips through parseHttpDate()", () => {
  const instants = [0, RFC_EXAMPLE, MTIME, 951_782_400, 4_102_444_799];
  for (const seconds of instants) {
    const text = formatHttpDate(seconds);
    assert.match(
      text,
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    assert.equal(parseHttpDate(text), seconds, text);
  }
});
