// Properties of the cache policy: the glob matcher agrees with a plain
// reference and stays linear on hostile input; the fingerprint rule takes
// no generated ordinary name for a hash, finds long hex and base32 hashes
// always, and most of Rollup's base64url ones.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compileGlob, matchGlob } from "../../src/core/glob.ts";
import { isFingerprinted } from "../../src/core/fingerprint.ts";
import { assertLinear, check, SEED } from "../_helpers/properties.ts";

// A reference matcher built the obvious way (a regular expression), fine
// for the short inputs generated here.
function reference(glob: string, path: string): boolean {
  const body = glob.startsWith("/") ? glob.slice(1) : glob;
  // Each segment brings its own leading "/", matched against "/" + path;
  // `**` is any number of whole segments, none included.
  const source = body.split("/").map((segment) =>
    segment === "**" ? "(?:/[^/]*)*" : "/" + segment
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]")
  ).join("");
  return new RegExp(`^${source}$`).test("/" + path);
}

const segmentText = fc.string({
  unit: fc.constantFrom("a", "b", ".", "-"),
  minLength: 1,
  maxLength: 4,
});
const globSegment = fc.oneof(
  fc.constant("**"),
  fc.string({ unit: fc.constantFrom("a", "b", ".", "*", "?"), minLength: 1, maxLength: 4 })
    .filter((s) => !s.includes("**")),
);

test("matchGlob() agrees with a regular-expression reference", () => {
  check(
    fc.property(
      fc.array(globSegment, { minLength: 1, maxLength: 4 }),
      fc.array(segmentText, { minLength: 1, maxLength: 5 }),
      (globParts, pathParts) => {
        const glob = globParts.join("/");
        const path = pathParts.join("/");
        assert.equal(
          matchGlob(compileGlob(glob), path),
          reference(glob, path),
          `${glob} ~ ${path}`,
        );
      },
    ),
    2000,
  );
});

test("matchGlob() is linear in the path on globs that make backtracking matchers slow", async () => {
  const globs = ["**/*a*a*a*a*b/**/*a*b", "**/**/**/**/x", "*a*a*a*a*a*a*b"].map(compileGlob);
  const makers = [
    (n: number) => "a/".repeat(n / 2),
    (n: number) => "a".repeat(n),
    (n: number) => "aa/".repeat(n / 3),
  ];
  await assertLinear(
    "matchGlob()",
    (path: string) => {
      for (const glob of globs) matchGlob(glob, path);
    },
    makers,
  );
});

const word = fc.constantFrom(
  "index",
  "main",
  "app",
  "vendor",
  "style",
  "report",
  "logo",
  "icon",
  "component",
  "Button",
  "ServiceWorker",
  "MyComponent",
  "jquery",
  "bootstrap",
  "react",
  "roboto",
  "Regular",
  "latin",
  "min",
  "bundle",
  "slim",
  "prod",
  "esm",
  "umd",
  "legacy",
);
const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`);
const date = fc.tuple(
  fc.integer({ min: 1990, max: 2099 }),
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 28 }),
).map(([y, m, d]) => [y, m, d].map((n) => String(n).padStart(2, "0")));
const piece = fc.oneof(
  { weight: 4, arbitrary: word },
  { weight: 1, arbitrary: version },
  { weight: 1, arbitrary: date.map((parts) => parts.join("-")) },
  { weight: 1, arbitrary: date.map((parts) => parts.join("")) },
  { weight: 1, arbitrary: fc.nat(9999).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(4096), fc.nat(4096)).map(([w, h]) => `${w}x${h}`) },
  { weight: 1, arbitrary: fc.nat(99).map((n) => `v${n}`) },
);
const extension = fc.constantFrom("js", "css", "html", "png", "woff2", "pdf", "json", "svg");
const ordinaryName = fc.tuple(
  fc.array(piece, { minLength: 1, maxLength: 4 }),
  fc.constantFrom("-", "_", "."),
  fc.array(fc.constantFrom("min", "slim", "prod", "bundle"), { maxLength: 2 }),
  extension,
).map(([pieces, sep, suffixes, ext]) => [pieces.join(sep), ...suffixes, ext].join("."));

test("isFingerprinted() takes no name made of words, versions, dates and sizes for a hash", () => {
  check(
    fc.property(ordinaryName, (name) => {
      assert.equal(isFingerprinted(name), false, name);
      assert.equal(isFingerprinted(`assets/${name}`), false, name);
    }),
    3000,
  );
});

function hashOf(alphabet: string, length: number) {
  return fc.array(fc.constantFrom(...alphabet), { minLength: length, maxLength: length })
    .map((chars) => chars.join(""));
}
const HEX = "0123456789abcdef";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const name = fc.constantFrom("index", "main", "app", "my-component", "vendor~main", "787");

test("isFingerprinted() finds every webpack and Next-length hex hash", () => {
  check(
    fc.property(name, hashOf(HEX, 16), extension, (base, hash, ext) => {
      fc.pre(/[0-9]/.test(hash) && /[a-f]/.test(hash));
      // 16 random hex digits alternate kinds more than twice but for a
      // vanishing few; those are let through by the precondition below.
      fc.pre(/[0-9][a-f].*[0-9]|[a-f][0-9].*[a-f]/.test(hash));
      assert.equal(isFingerprinted(`${base}.${hash}.${ext}`), true, `${base}.${hash}.${ext}`);
      assert.equal(isFingerprinted(`${base}-${hash}.${ext}`), true, `${base}-${hash}.${ext}`);
    }),
    1000,
  );
});

// Short random hashes sometimes look like nothing random (`ABCDEFGH`), and
// then are served as ordinary files: revalidated, never wrong. The share
// found is pinned so that a change to the rule that loses many is seen.
for (
  const [label, alphabet, separator, least] of [
    ["Rollup's 8-character base64url", BASE64URL, "-", 0.6],
    ["Astro's and SvelteKit's .[hash] base64url", BASE64URL, ".", 0.6],
    ["esbuild's 8-character base32", BASE32, "-", 0.65],
    ["Parcel's and CRA's 8-character hex", HEX, ".", 0.8],
  ] as const
) {
  test(`isFingerprinted() finds at least ${least * 100}% of ${label} hashes`, () => {
    const hashes = fc.sample(hashOf(alphabet, 8), { seed: SEED, numRuns: 2000 });
    const found = hashes.filter((hash) => isFingerprinted(`assets/index${separator}${hash}.js`));
    assert.ok(found.length / hashes.length >= least, `${found.length} of ${hashes.length}`);
  });
}
