// Properties of conditional requests: for any combination of If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range and
// Range, the status is the one a plain reading of RFC 9110 §13.2.2 gives.
// The generators carry the meaning of each value (which tags, which
// instant, or "malformed"), so the model below never parses anything.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluatePreconditions, rangeAllowed } from "../../src/core/conditional.ts";
import { parseRange } from "../../src/core/range.ts";
import { createFileHandler } from "../../src/core/handler.ts";
import { buildFixture, MTIME, runtimeFileSystem } from "../_helpers/fixture.ts";
import { assertLinear, check, repeating } from "../_helpers/properties.ts";

const fixture = buildFixture();
after(() => fixture.remove());

const SIZE = 12; // hello.txt
const ETAG = `"${SIZE.toString(16)}-${(MTIME * 1000).toString(16)}"`;
const OPAQUE = ETAG.slice(1, -1);
const LAST_MODIFIED = MTIME;

// ---------------------------------------------------------------------------
// Entity-tag fields: "*", a list of tags, or something malformed.

interface Tag {
  weak: boolean;
  opaque: string;
}

type TagField =
  | { text: string; kind: "star" }
  | { text: string; kind: "list"; tags: Tag[] }
  | { text: string; kind: "malformed" };

// etagc (RFC 9110 §8.8.3): "!" / %x23-7E / obs-text; commas and "W/" may
// sit inside the quotes.
const etagc = fc.constantFrom(..."!#$%&'()*+,-./0123456789:;<=>?@AZaz[]^_`{|}~W\u00e9");
const opaque = fc.oneof(
  { weight: 4, arbitrary: fc.constant(OPAQUE) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      OPAQUE.slice(1),
      OPAQUE + "0",
      OPAQUE.toUpperCase(),
      "",
      "W/" + OPAQUE,
      OPAQUE + '", W/"',
    ).filter((s) => !s.includes('"')),
  },
  { weight: 2, arbitrary: fc.string({ unit: etagc, maxLength: 8 }) },
);
const tag: fc.Arbitrary<Tag> = fc.record({ weak: fc.boolean(), opaque });
const ows = fc.constantFrom("", "", " ", "  ", "\t");

function tagText(t: Tag): string {
  return `${t.weak ? "W/" : ""}"${t.opaque}"`;
}

const tagList: fc.Arbitrary<TagField> = fc
  .array(fc.tuple(ows, fc.option(tag, { freq: 6 }), ows), { maxLength: 4 })
  .map((items) => ({
    // Empty list elements are allowed (§5.6.1).
    text: items.map(([a, t, b]) => a + (t === null ? "" : tagText(t)) + b).join(","),
    kind: "list" as const,
    tags: items.flatMap(([, t]) => (t === null ? [] : [t])),
  }));

const malformedTags = fc.constantFrom(
  OPAQUE,
  `w/${ETAG}`,
  `W/ ${ETAG}`,
  `${ETAG} ${ETAG}`,
  `"${OPAQUE}`,
  `${ETAG}x`,
  `*, ${ETAG}`,
  "**",
  `"${OPAQUE} "`,
  `x${ETAG}`,
).map((text) => ({ text, kind: "malformed" as const }));

const tagField: fc.Arbitrary<TagField> = fc.oneof(
  { weight: 6, arbitrary: tagList },
  { weight: 1, arbitrary: ows.map((s) => ({ text: s + "*" + s, kind: "star" as const })) },
  { weight: 2, arbitrary: malformedTags },
);

// ---------------------------------------------------------------------------
// HTTP-dates: an instant in one of the three forms, or something malformed.

interface DateField {
  text: string;
  /** Seconds since the epoch, or null when the value is no HTTP-date. */
  seconds: number | null;
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function imfFixdate(date: Date): string {
  return `${DAYS[date.getUTCDay()].slice(0, 3)}, ${pad(date.getUTCDate())} ` +
    `${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCFullYear(), 4)} ${clock(date)} GMT`;
}

function rfc850(date: Date): string {
  return `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-` +
    `${pad(date.getUTCFullYear() % 100)} ${clock(date)} GMT`;
}

function asctime(date: Date): string {
  return `${DAYS[date.getUTCDay()].slice(0, 3)} ${MONTHS[date.getUTCMonth()]} ` +
    `${String(date.getUTCDate()).padStart(2, " ")} ${clock(date)} ${date.getUTCFullYear()}`;
}

function clock(date: Date): string {
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

// Near the file's time (equal, a second either side, a day either side)
// or anywhere. RFC 850's two-digit years are read within 50 years of now
// (§5.6.7), so its instants stay within 40 years of now.
const THIS_YEAR = new Date().getUTCFullYear();
const instant = fc.oneof(
  fc.constantFrom(0, 1, -1, 86_400, -86_400).map((d) => LAST_MODIFIED + d),
  fc.integer({ min: 0, max: 253_402_300_799 }),
);
const rfc850Instant = fc.oneof(
  fc.constantFrom(0, 1, -1).map((d) => LAST_MODIFIED + d),
  fc.integer({
    min: Date.UTC(THIS_YEAR - 40, 0, 1) / 1000,
    max: Date.UTC(THIS_YEAR + 40, 0, 1) / 1000,
  }),
);

const validDate: fc.Arbitrary<DateField> = fc.oneof(
  {
    weight: 4,
    arbitrary: instant.map((s) => ({ text: imfFixdate(new Date(s * 1000)), seconds: s })),
  },
  {
    weight: 1,
    arbitrary: rfc850Instant.map((s) => ({ text: rfc850(new Date(s * 1000)), seconds: s })),
  },
  { weight: 1, arbitrary: instant.map((s) => ({ text: asctime(new Date(s * 1000)), seconds: s })) },
);

const FILE_DATE = imfFixdate(new Date(LAST_MODIFIED * 1000));
const malformedDate: fc.Arbitrary<DateField> = fc.oneof(
  fc.constantFrom(
    "",
    "yesterday",
    String(LAST_MODIFIED),
    FILE_DATE.replace("GMT", "gmt"),
    FILE_DATE.replace(" GMT", ""),
    FILE_DATE.replace("GMT", "UTC"),
    FILE_DATE.replace("Nov", "nov"),
    FILE_DATE.replace(" 2023 ", " 23 "),
    FILE_DATE.replace("14 Nov", "4 Nov"),
    FILE_DATE.replace("22:", "24:"),
    FILE_DATE.replace(":20 ", ":61 "),
    FILE_DATE.replace(", ", ",  "),
    "Tue, 31 Feb 2023 00:00:00 GMT",
    "Tue, 00 Nov 2023 00:00:00 GMT",
    `${FILE_DATE}, ${FILE_DATE}`,
    new Date(LAST_MODIFIED * 1000).toISOString(),
  ),
  fc.string({ maxLength: 30 }),
).map((text) => ({ text, seconds: null }));

const dateField: fc.Arbitrary<DateField> = fc.oneof(
  { weight: 4, arbitrary: validDate },
  { weight: 1, arbitrary: malformedDate },
);

// ---------------------------------------------------------------------------
// If-Range and Range

type IfRange = { text: string; holds: boolean | "either" };

const ifRange: fc.Arbitrary<IfRange> = fc.oneof(
  // §13.1.5: a strong tag that matches, or a date equal to Last-Modified.
  fc.constant({ text: ETAG, holds: true }),
  tag.map((t) => ({ text: tagText(t), holds: !t.weak && t.opaque === OPAQUE })),
  fc.constant({ text: FILE_DATE, holds: true }),
  // The same instant in an obsolete form: "exactly matches" may be read
  // on the text or on the instant.
  fc.constantFrom(rfc850, asctime).map((form) => ({
    text: form(new Date(LAST_MODIFIED * 1000)),
    holds: "either" as const,
  })),
  validDate.map((d) => ({
    text: d.text,
    holds: d.seconds === LAST_MODIFIED ? ("either" as const) : false,
  })),
  malformedDate.map((d) => ({ text: d.text, holds: false })),
  fc.constant({ text: `${ETAG}, ${ETAG}`, holds: false }),
);

type RangeCase = { text: string; status: 200 | 206 | 416 };

const range: fc.Arbitrary<RangeCase> = fc.constantFrom(
  { text: "bytes=0-3", status: 206 },
  { text: "bytes=-5", status: 206 },
  { text: "bytes=0-1,5-6", status: 206 },
  { text: "bytes=100-", status: 416 },
  { text: "bytes=3-1", status: 200 },
  { text: "lines=1-2", status: 200 },
);

// ---------------------------------------------------------------------------
// The model

interface Case {
  method: "GET" | "HEAD";
  ifMatch: TagField | null;
  ifNoneMatch: TagField | null;
  ifModifiedSince: DateField | null;
  ifUnmodifiedSince: DateField | null;
  ifRange: IfRange | null;
  range: RangeCase | null;
}

// Whether a tag field's condition holds: each branch a malformed field
// could be read as (RFC 9110 leaves it open) is explored.
function matches(field: TagField, compare: (t: Tag) => boolean): boolean[] {
  if (field.kind === "star") return [true]; // the file exists
  if (field.kind === "malformed") return [true, false];
  return [field.tags.some(compare)];
}

const strong = (t: Tag) => !t.weak && t.opaque === OPAQUE; // §8.8.3.2, our tag is strong
const weak = (t: Tag) => t.opaque === OPAQUE;

/** The statuses RFC 9110 §13.2.2 allows for `c` on hello.txt. */
function model(c: Case): Set<number> {
  const out = new Set<number>();
  const ifMatch = c.ifMatch === null ? [null] : matches(c.ifMatch, strong);
  const ifNoneMatch = c.ifNoneMatch === null ? [null] : matches(c.ifNoneMatch, weak);
  const ifRange = c.ifRange === null
    ? [true]
    : c.ifRange.holds === "either"
    ? [true, false]
    : [c.ifRange.holds];
  for (const im of ifMatch) {
    for (const inm of ifNoneMatch) {
      for (const ir of ifRange) out.add(decide(c, im, inm, ir));
    }
  }
  return out;
}

function decide(c: Case, ifMatch: boolean | null, anyNoneMatch: boolean | null, ir: boolean) {
  // 1. If-Match false → 412.
  if (ifMatch === false) return 412;
  // 2. Without If-Match, a valid If-Unmodified-Since older than the file → 412.
  const ius = c.ifUnmodifiedSince?.seconds ?? null;
  if (ifMatch === null && ius !== null && LAST_MODIFIED > ius) return 412;
  // 3. If-None-Match false (a tag matched) → 304 for GET and HEAD.
  if (anyNoneMatch === true) return 304;
  // 4. Without If-None-Match, a valid If-Modified-Since not older than the file → 304.
  const ims = c.ifModifiedSince?.seconds ?? null;
  if (anyNoneMatch === null && ims !== null && LAST_MODIFIED <= ims) return 304;
  // 5. Range, unless an If-Range that does not hold (the handler answers
  //    HEAD as it would GET, 206 included).
  if (c.range !== null && (c.ifRange === null || ir)) return c.range.status;
  return 200;
}

const cases: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom("GET", "HEAD"),
  ifMatch: fc.option(tagField, { freq: 3 }),
  ifNoneMatch: fc.option(tagField, { freq: 2 }),
  ifModifiedSince: fc.option(dateField, { freq: 2 }),
  ifUnmodifiedSince: fc.option(dateField, { freq: 3 }),
  ifRange: fc.option(ifRange, { freq: 2 }),
  range: fc.option(range, { freq: 2 }),
});

function headersOf(c: Case): Headers {
  const headers = new Headers();
  if (c.ifMatch !== null) headers.set("if-match", c.ifMatch.text);
  if (c.ifNoneMatch !== null) headers.set("if-none-match", c.ifNoneMatch.text);
  if (c.ifModifiedSince !== null) headers.set("if-modified-since", c.ifModifiedSince.text);
  if (c.ifUnmodifiedSince !== null) headers.set("if-unmodified-since", c.ifUnmodifiedSince.text);
  if (c.ifRange !== null) headers.set("if-range", c.ifRange.text);
  if (c.range !== null) headers.set("range", c.range.text);
  return headers;
}

function label(c: Case): string {
  return JSON.stringify({ method: c.method, ...Object.fromEntries(headersOf(c)) });
}

// ---------------------------------------------------------------------------

test("evaluatePreconditions() and rangeAllowed() follow RFC 9110 §13.2.2 for any If-* combination", () => {
  const validators = { etag: ETAG, lastModified: LAST_MODIFIED };
  check(
    fc.property(cases, (c) => {
      const headers = headersOf(c);
      const outcome = evaluatePreconditions(c.method, headers, validators);
      let status: number = outcome === "proceed" ? 200 : outcome;
      if (outcome === "proceed" && c.range !== null && rangeAllowed(headers, validators)) {
        const result = parseRange(c.range.text, SIZE);
        status = result.kind === "ranges" ? 206 : result.kind === "unsatisfiable" ? 416 : 200;
      }
      const allowed = model(c);
      assert.ok(allowed.has(status), `${label(c)}: ${status}, expected ${[...allowed]}`);
    }),
    3000,
  );
});

test("createFileHandler() answers any If-* combination as RFC 9110 §13.2.2 orders it", async () => {
  const errors: unknown[] = [];
  const handler = createFileHandler({
    root: fixture.root,
    fs: await runtimeFileSystem(),
    onError: (error) => errors.push(error),
  });
  // Once read, hello.txt is answered from the cache unless the request has
  // Range, If-Match or If-Unmodified-Since: both paths are compared.
  const first = await handler(new Request("http://localhost/hello.txt"));
  assert.equal(first.headers.get("etag"), ETAG);
  assert.equal(first.headers.get("last-modified"), FILE_DATE);
  await first.body?.cancel();
  await check(
    fc.asyncProperty(cases, async (c) => {
      const response = await handler(
        new Request("http://localhost/hello.txt", { method: c.method, headers: headersOf(c) }),
      );
      const body = new Uint8Array(await response.arrayBuffer());
      const allowed = model(c);
      assert.ok(
        allowed.has(response.status),
        `${label(c)}: ${response.status}, expected ${[...allowed]}`,
      );
      assert.deepEqual(errors, []);
      if (response.status === 304) {
        assert.equal(body.length, 0);
        assert.equal(response.headers.get("etag"), ETAG);
      }
      if (response.status === 200 && c.method === "GET") {
        assert.equal(new TextDecoder().decode(body), "hello world\n");
      }
    }),
    500,
  );
});

test("evaluatePreconditions() and rangeAllowed() read 1 MiB fields in linear time", async () => {
  const validators = { etag: ETAG, lastModified: LAST_MODIFIED };
  // The dates are read only up to 64 characters; the tag lists in full.
  const units = ['"a",', 'W/"a", ', '"', "W/", ",", "*", "a"];
  for (const name of ["if-match", "if-none-match", "if-range"]) {
    await assertLinear(`${name} of 1 MiB`, (headers: Headers) => {
      evaluatePreconditions("GET", headers, validators);
      rangeAllowed(headers, validators);
    }, repeating(units).map((make) => (length: number) => new Headers({ [name]: make(length) })));
  }
});
