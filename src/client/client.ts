/**
 * `createClient()`: a fetch-compatible function with options and a
 * credential store that outlives each call.
 *
 * @module
 */

import { type ClientOptions, type FetchFunction, resolveClientOptions } from "./client_options.ts";
import { CredentialStore } from "./credential_store.ts";
import { runRequest } from "./follow.ts";

/**
 * Creates a user agent: a function with fetch()'s signature that follows
 * redirects and answers 401 challenges like `follow()`, with credentials
 * from `options.credentials`, and that remembers the protection spaces it
 * authenticated to. Later calls into the same space (same origin and realm,
 * and for Basic under the same folder) send credentials before any 401;
 * credentials never go to another origin.
 *
 * @param options The redirect limit, credentials, delegate fetch and
 * headers to strip across origins.
 * @returns The fetch-compatible function.
 * @throws {TypeError} for a malformed option.
 * @throws {RangeError} for a bad `maxRedirects`.
 *
 * @example Answering a Basic challenge through a delegate fetch
 * ```ts
 * import assert from "node:assert/strict";
 * import { chainOf, createClient } from "@seed/fileserver/client";
 *
 * // A stand-in server: 401 until the right Basic credentials arrive.
 * const server = (_input: string | URL | Request, init?: RequestInit) => {
 *   const authorization = new Headers(init?.headers).get("authorization");
 *   return Promise.resolve(
 *     authorization === `Basic ${btoa("ada:lovelace")}`
 *       ? new Response("welcome")
 *       : new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="lab"' } }),
 *   );
 * };
 * const client = createClient({
 *   fetch: server,
 *   credentials: { origin: "http://lab.test", username: "ada", password: "lovelace" },
 * });
 * const response = await client("http://lab.test/notes/1");
 * assert.equal(await response.text(), "welcome");
 * assert.deepEqual(chainOf(response).map((hop) => hop.status), [401, 200]);
 *
 * // The space is remembered: the next call sends the credentials at once.
 * const again = await client("http://lab.test/notes/2");
 * await again.body?.cancel();
 * assert.deepEqual(chainOf(again).map((hop) => hop.status), [200]);
 * ```
 */
export function createClient(options: ClientOptions = {}): FetchFunction {
  const config = resolveClientOptions(options);
  const store = new CredentialStore();
  return (input, init) => runRequest(config, store, input, init);
}
