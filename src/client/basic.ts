/**
 * HTTP Basic authentication (RFC 7617).
 *
 * @module
 */

/**
 * Builds the `Authorization` field value for Basic: `user-id ":" password`
 * in UTF-8 (RFC 7617 §2.1, the only charset it allows), then base64.
 *
 * @param username The user-id; it cannot contain a colon (RFC 7617 §2).
 * @param password The password.
 * @returns The field value, starting with `Basic `.
 * @throws {TypeError} when the username contains a colon.
 *
 * @example RFC 7617 §2's example, and a non-ASCII one from §2.1
 * ```ts
 * import assert from "node:assert/strict";
 * import { basicAuthorization } from "./basic.ts";
 *
 * assert.equal(basicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
 * assert.equal(basicAuthorization("test", "123\u00a3"), "Basic dGVzdDoxMjPCow==");
 * ```
 */
export function basicAuthorization(username: string, password: string): string {
  if (username.includes(":")) {
    throw new TypeError(`Cannot use Basic: the username "${username}" contains a colon`);
  }
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}
