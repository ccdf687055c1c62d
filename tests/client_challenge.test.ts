import { test } from "node:test";
import assert from "node:assert/strict";
import { type Challenge, parseChallenges } from "../src/client/challenge.ts";
import { chooseChallenge } from "../src/client/authenticate.ts";

// A plain view of the parse, for deepEqual.
function plain(value: string) {
  return parseChallenges(value).map((c: Challenge) => ({
    scheme: c.scheme,
    params: Object.fromEntries(c.params),
    token68: c.token68,
  }));
}

test("parseChallenges() reads one Basic challenge", () => {
  assert.deepEqual(plain('Basic realm="simple"'), [
    { scheme: "Basic", params: { realm: "simple" }, token68: null },
  ]);
});

test("parseChallenges() reads several challenges in one field (RFC 9110 §11.6.1)", () => {
  assert.deepEqual(
    plain('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'),
    [
      {
        scheme: "Newauth",
        params: { realm: "apps", type: "1", title: 'Login to "apps"' },
        token68: null,
      },
      { scheme: "Basic", params: { realm: "simple" }, token68: null },
    ],
  );
});

test("parseChallenges() reads several fields joined by Headers", () => {
  const headers = new Headers();
  headers.append("www-authenticate", 'Basic realm="a"');
  headers.append("www-authenticate", 'Digest realm="b", nonce="n", qop="auth,auth-int"');
  headers.append("www-authenticate", "Bearer");
  const parsed = plain(headers.get("www-authenticate")!);
  assert.deepEqual(parsed.map((c) => c.scheme), ["Basic", "Digest", "Bearer"]);
  assert.deepEqual(parsed[1].params, { realm: "b", nonce: "n", qop: "auth,auth-int" });
});

test("parseChallenges() keeps commas, escaped quotes and backslashes inside quoted strings", () => {
  const [challenge] = plain('Digest realm="a, b=c, Basic x", nonce="q\\"\\\\\\z", opaque=""');
  assert.deepEqual(challenge.params, { realm: "a, b=c, Basic x", nonce: 'q"\\z', opaque: "" });
});

test("parseChallenges() reads token68 and tells it from a parameter", () => {
  assert.deepEqual(plain("Negotiate YIIB/w+a==, NTLM, Bearer abc=, Basic realm=x"), [
    { scheme: "Negotiate", params: {}, token68: "YIIB/w+a==" },
    { scheme: "NTLM", params: {}, token68: null },
    { scheme: "Bearer", params: {}, token68: "abc=" },
    { scheme: "Basic", params: { realm: "x" }, token68: null },
  ]);
});

test("parseChallenges() finds known schemes next to unknown ones", () => {
  const parsed = plain('Foo bar=baz, qux="a,b", Basic realm=r, Mutual, Digest nonce=1, realm=d');
  assert.deepEqual(parsed.map((c) => c.scheme), ["Foo", "Basic", "Mutual", "Digest"]);
  assert.deepEqual(parsed[0].params, { bar: "baz", qux: "a,b" });
  assert.deepEqual(parsed[3].params, { nonce: "1", realm: "d" });
});

test("parseChallenges() lowercases parameter names and keeps the scheme's spelling", () => {
  const [challenge] = plain('dIgEsT REALM="R", Nonce=abc');
  assert.equal(challenge.scheme, "dIgEsT");
  assert.deepEqual(challenge.params, { realm: "R", nonce: "abc" });
});

test("parseChallenges() allows whitespace around = and empty list elements", () => {
  assert.deepEqual(plain(' , ,Basic  realm = "x" ,\t, Digest\trealm=y ,,'), [
    { scheme: "Basic", params: { realm: "x" }, token68: null },
    { scheme: "Digest", params: { realm: "y" }, token68: null },
  ]);
  assert.deepEqual(plain(""), []);
  assert.deepEqual(plain(" ,, , "), []);
});

test("parseChallenges() keeps the first of a repeated parameter", () => {
  const [challenge] = plain('Basic realm="first", realm="second"');
  assert.equal(challenge.params.realm, "first");
});

test("parseChallenges() skips broken elements and keeps the challenges around them", () => {
  assert.deepEqual(plain('Basic realm="a" junk, Digest realm=b, nonce=, x=="y", Bearer'), [
    { scheme: "Basic", params: {}, token68: null },
    { scheme: "Digest", params: { realm: "b" }, token68: null },
    { scheme: "Bearer", params: {}, token68: null },
  ]);
  // A scheme glued to garbage is no challenge, and its parameters belong to nobody.
  assert.deepEqual(plain('Basic"x", realm=y, Digest realm=z').map((c) => c.scheme), ["Digest"]);
});

test("parseChallenges() drops a parameter whose quoted string never closes", () => {
  assert.deepEqual(plain('Basic realm="a", Digest realm="never closed, Basic realm=z'), [
    { scheme: "Basic", params: { realm: "a" }, token68: null },
    { scheme: "Digest", params: {}, token68: null },
  ]);
  assert.deepEqual(plain('Basic realm="ends in a backslash\\'), [
    { scheme: "Basic", params: {}, token68: null },
  ]);
});

test("parseChallenges() ignores parameters after a token68", () => {
  assert.deepEqual(plain("Negotiate abc==, realm=x"), [
    { scheme: "Negotiate", params: {}, token68: "abc==" },
  ]);
});

// Each input is about a megabyte; a backtracking or quadratic parser takes
// minutes on any of them, a linear one milliseconds.
const HOSTILE: Array<[string, string]> = [
  ["unbalanced quotes", '"'.repeat(1 << 20)],
  ["escapes in an open quote", 'Basic realm="' + "\\\\\\".repeat(1 << 18)],
  ["commas", ",".repeat(1 << 20)],
  ["spaces after a scheme", "Basic" + " ".repeat(1 << 20) + "x y"],
  ["tokens without =", "a b ".repeat(1 << 18)],
  ["equals signs", "Basic " + "=".repeat(1 << 20)],
  ["params without values", "Basic " + "a=, ".repeat(1 << 18)],
  ["token68 almost ending", "Negotiate " + "a".repeat(1 << 20) + "=b"],
  ["many challenges", 'Digest realm="r", nonce=n, '.repeat(1 << 15)],
  ["nested quotes", 'x="\\"'.repeat(1 << 18)],
];

for (const [name, value] of HOSTILE) {
  test(`parseChallenges() runs in linear time on hostile input: ${name}`, () => {
    const start = performance.now();
    const parsed = parseChallenges(value);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2_000, `${Math.round(elapsed)} ms for ${value.length} characters`);
    assert.ok(parsed.length <= value.length);
  });
}

test("parseChallenges() returns every one of many challenges", () => {
  const parsed = parseChallenges('Digest realm="r", nonce=n, '.repeat(1 << 15));
  assert.equal(parsed.length, 1 << 15);
  assert.equal(parsed.at(-1)?.params.get("nonce"), "n");
});

test("chooseChallenge() prefers Digest SHA-512-256, then SHA-256, then MD5, then Basic", () => {
  const pick = (value: string) => {
    const chosen = chooseChallenge(parseChallenges(value));
    return chosen === null ? null : chosen.digest?.algorithm ?? chosen.scheme;
  };
  const basic = 'Basic realm="r"';
  const md5 = 'Digest realm="r", nonce="1", qop=auth';
  const sha256 = 'Digest realm="r", nonce="2", qop=auth, algorithm=SHA-256';
  const sha512 = 'Digest realm="r", nonce="3", qop=auth, algorithm=SHA-512-256-sess';
  assert.equal(pick([basic, md5, sha256, sha512].join(", ")), "SHA-512-256-sess");
  assert.equal(pick([basic, md5, sha256].join(", ")), "SHA-256");
  assert.equal(pick([sha256, md5].join(", ")), "SHA-256");
  assert.equal(pick([basic, md5].join(", ")), "MD5");
  assert.equal(pick(basic), "Basic");
});

test("chooseChallenge() skips challenges it cannot answer", () => {
  const pick = (value: string) => chooseChallenge(parseChallenges(value))?.scheme ?? null;
  assert.equal(pick('Bearer realm="api", Negotiate, NTLM'), null);
  assert.equal(pick('Digest realm="r", nonce="1", algorithm=SHA3-256, Basic realm="r"'), "Basic");
  assert.equal(pick('Digest realm="r", nonce="1", qop="auth-conf"'), null);
  assert.equal(pick('Digest realm="r"'), null);
  assert.equal(pick("Basic dG9rZW4="), null);
});
