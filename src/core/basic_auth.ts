/**
 * HTTP Basic protection (RFC 7617) in front of any handler.
 *
 * @module
 */

import type { Handler } from "./handler.ts";
import { reply } from "./responses.ts";

/** A user name and password allowed in. */
export interface BasicCredentials {
  /** The user name (no `:`). */
  username: string;
  /** The password. */
  password: string;
}

/** Options of {@linkcode withBasicAuth}. */
export interface BasicAuthOptions {
  /** The accounts allowed in; at least one. */
  users: readonly BasicCredentials[];
  /**
   * The protection space's name, shown by browsers.
   * @default {"fileserver"}
   */
  realm?: string;
}

/**
 * Wraps `handler` so that only requests with one of `options.users`'
 * credentials reach it; others get 401 with a Basic challenge. Credentials
 * are compared through their SHA-256 digests, so the time taken does not
 * depend on how much of a guess was right.
 *
 * @param handler The handler to protect.
 * @param options The accounts and realm.
 * @returns The protected handler.
 * @throws {TypeError} when there is no user, or a user name holds `:`.
 *
 * @example A protected handler
 * ```ts
 * import assert from "node:assert/strict";
 * import { withBasicAuth } from "./basic_auth.ts";
 *
 * const handler = withBasicAuth(() => new Response("secret"), {
 *   users: [{ username: "ada", password: "lovelace" }],
 * });
 * const denied = await handler(new Request("http://localhost/"));
 * assert.equal(denied.status, 401);
 * const allowed = await handler(new Request("http://localhost/", {
 *   headers: { authorization: "Basic " + btoa("ada:lovelace") },
 * }));
 * assert.equal(await allowed.text(), "secret");
 * ```
 */
export function withBasicAuth(handler: Handler, options: BasicAuthOptions): Handler {
  const users = options?.users;
  if (!Array.isArray(users) || users.length === 0) {
    throw new TypeError('Cannot protect handler: "users" must list at least one account');
  }
  for (const user of users) {
    if (
      typeof user?.username !== "string" || typeof user.password !== "string" ||
      user.username.includes(":")
    ) {
      throw new TypeError('Cannot protect handler: each user needs a "username" without ":"');
    }
  }
  const realm = (options.realm ?? "fileserver").replace(/["\\]/g, "");
  const expected = Promise.all(users.map((u) => digest(`${u.username}:${u.password}`)));
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;
  return async (request) => {
    const given = credentialsOf(request.headers.get("authorization"));
    if (given !== null) {
      const hash = await digest(given);
      let match = false;
      // Every account is compared, whichever matches, so timing reveals nothing.
      for (const candidate of await expected) match = equalBytes(hash, candidate) || match;
      if (match) return handler(request);
    }
    const body = request.method === "HEAD" ? null : "Unauthorized\n";
    return reply(body, 401, {
      "www-authenticate": challenge,
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
    });
  };
}

/**
 * The `user-id:password` of a Basic `Authorization` field (RFC 7617 §2:
 * the token68 is base64 of UTF-8), or `null` when it is not one.
 *
 * @param field The field's value, or `null`.
 * @returns The decoded credentials.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialsOf } from "./basic_auth.ts";
 *
 * assert.equal(credentialsOf(`Basic ${btoa("alice:pw")}`), "alice:pw");
 * assert.equal(credentialsOf("Bearer x"), null);
 * ```
 */
export function credentialsOf(field: string | null): string | null {
  if (field === null || field.length > 8192) return null;
  const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(field);
  if (match === null) return null;
  try {
    const binary = atob(match[1]);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    // RFC 7617 §2.1: the octets are user-pass in UTF-8, so a leading
    // EF BB BF is U+FEFF in the user-id; TextDecoder would drop it as a
    // byte order mark unless told not to.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

async function digest(text: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(text);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
