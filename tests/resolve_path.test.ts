import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePath, isRefused, resolvePath } from "../src/core/resolve_path.ts";

function status(pathname: string, urlRoot = ""): number | string[] {
  const result = resolvePath(pathname, urlRoot);
  return isRefused(result) ? result.status : result.segments;
}

test("resolvePath() decodes each segment once", () => {
  assert.deepEqual(status("/a%20b/%C3%BC.txt"), ["a b", "ü.txt"]);
  // %2541 decodes to the literal "%41", not to "A".
  assert.deepEqual(status("/%2541"), ["%41"]);
});

test("resolvePath() answers 400 to malformed percent-encoding", () => {
  assert.equal(status("/a%zz"), 400);
  assert.equal(status("/a%"), 400);
  assert.equal(status("/%C3"), 400);
});

test("resolvePath() answers 400 to an encoded slash inside a segment", () => {
  assert.equal(status("/a%2fb"), 400);
  assert.equal(status("/a%2Fb"), 400);
});

test("resolvePath() answers 400 to a backslash, raw or encoded", () => {
  assert.equal(status("/a\\b"), 400);
  assert.equal(status("/a%5cb"), 400);
  assert.equal(status("/..%5c..%5cetc"), 400);
});

test("resolvePath() answers 400 to NUL", () => {
  assert.equal(status("/a%00.txt"), 400);
});

test("resolvePath() rejects encoded dot-dot (%2e%2e)", () => {
  assert.equal(status("/%2e%2e/etc/passwd"), 400);
  assert.equal(status("/a/%2E%2E/%2e%2e/x"), 400);
  assert.equal(status("/a/../b"), 400);
});

test("resolvePath() drops single-dot and empty segments", () => {
  assert.deepEqual(status("/./a//b/%2e/"), ["a", "b"]);
  assert.equal((resolvePath("/a//", "") as { trailingSlash: boolean }).trailingSlash, true);
});

test("resolvePath() keeps the request within urlRoot at a segment boundary", () => {
  assert.deepEqual(status("/static/a.txt", "/static"), ["a.txt"]);
  assert.deepEqual(status("/static", "/static"), []);
  assert.equal(status("/staticx/a.txt", "/static"), 404);
  assert.equal(status("/a.txt", "/static"), 404);
});

// Found by tests/properties/paths.test.ts: the option is stored encoded
// ("/a:b" as "/a%3Ab", "," as "%2C") but the URL parser leaves ":@$&+,;="
// raw, so the prefix never matched what a client sends.
test("resolvePath() matches urlRoot segments however they are percent-encoded", () => {
  assert.deepEqual(status("/,", "/%2C"), []);
  assert.deepEqual(status("/a:b/c.txt", "/a%3Ab"), ["c.txt"]);
  assert.deepEqual(status("/a%3Ab/c.txt", "/a%3Ab"), ["c.txt"]);
  assert.deepEqual(status("/st%61tic/c.txt", "/static"), ["c.txt"]);
  assert.equal(status("/a:bc/c.txt", "/a%3Ab"), 404);
  assert.equal(status("/a%zz/c.txt", "/a%3Ab"), 404);
  assert.equal(status("//static/c.txt", "/static"), 404);
});

test("resolvePath() refuses a pathname that is not absolute", () => {
  assert.equal(status("a.txt"), 400);
  assert.equal(status("*"), 400);
});

test("encodePath() never produces a protocol-relative path", () => {
  assert.equal(encodePath(["evil.example", "x"], ""), "/evil.example/x");
  assert.equal(encodePath(["a/b"], ""), "/a%2Fb");
  assert.ok(!encodePath(["", "evil.example"].filter(Boolean), "").startsWith("//"));
});
