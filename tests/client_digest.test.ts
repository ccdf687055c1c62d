import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basicAuthorization } from "../src/client/basic.ts";
import { parseChallenges } from "../src/client/challenge.ts";
import {
  digestAuthorization,
  type DigestInput,
  digestResponse,
  readDigestChallenge,
} from "../src/client/digest.ts";
import { authParams } from "./_helpers/client_digest.ts";

// RFC 7616 §3.9.1.
const RFC7616: DigestInput = {
  algorithm: "MD5",
  username: "Mufasa",
  password: "Circle of Life",
  realm: "http-auth@example.org",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
  opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
  qop: "auth",
  cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  nc: 1,
  method: "GET",
  uri: "/dir/index.html",
};

// RFC 7616 §3.9.2.
const JASON: DigestInput = {
  algorithm: "SHA-512-256",
  username: "J\u00e4s\u00f8n Doe",
  password: "Secret, or not?",
  realm: "api@example.org",
  nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
  opaque: "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
  qop: "auth",
  cnonce: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
  nc: 1,
  method: "GET",
  uri: "/doe.json",
};

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

test("digestAuthorization() matches RFC 7616 §3.9.1 with MD5", () => {
  assert.equal(
    digestAuthorization(RFC7616),
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ' +
      'algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
      'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
      'response="8ca523f5e9506fed4657c9700eebdbec", ' +
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
});

test("digestResponse() matches RFC 7616 §3.9.1 with SHA-256", () => {
  assert.equal(
    digestResponse({ ...RFC7616, algorithm: "SHA-256" }),
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
  );
});

test("digestResponse() matches RFC 2617 §3.5 with MD5", () => {
  const response = digestResponse({
    algorithm: "MD5",
    username: "Mufasa",
    password: "Circle Of Life",
    realm: "testrealm@host.com",
    nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    qop: "auth",
    cnonce: "0a4f113b",
    nc: 1,
    method: "GET",
    uri: "/dir/index.html",
  });
  assert.equal(response, "6629fae49393a05397450978507c4ef1");
});

// The figures printed in RFC 7616 §3.9.2 (username 488869…, response
// ae66e6…) were computed with SHA-512 cut to 256 bits, not with
// SHA-512/256 (FIPS 180-4 §5.3.6.2), whose initial values differ; the
// reported erratum gives the response below.
test("digestResponse() matches the erratum of RFC 7616 §3.9.2 with SHA-512-256", () => {
  assert.equal(
    digestResponse(JASON),
    "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5",
  );
  assert.notEqual(
    digestResponse(JASON),
    "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd",
  );
});

test("digestAuthorization() hashes the username when userhash is on (RFC 7616 §3.4.4)", () => {
  const params = authParams(digestAuthorization({ ...JASON, userhash: true }));
  const expected = createHash("sha512-256").update("J\u00e4s\u00f8n Doe:api@example.org")
    .digest("hex");
  assert.equal(params.get("username"), expected);
  assert.equal(params.get("userhash"), "true");
  assert.equal(params.get("response"), digestResponse(JASON));
});

test("digestAuthorization() sends a non-ASCII username as username* (RFC 7616 §3.4, RFC 8187)", () => {
  const value = digestAuthorization(JASON);
  assert.match(value, /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org"/);
  assert.doesNotMatch(value, /userhash/);
  const quoteless = digestAuthorization({ ...JASON, username: "it's (me)* \u00e9" });
  assert.match(quoteless, /username\*=UTF-8''it%27s%20%28me%29%2A%20%C3%A9,/);
});

// Found by tests/properties/client_headers.test.ts: encodeURIComponent()
// threw a URIError out of the client for a lone surrogate.
test("digestAuthorization() sends a lone surrogate in the username as U+FFFD", () => {
  const value = digestAuthorization({ ...JASON, username: "\ud800" });
  assert.match(value, /^Digest username\*=UTF-8''%EF%BF%BD, /);
  // The response was computed over the same UTF-8 bytes.
  const same = digestAuthorization({ ...JASON, username: "\ufffd" });
  assert.equal(authParams(value).get("response"), authParams(same).get("response"));
});

test("digestAuthorization() escapes quotes and backslashes in quoted values", () => {
  const value = digestAuthorization({ ...RFC7616, username: 'a"b\\c', realm: 'r"1' });
  assert.match(value, /username="a\\"b\\\\c", realm="r\\"1"/);
  const params = authParams(value);
  assert.equal(params.get("username"), 'a"b\\c');
  assert.equal(params.get("realm"), 'r"1');
});

test("digestResponse() computes the -sess A1 from the nonce and cnonce (RFC 7616 §3.4.2)", () => {
  const ha1 = md5(
    `${md5("Mufasa:http-auth@example.org:Circle of Life")}:${RFC7616.nonce}:${RFC7616.cnonce}`,
  );
  const ha2 = md5("GET:/dir/index.html");
  assert.equal(
    digestResponse({ ...RFC7616, algorithm: "MD5-sess" }),
    md5(`${ha1}:${RFC7616.nonce}:00000001:${RFC7616.cnonce}:auth:${ha2}`),
  );
  assert.notEqual(digestResponse({ ...RFC7616, algorithm: "MD5-sess" }), digestResponse(RFC7616));
});

test("digestResponse() hashes the body into A2 for qop=auth-int (RFC 7616 §3.4.3)", () => {
  const body = new TextEncoder().encode("x=1&y=\u00e9");
  const ha1 = md5("Mufasa:http-auth@example.org:Circle of Life");
  const ha2 = md5(`POST:/dir/index.html:${md5("x=1&y=\u00e9")}`);
  const input: DigestInput = { ...RFC7616, method: "POST", qop: "auth-int", body };
  assert.equal(
    digestResponse(input),
    md5(`${ha1}:${RFC7616.nonce}:00000001:${RFC7616.cnonce}:auth-int:${ha2}`),
  );
  const empty = digestResponse({ ...input, body: undefined });
  assert.equal(empty, digestResponse({ ...input, body: new Uint8Array() }));
});

test("digestAuthorization() without qop sends no nc, cnonce or qop (RFC 2069)", () => {
  const value = digestAuthorization({ ...RFC7616, qop: null });
  const params = authParams(value);
  assert.equal(params.has("nc") || params.has("cnonce") || params.has("qop"), false);
  const ha1 = md5("Mufasa:http-auth@example.org:Circle of Life");
  assert.equal(
    params.get("response"),
    md5(`${ha1}:${RFC7616.nonce}:${md5("GET:/dir/index.html")}`),
  );
});

test("digestAuthorization() counts nc in eight hex digits", () => {
  assert.match(digestAuthorization({ ...RFC7616, nc: 255 }), /nc=000000ff,/);
});

test("readDigestChallenge() reads the RFC 7616 §3.9.2 challenge", () => {
  const [challenge] = parseChallenges(
    'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, ' +
      'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", ' +
      'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true',
  );
  assert.deepEqual(readDigestChallenge(challenge), {
    algorithm: "SHA-512-256",
    realm: "api@example.org",
    nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
    opaque: "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
    qop: "auth",
    userhash: true,
    stale: false,
    domain: [],
  });
});

test("readDigestChallenge() picks auth over auth-int, reads stale and domain, refuses -sess without qop", () => {
  const read = (value: string) => readDigestChallenge(parseChallenges(value)[0]);
  assert.equal(read('Digest nonce=n, qop="auth-int, auth"')?.qop, "auth");
  assert.equal(read('Digest nonce=n, qop="auth-int"')?.qop, "auth-int");
  assert.equal(read("Digest nonce=n, qop=auth, algorithm=sha-256-SESS")?.algorithm, "SHA-256-sess");
  // A -sess A1 needs a cnonce, which only a qop brings.
  assert.equal(read("Digest nonce=n, algorithm=MD5-sess"), null);
  assert.equal(read("Digest nonce=n, stale=TRUE")?.stale, true);
  assert.deepEqual(read('Digest nonce=n, domain="/a  http://x.test/b"')?.domain, [
    "/a",
    "http://x.test/b",
  ]);
  assert.equal(read('Basic realm="r"'), null);
});

// Found by tests/properties/client_headers.test.ts: every URI of a 1 MiB
// domain was resolved and kept, which took over a second per challenge.
test("readDigestChallenge() keeps the first 100 domain URIs", () => {
  const uris = Array.from({ length: 1000 }, (_, i) => `/p${i}/`);
  const [challenge] = parseChallenges(`Digest nonce=n, domain="${uris.join(" ")}"`);
  assert.deepEqual(readDigestChallenge(challenge)?.domain, uris.slice(0, 100));
});

test("basicAuthorization() encodes UTF-8 and matches RFC 7617", () => {
  assert.equal(basicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  // RFC 7617 §2.1: "test" and "123£" in UTF-8.
  assert.equal(basicAuthorization("test", "123\u00a3"), "Basic dGVzdDoxMjPCow==");
  assert.throws(() => basicAuthorization("a:b", "c"), TypeError);
});
