// Properties of Accept negotiation for directory listings: JSON exactly
// when the client weighs application/json above text/html (RFC 9110
// §12.5.1), plain text when it weighs text/plain above both, never a
// throw, and linear time on long fields.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { prefersJson } from "../../src/core/listing.ts";
import { createFileHandler } from "../../src/core/handler.ts";
import { buildFixture, runtimeFileSystem } from "../_helpers/fixture.ts";
import { assertLinear, check } from "../_helpers/properties.ts";

const fixture = buildFixture();
after(() => fixture.remove());

interface Range {
  type: string;
  subtype: string;
  /** Parameters other than the weight, as name=value, lowercase names. */
  params: string[];
  /** The weight as sent, or null for none (which means 1). */
  q: string | null;
}

const RANGES = [
  "application/json",
  "text/html",
  "application/*",
  "text/*",
  "*/*",
  "text/plain",
  "application/xml",
  "image/png",
  "application/problem+json",
];

// qvalue (RFC 9110 §12.4.2): "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ].
const qvalue = fc.oneof(
  fc.constantFrom("0", "0.", "0.5", "0.25", "0.001", "0.999", "1", "1.", "1.0", "1.000"),
  fc.tuple(fc.nat(999), fc.nat({ max: 2 })).map(([n, pad]) =>
    "0." + String(n).padStart(3, "0").slice(0, 3 - pad)
  ),
);

const range: fc.Arbitrary<Range> = fc
  .tuple(
    fc.constantFrom(...RANGES),
    // The listings are sent with charset=utf-8, which a range may name.
    fc.constantFrom<string[]>([], [], [], ["charset=utf-8"]),
    fc.option(qvalue, { freq: 2 }),
  )
  .map(([name, params, q]) => {
    const [type, subtype] = name.split("/");
    return { type, subtype, params: type.includes("*") ? [] : params, q };
  });

function rangeText(r: Range, variant: { upper: boolean; space: string; qName: string }): string {
  let name = `${r.type}/${r.subtype}`;
  if (variant.upper) name = name.toUpperCase();
  const params = r.params.map((p) => `${variant.space};${variant.space}${p}`).join("");
  const weight = r.q === null ? "" : `${variant.space};${variant.space}${variant.qName}=${r.q}`;
  return name + params + weight;
}

type Element = { text: string; range: Range | null };

// Elements that are no media range at all: they apply to nothing.
const junk = fc.constantFrom(
  "",
  "garbage",
  "text",
  "json",
  "*",
  "*/html",
  "text/html garbage",
  "application /json",
  ";q=1",
  "/",
).map((text): Element => ({ text, range: null }));

const element: fc.Arbitrary<Element> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        range,
        fc.record({
          upper: fc.boolean(),
          space: fc.constantFrom("", "", " "),
          qName: fc.constantFrom("q", "q", "Q"),
        }),
      )
      .map(([r, variant]): Element => ({ text: rangeText(r, variant), range: r })),
  },
  { weight: 1, arbitrary: junk },
);

/**
 * An Accept value that names each type once (a type named twice, as
 * `text/html` and `text/html;charset=utf-8`, is covered by a plain test in
 * tests/handler_basics.test.ts).
 */
const accept = fc
  .uniqueArray(element, {
    maxLength: 6,
    selector: (e) => e.range === null ? e.text : `${e.range.type}/${e.range.subtype}`.toLowerCase(),
  })
  .chain((elements) => fc.tuple(fc.constant(elements), fc.constantFrom(",", ", ", " ,", ",\t")))
  .map(([elements, comma]) => ({
    text: elements.map((e) => e.text).join(comma),
    ranges: elements.flatMap((e) => (e.range === null ? [] : [e.range])),
  }));

/**
 * The weight RFC 9110 §12.5.1 gives `type/subtype; charset=utf-8`: that of
 * the most specific range that applies (one with parameters the
 * representation has, then the exact type, then type/*, then *\/*), or 0.
 */
function weight(ranges: Range[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const t = r.type.toLowerCase();
    const s = r.subtype.toLowerCase();
    let specificity: number;
    if (t === type && s === subtype) specificity = r.params.length > 0 ? 3 : 2;
    else if (t === type && s === "*") specificity = 1;
    else if (t === "*" && s === "*") specificity = 0;
    else continue;
    if (specificity > best) {
      best = specificity;
      q = r.q === null ? 1 : Number(r.q);
    }
  }
  return q;
}

function modelPrefersJson(ranges: Range[]): boolean {
  return weight(ranges, "application", "json") > weight(ranges, "text", "html");
}

/** The listing's form: the heaviest of HTML, JSON, plain text; ties in that order. */
function modelFormat(ranges: Range[]): "html" | "json" | "text" {
  const html = weight(ranges, "text", "html");
  const json = weight(ranges, "application", "json");
  const text = weight(ranges, "text", "plain");
  if (html >= json && html >= text) return "html";
  return json >= text ? "json" : "text";
}

const LISTING_TYPES = {
  html: "text/html; charset=utf-8",
  json: "application/json; charset=utf-8",
  text: "text/plain; charset=utf-8",
};

test("prefersJson() picks JSON exactly when RFC 9110 §12.5.1 weighs it above HTML", () => {
  check(
    fc.property(accept, ({ text, ranges }) => {
      assert.equal(prefersJson(text), modelPrefersJson(ranges), JSON.stringify(text));
    }),
    3000,
  );
});

test("prefersJson() never throws on any string, and reads 1 MiB in linear time", async () => {
  check(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
      assert.equal(typeof prefersJson(text), "boolean");
    }),
    1000,
  );
  await assertLinear("prefersJson()", prefersJson);
});

test("createFileHandler() lists a folder as JSON or plain text exactly when the client prefers it", async () => {
  const errors: unknown[] = [];
  const handler = createFileHandler({
    root: fixture.root,
    fs: await runtimeFileSystem(),
    listing: true,
    onError: (error) => errors.push(error),
  });
  await check(
    fc.asyncProperty(accept, async ({ text, ranges }) => {
      const response = await handler(
        new Request("http://localhost/docs/", { headers: { accept: text } }),
      );
      const body = await response.text();
      assert.equal(response.status, 200);
      assert.deepEqual(errors, []);
      assert.equal(response.headers.get("vary"), "Accept");
      const format = modelFormat(ranges);
      assert.equal(
        response.headers.get("content-type"),
        LISTING_TYPES[format],
        JSON.stringify(text),
      );
      if (format === "json") assert.ok(Array.isArray(JSON.parse(body).entries));
    }),
    200,
  );
});
