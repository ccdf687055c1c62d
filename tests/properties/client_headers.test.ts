// Properties of what the user agent reads from servers: WWW-Authenticate
// (RFC 9110 §11.6.1), Digest parameters (RFC 7616) and Location. Any value
// is read without a throw other than the client's named errors, in time
// linear in its length, and well-formed values read back as written.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Challenge, parseChallenges } from "../../src/client/challenge.ts";
import {
  digestAuthorization,
  type DigestInput,
  digestResponse,
  readDigestChallenge,
} from "../../src/client/digest.ts";
import { redirectHop } from "../../src/client/redirect.ts";
import { startRequest } from "../../src/client/hop_request.ts";
import { createClient } from "../../src/client/client.ts";
import { ClientError } from "../../src/client/errors.ts";
import { assertLinear, check, repeating, repeatTo, utf16String } from "../_helpers/properties.ts";

// ---------------------------------------------------------------------------
// WWW-Authenticate

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCXYZabcxyz";
const T68CHARS = "-._~+/0123456789ABCXYZabcxyz";
const tokenText = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 8 });
// qdtext and quoted-pair (RFC 9110 §5.6.4): tab, space, visible ASCII, obs-text.
const quotable = fc.string({
  unit: fc.constantFrom(...' \t!"#\\,;=/az09\u0080\u00e9\u00ff'),
  maxLength: 10,
});

interface Written {
  scheme: string;
  params: Array<[string, string]>;
  token68: string | null;
}

const written: fc.Arbitrary<Written> = fc.oneof(
  fc.record({
    scheme: fc.oneof(tokenText, fc.constantFrom("Basic", "Digest", "Bearer", "Newauth")),
    params: fc.uniqueArray(fc.tuple(tokenText, fc.oneof(tokenText, quotable)), {
      maxLength: 4,
      selector: ([name]) => name.toLowerCase(),
    }),
    token68: fc.constant(null),
  }),
  fc.record({
    scheme: tokenText,
    params: fc.constant<Array<[string, string]>>([]),
    token68: fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...T68CHARS), minLength: 1, maxLength: 12 }),
        fc.nat(2),
      )
      .map(([body, pad]) => body + "=".repeat(pad)),
  }),
);

interface Style {
  quoteTokens: boolean;
  escapeAll: boolean;
  bws: string;
  comma: string;
  schemeSpace: string;
}

const style: fc.Arbitrary<Style> = fc.record({
  quoteTokens: fc.boolean(),
  escapeAll: fc.boolean(),
  bws: fc.constantFrom("", "", " ", "\t"),
  comma: fc.constantFrom(",", ", ", " , ", ",\t", ", ,", ",,"),
  schemeSpace: fc.constantFrom(" ", " ", "  "),
});

function quote(value: string, escapeAll: boolean): string {
  return `"${value.replace(escapeAll ? /[^\t]/g : /["\\]/g, "\\$&")}"`;
}

/** A field value for `challenges`, written in one of the ways the grammar allows. */
function serialise(challenges: Written[], s: Style): string {
  return challenges.map((c) => {
    if (c.token68 !== null) return c.scheme + s.schemeSpace + c.token68;
    const params = c.params.map(([name, value]) => {
      const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value);
      const text = token && !s.quoteTokens ? value : quote(value, s.escapeAll);
      return name + s.bws + "=" + s.bws + text;
    });
    return params.length === 0 ? c.scheme : c.scheme + s.schemeSpace + params.join(s.comma);
  }).join(s.comma);
}

function plain(challenges: Challenge[]): Written[] {
  return challenges.map((c) => ({
    scheme: c.scheme,
    params: [...c.params],
    token68: c.token68,
  }));
}

test("parseChallenges() reads back any well-formed list of challenges", () => {
  check(
    fc.property(fc.array(written, { maxLength: 4 }), style, (challenges, s) => {
      const value = serialise(challenges, s);
      const expected = challenges.map((c) => ({
        ...c,
        params: c.params.map(([name, v]): [string, string] => [name.toLowerCase(), v]),
      }));
      assert.deepEqual(plain(parseChallenges(value)), expected, JSON.stringify(value));
    }),
    2000,
  );
});

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN68 = /^[-._~+/0-9A-Za-z]+=*$/;

function assertChallengeShape(challenges: Challenge[], label: string): void {
  for (const c of challenges) {
    assert.match(c.scheme, TOKEN, label);
    if (c.token68 !== null) {
      assert.match(c.token68, TOKEN68, label);
      assert.equal(c.params.size, 0, label);
    }
    for (const [name, value] of c.params) {
      assert.match(name, TOKEN, label);
      assert.equal(name, name.toLowerCase(), label);
      assert.equal(typeof value, "string", label);
    }
  }
}

// Fragments of challenges, to be put together in any order.
const FRAGMENTS = [
  "Basic",
  "Digest",
  " ",
  "  ",
  "\t",
  ",",
  "=",
  '"',
  "\\",
  '\\"',
  "realm",
  'realm="a, b"',
  "realm=",
  "nonce=1",
  "qop=auth",
  'qop="auth,auth-int"',
  "algorithm=SHA-256",
  "abc==",
  "=abc",
  "a b",
  "\u00e9",
  "\u0000",
];

const hostileField = fc.oneof(
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 60 }),
  utf16String(30),
);

test("parseChallenges() reads any string without a throw, into well-formed challenges", () => {
  check(
    fc.property(hostileField, (value) => {
      assertChallengeShape(parseChallenges(value), JSON.stringify(value));
    }),
    3000,
  );
});

test("parseChallenges() reads 1 MiB in linear time", async () => {
  await assertLinear("parseChallenges()", parseChallenges);
});

// ---------------------------------------------------------------------------
// Digest parameters

const ALGORITHMS = [
  "MD5",
  "md5",
  "MD5-sess",
  "SHA-256",
  "sha-256-SESS",
  "SHA-512-256",
  "SHA-512-256-sess",
  "SHA-1",
  "SHA-512",
  "",
  "MD5-sess-sess",
];
const QOPS = [
  "auth",
  "auth-int",
  "auth,auth-int",
  "auth-int, auth",
  " AUTH ",
  "auth-conf",
  "",
  ",",
  "auth,,",
  "token",
];

const digestField = fc
  .record({
    realm: fc.option(quotable),
    nonce: fc.option(quotable, { freq: 6 }),
    algorithm: fc.option(fc.constantFrom(...ALGORITHMS)),
    qop: fc.option(fc.constantFrom(...QOPS)),
    opaque: fc.option(quotable),
    domain: fc.option(
      fc.array(
        fc.constantFrom("/", "/a/", "http://a.test/b", "http://other.test/", "x y", "%zz", "//h/"),
        {
          maxLength: 4,
        },
      ).map((uris) => uris.join(" ")),
    ),
    stale: fc.option(fc.constantFrom("true", "TRUE", "false", "yes")),
    userhash: fc.option(fc.constantFrom("true", "false", "1")),
  })
  .map((params) =>
    "Digest " +
    Object.entries(params)
      .filter(([, value]) => value !== null)
      .map(([name, value]) => `${name}=${quote(value!, false)}`)
      .join(", ")
  );

test("readDigestChallenge() reads any Digest challenge into a usable one or null", () => {
  const NAMES = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"];
  check(
    fc.property(fc.oneof(digestField, hostileField.map((v) => "Digest " + v)), (value) => {
      for (const challenge of parseChallenges(value)) {
        const digest = readDigestChallenge(challenge);
        if (digest === null) continue;
        const { params } = challenge;
        assert.ok(NAMES.includes(digest.algorithm), digest.algorithm);
        assert.equal(digest.nonce, params.get("nonce"));
        assert.equal(digest.realm, params.get("realm") ?? "");
        assert.ok(digest.qop === null || digest.qop === "auth" || digest.qop === "auth-int");
        // RFC 7616 §3.4: a -sess A1 needs the cnonce, sent only with a qop.
        if (digest.algorithm.endsWith("-sess")) assert.notEqual(digest.qop, null);
        if (params.has("qop")) assert.notEqual(digest.qop, null);
        assert.ok(digest.domain.length <= 100);
        for (const uri of digest.domain) assert.ok(uri !== "" && !/[ \t]/.test(uri));
      }
    }),
    2000,
  );
});

const username = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  utf16String(6),
  fc.constantFrom("Mufasa", "J\u00e4s\u00f8n Doe", 'a"b\\c', "it's (me)*", "a,b=c"),
);

const digestInput: fc.Arbitrary<DigestInput> = fc.record({
  algorithm: fc.constantFrom(
    "MD5",
    "MD5-sess",
    "SHA-256",
    "SHA-256-sess",
    "SHA-512-256",
    "SHA-512-256-sess",
  ),
  username,
  password: fc.string({ unit: "grapheme", maxLength: 8 }),
  realm: quotable,
  nonce: quotable,
  qop: fc.constantFrom("auth", "auth-int", null),
  cnonce: fc.stringMatching(/^[0-9a-f]{32}$/),
  nc: fc.integer({ min: 1, max: 0xffffffff }),
  method: fc.constantFrom("GET", "POST", "PUT"),
  uri: fc.webPath().map((p) => "/" + p.replace(/^\/+/, "")),
  body: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
  opaque: fc.option(quotable),
  userhash: fc.boolean(),
});

test("digestAuthorization() writes fields that read back as the values given", () => {
  check(
    fc.property(digestInput, (input) => {
      const value = digestAuthorization(input);
      // The credentials use the same grammar as a challenge (RFC 9110 §11.4).
      const [credentials, ...more] = parseChallenges(value);
      assert.equal(more.length, 0, value);
      assert.equal(credentials.scheme, "Digest");
      const params = credentials.params;
      assert.equal(params.get("realm"), input.realm);
      assert.equal(params.get("nonce"), input.nonce);
      assert.equal(params.get("uri"), input.uri);
      assert.equal(params.get("algorithm"), input.algorithm);
      assert.equal(params.get("opaque"), input.opaque ?? undefined);
      assert.equal(params.get("response"), digestResponse(input));
      assert.equal(params.get("qop"), input.qop ?? undefined);
      assert.equal(params.has("nc"), input.qop !== null);
      if (!input.userhash) {
        // username, or username* in the RFC 8187 encoding.
        const extended = params.get("username*");
        const name = extended === undefined
          ? params.get("username")
          : decodeURIComponent(extended.replace(/^UTF-8''/, ""));
        assert.equal(name, input.username.toWellFormed());
      }
      // It can be sent.
      new Headers({ authorization: value });
    }),
    1000,
  );
});

// ---------------------------------------------------------------------------
// Location

const LOCATION_PARTS = [
  "http://",
  "https://",
  "HTTP://",
  "//",
  "/",
  "\\",
  "javascript:",
  "data:,x",
  "file:///etc/passwd",
  "ftp://h/",
  "mailto:x@y",
  "blob:http://a.test/x",
  "about:blank",
  "user:pw@",
  "b.test",
  "a.test",
  "[::1]",
  "[::1",
  "0x7f.1",
  "999.999.999.999",
  ":99999",
  ":-1",
  ":80",
  "%",
  "%zz",
  "%2e%2e",
  "..",
  "../../..",
  "?q=1",
  "#frag",
  " ",
  "\t",
  "\u00e9",
  "\u00ff",
  "xn--",
  "@",
  ":",
  "a b",
];

const location = fc.oneof(
  fc.array(fc.constantFrom(...LOCATION_PARTS), { maxLength: 6 }).map((parts) => parts.join("")),
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.string({ unit: "binary", maxLength: 30 }),
);

// What a header can carry: no NUL, CR or LF, and only Latin-1.
const asHeader = (value: string) => value.replace(/[\0\r\n]|[^\0-\u00ff]/g, "");

function redirectTo(value: string, status = 302) {
  const { hop } = startRequest("http://a.test/dir/page?x=1#top", {
    headers: { authorization: "Basic YTpi", cookie: "c=1" },
  });
  const response = new Response(null, { status, headers: { location: value } });
  return redirectHop(hop, response, {
    mode: "follow",
    left: 5,
    limit: 5,
    strip: [],
    error: () => ({ url: hop.url.href, chain: [] }),
  });
}

test("redirectHop() follows any Location to http(s) or throws a named ClientError", () => {
  check(
    fc.property(
      location.map(asHeader),
      fc.constantFrom(301, 302, 303, 307, 308),
      (value, status) => {
        let next;
        try {
          next = redirectTo(value, status);
        } catch (error) {
          assert.ok(error instanceof ClientError, `${JSON.stringify(value)}: ${error}`);
          assert.ok(
            ["InvalidLocationError", "ForbiddenSchemeError"].includes(error.name),
            error.name,
          );
          return;
        }
        assert.ok(next !== null);
        assert.ok(next.url.protocol === "http:" || next.url.protocol === "https:", next.url.href);
        assert.equal(next.url.username + next.url.password, "");
        if (next.url.origin !== "http://a.test") {
          assert.equal(next.headers.get("authorization"), null);
          assert.equal(next.headers.get("cookie"), null);
        }
      },
    ),
    3000,
  );
});

test("redirectHop() reads a 1 MiB Location in linear time", async () => {
  await assertLinear(
    "redirectHop()",
    (value: string) => {
      try {
        redirectTo(value);
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
      }
    },
    repeating(["a", "%", "%2e%2e/", "../", "\\", "é", "@"]).map((make) => (n: number) =>
      "/" + make(n)
    ),
  );
});

// ---------------------------------------------------------------------------
// Through the whole user agent

type Answer = { status: number; headers: Record<string, string> };

/** A client over a stand-in server that gives `first`, then 200 to everything. */
function clientAnswering(first: Answer, credentials = { username: "ada", password: "pw" }) {
  const seen: Headers[] = [];
  const server = (_input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Headers(init?.headers));
    const answer = seen.length === 1 ? first : { status: 200, headers: {} };
    return Promise.resolve(new Response("x", answer));
  };
  const client = createClient({
    fetch: server,
    credentials: { origin: "http://a.test", ...credentials },
  });
  return { client, seen };
}

async function settle(promise: Promise<Response>, label: string): Promise<Response | null> {
  try {
    const response = await promise;
    await response.body?.cancel();
    return response;
  } catch (error) {
    assert.ok(error instanceof ClientError, `${label}: ${error}`);
    return null;
  }
}

test("createClient() answers any challenge or redirect, or rejects with a ClientError", async () => {
  const challenge = fc.oneof(
    fc.tuple(fc.array(written, { maxLength: 3 }), style).map(([c, s]) => serialise(c, s)),
    digestField,
    hostileField,
  ).map(asHeader);
  const answer = fc.oneof(
    challenge.map((value) => ({ status: 401, headers: { "www-authenticate": value } })),
    fc.tuple(location.map(asHeader), fc.constantFrom(301, 302, 303, 307, 308)).map((
      [value, status],
    ) => ({ status, headers: { location: value } })),
  );
  await check(
    fc.asyncProperty(answer, username.filter((u) => !u.includes(":")), async (first, user) => {
      const { client, seen } = clientAnswering(first, { username: user, password: "pw" });
      const label = JSON.stringify(first);
      const response = await settle(client("http://a.test/dir/page"), label);
      if (response === null) return;
      assert.ok([200, 401].includes(response.status) || first.status !== 401, label);
      const sent = seen.at(-1)!.get("authorization");
      if (sent !== null) assertChallengeShape(parseChallenges(sent), `${label}: ${sent}`);
    }),
    1000,
  );
});

test("createClient() reads a 1 MiB challenge in linear time", async () => {
  const shapes = [
    (length: number) => 'Digest realm="r", nonce="n", qop="' + repeatTo("auth,", length) + '"',
    (length: number) => 'Digest realm="r", nonce="n", domain="' + repeatTo("/a ", length) + '"',
    (length: number) => 'Basic realm="' + repeatTo('\\"', length) + '"',
    (length: number) => repeatTo('Digest realm="r", nonce="n", ', length),
  ];
  await assertLinear(
    "createClient() answering a challenge",
    async (header: string) => {
      const { client } = clientAnswering({ status: 401, headers: { "www-authenticate": header } });
      await settle(client("http://a.test/a"), "");
    },
    shapes,
  );
});

test("createClient() keeps a space whose domain lists 1 MiB of paths in linear time", async () => {
  // Two calls to the same realm: the second space is merged with the first.
  await assertLinear(
    "createClient() remembering a space",
    async (header: string) => {
      let sent = 0;
      const server = (_input: string | URL | Request, init?: RequestInit) => {
        sent++;
        const authorized = new Headers(init?.headers).has("authorization");
        const headers = { "www-authenticate": header };
        return Promise.resolve(
          authorized ? new Response("in") : new Response(null, { status: 401, headers }),
        );
      };
      const client = createClient({
        fetch: server,
        credentials: { origin: "http://a.test", username: "u", password: "p" },
      });
      for (const path of ["/x/1", "/y/2"]) {
        const response = await client("http://a.test" + path);
        assert.equal(response.status, 200);
        await response.body?.cancel();
      }
      assert.equal(sent, 4);
    },
    [(length: number) => {
      const paths: string[] = [];
      for (let i = 0, size = 0; size < length; i++) {
        paths.push(`/p${i}/`);
        size += paths[i].length + 1;
      }
      return `Digest realm="r", nonce="n", qop="auth", domain="${paths.join(" ")}"`;
    }],
  );
});
