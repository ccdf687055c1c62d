/**
 * A user agent for Deno, Bun and Node that follows redirects and answers
 * 401 challenges by plain recursion over `fetch(…, { redirect: "manual" })`.
 *
 * {@linkcode follow} is a drop-in for `fetch()`; {@linkcode createClient}
 * makes one with options (a redirect limit, credentials, a delegate fetch,
 * headers to strip across origins) and a credential store kept between
 * calls. Redirects follow the Fetch standard's HTTP-redirect fetch (301,
 * 302, 303, 307, 308; POST to GET where it says so; 20 at most). Challenges
 * are answered with Digest (SHA-512-256, SHA-256, MD5) or Basic, once per
 * protection space. `Authorization`, `Proxy-Authorization` and `Cookie` are
 * dropped on any change of origin, and never come back. Failures are named
 * errors that carry the chain of hops; {@linkcode chainOf} gives the chain
 * of a response.
 *
 * @example A redirect across origins drops the caller's Authorization
 * ```ts
 * import assert from "node:assert/strict";
 * import { chainOf, createClient } from "@seed/fileserver/client";
 *
 * const seen: Array<[string, string | null]> = [];
 * // A stand-in for the network: a.test redirects to b.test.
 * const network = (input: string | URL | Request, init?: RequestInit) => {
 *   const url = new URL(String(input));
 *   seen.push([url.host, new Headers(init?.headers).get("authorization")]);
 *   return Promise.resolve(
 *     url.host === "a.test"
 *       ? new Response(null, { status: 302, headers: { location: "http://b.test/end" } })
 *       : new Response("done"),
 *   );
 * };
 * const client = createClient({ fetch: network });
 * const response = await client("http://a.test/start", {
 *   headers: { authorization: "Bearer secret" },
 * });
 * assert.equal(await response.text(), "done");
 * assert.equal(response.redirected, true);
 * assert.deepEqual(seen, [["a.test", "Bearer secret"], ["b.test", null]]);
 * assert.deepEqual(chainOf(response), [
 *   { url: "http://a.test/start", method: "GET", status: 302 },
 *   { url: "http://b.test/end", method: "GET", status: 200 },
 * ]);
 * ```
 *
 * @module
 */

export { follow } from "./follow.ts";
export { createClient } from "./client.ts";
export type { ClientOptions, FetchFunction } from "./client_options.ts";
export type {
  AuthChallenge,
  Credentials,
  CredentialsCallback,
  CredentialsOption,
  OriginCredentials,
} from "./credentials.ts";
export { chainOf, type Hop } from "./hop.ts";
export { type Challenge, parseChallenges } from "./challenge.ts";
export {
  ClientError,
  type ClientErrorOptions,
  ForbiddenSchemeError,
  InvalidLocationError,
  NetworkError,
  TooManyChallengesError,
  TooManyRedirectsError,
  UnexpectedRedirectError,
  UnreplayableBodyError,
} from "./errors.ts";
