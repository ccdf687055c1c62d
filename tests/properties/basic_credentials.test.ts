// Properties of the Basic credentials parser behind withBasicAuth(): any
// Authorization value gets 200 or 401, never a throw, and 200 only for the
// exact UTF-8 credentials of an account (RFC 7617).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { withBasicAuth } from "../../src/core/basic_auth.ts";
import { basicAuthorization } from "../../src/client/basic.ts";
import { assertLinear, check, repeatTo } from "../_helpers/properties.ts";

interface Account {
  username: string;
  password: string;
}

// Any text a person might use, in both normalisation forms, but no lone
// surrogates (TextEncoder would turn them into U+FFFD).
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom(
    "ü",
    "u\u0308",
    "päss wörd",
    "𝔘",
    "a:b",
    " ",
    "",
    "Aladdin",
    "open sesame",
    "\ufeffada",
  ),
);
const account: fc.Arbitrary<Account> = fc.record({
  username: text.filter((s) => !s.includes(":")),
  password: text,
});

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** An Authorization value and whether it must (true), may ("either") or must not get in. */
type Attempt = { value: string; admits: boolean | "either" };

function attempts(accounts: Account[]): fc.Arbitrary<Attempt> {
  const someone = fc.constantFrom(...accounts);
  const scheme = fc.constantFrom("Basic", "basic", "BASIC", "bAsIc");
  const spaces = fc.constantFrom(" ", " ", "  ", "   ");
  const right = someone.map((a) => base64(utf8(`${a.username}:${a.password}`)));
  // The server compares user-id ":" password as a whole.
  const admits = (credentials: string) =>
    accounts.some((a) => `${a.username}:${a.password}` === credentials);
  return fc.oneof(
    // RFC 7617 §2: "Basic" (any case), 1*SP, base64 of user-id ":" password.
    fc.tuple(scheme, spaces, right).map(([s, sp, t]) => ({ value: s + sp + t, admits: true })),
    someone.map((a) => ({ value: basicAuthorization(a.username, a.password), admits: true })),
    // Without its padding: not RFC 4648 §4 base64, but harmless to accept.
    // (Mapped, not filtered: a filter no value passes never ends.)
    right.map((t) => ({
      value: "Basic " + t.replace(/=+$/, ""),
      admits: t.endsWith("=") ? "either" as const : true,
    })),
    // Someone else's password, a name with a colon, several colons.
    fc.tuple(someone, text).map(([a, password]) => ({
      value: "Basic " + base64(utf8(`${a.username}:${password}`)),
      admits: admits(`${a.username}:${password}`),
    })),
    fc.tuple(text, text).map(([user, password]) => ({
      value: "Basic " + base64(utf8(`${user}:${password}`)),
      admits: admits(`${user}:${password}`),
    })),
    someone.map((a) => ({ value: "Basic " + base64(utf8(a.username)), admits: false })),
    // Latin-1 bytes where the account has non-ASCII characters: not UTF-8,
    // unless they happen to decode to someone's credentials.
    someone.map((a) => {
      const bytes = latin1(`${a.username}:${a.password}`);
      let decoded: string | null;
      try {
        decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        decoded = null;
      }
      return { value: "Basic " + base64(bytes), admits: decoded !== null && admits(decoded) };
    }),
    // Right token, wrong framing.
    fc.tuple(
      right,
      fc.constantFrom(
        (t: string) => "Basic" + t,
        (t: string) => "Basic\t" + t,
        (t: string) => "Basic " + t + " x",
        (t: string) => "Basic " + t + ",",
        (t: string) => "Basic realm=" + t,
        (t: string) => "Bearer " + t,
        (t: string) => "Basic " + t.replace(/[+/]/g, (c) => (c === "+" ? "-" : "_")),
        (t: string) => "Basic " + t.slice(0, 1) + " " + t.slice(1),
        (t: string) => "Basic " + t + "A",
        (t: string) => "Digest " + t,
      ),
    ).map(([t, frame]) => {
      const value = frame(t);
      // The URL-safe alphabet changes nothing when the token has no + or /.
      const same = value === "Basic " + t;
      return { value, admits: same };
    }),
    fc.string({ unit: "binary-ascii", maxLength: 40 }).map((value) => ({
      value,
      admits: "either" as const, // judged by the check below, which decodes it
    })),
  );
}

// What a server may read from a value a random generator made: the exact
// padded form of an account, and nothing else, is certain to get in.
function certainlyAdmits(value: string, accounts: Account[]): boolean {
  return accounts.some((a) => value === `Basic ${base64(utf8(`${a.username}:${a.password}`))}`);
}

test("withBasicAuth() answers any Authorization with 200 only for an account's exact credentials", async () => {
  const input = fc.array(account, { minLength: 1, maxLength: 3 }).chain((accounts) =>
    fc.tuple(fc.constant(accounts), attempts(accounts), fc.constantFrom("GET", "HEAD"))
  );
  await check(
    fc.asyncProperty(input, async ([accounts, attempt, method]) => {
      const handler = withBasicAuth(() => new Response("in"), { users: accounts });
      // What a header can carry, trimmed as it arrives.
      const value = attempt.value.replace(/[\0\r\n]/g, "");
      const request = new Request("http://localhost/", {
        method,
        headers: { authorization: value },
      });
      const response = await handler(request);
      await response.body?.cancel();
      assert.ok(response.status === 200 || response.status === 401, String(response.status));
      const sent = request.headers.get("authorization")!;
      const admits = value !== attempt.value
        ? "either"
        : attempt.admits === "either" && certainlyAdmits(sent, accounts)
        ? true
        : attempt.admits;
      if (admits !== "either") {
        assert.equal(response.status, admits ? 200 : 401, JSON.stringify(sent));
      }
      if (response.status === 401) {
        assert.match(response.headers.get("www-authenticate") ?? "", /^Basic realm="[^"\\]*"/);
      }
    }),
    500,
  );
});

test("withBasicAuth() reads a 1 MiB Authorization in linear time", async () => {
  const handler = withBasicAuth(() => new Response("in"), {
    users: [{ username: "ada", password: "lovelace" }],
  });
  const units = ["A", "=", " ", "Basic ", "Basic A", "QUJD", "-_"];
  await assertLinear(
    "withBasicAuth()",
    async (request: Request) => {
      const response = await handler(request);
      assert.equal(response.status, 401);
      await response.body?.cancel();
    },
    units.map((unit) => (length: number) =>
      new Request("http://localhost/", {
        headers: { authorization: "Basic " + repeatTo(unit, length) },
      })
    ),
  );
});
