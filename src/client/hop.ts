/**
 * The chain of hops a call walked: one entry per request sent, redirects
 * and challenge answers alike.
 *
 * @module
 */

/** One request sent and the status it got back. */
export interface Hop {
  /** The URL asked for, fragment kept, never with credentials in it. */
  readonly url: string;
  /** The method sent. */
  readonly method: string;
  /** The status of the response. */
  readonly status: number;
}

// Keyed by the Response object itself, so that a response is not changed
// beyond what fetch() itself sets (`redirected`), and a chain dies with it.
const chains = new WeakMap<Response, readonly Hop[]>();

/**
 * The hops that led to a response returned by `follow()` or a client of
 * `createClient()`, first request first; the last hop is the response
 * itself. A response from anywhere else (or a clone) has no chain.
 *
 * @param response A response returned by the user agent.
 * @returns The hops, or an empty array when the response is not one of ours.
 *
 * @example A response that did not come from the user agent
 * ```ts
 * import assert from "node:assert/strict";
 * import { chainOf } from "@seed/fileserver/client";
 *
 * assert.deepEqual(chainOf(new Response("hi")), []);
 * ```
 */
export function chainOf(response: Response): readonly Hop[] {
  return chains.get(response) ?? [];
}

/**
 * Records `chain` as the chain of `response`, and marks the response
 * `redirected` when a redirect was followed, as fetch() would have.
 *
 * @param response The final response.
 * @param chain The hops, ending with the final one.
 * @param redirected Whether a redirect was followed.
 * @returns The same response.
 *
 * @example Recording one hop
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachChain, chainOf } from "./hop.ts";
 *
 * const response = attachChain(new Response(null), [
 *   { url: "http://a.test/", method: "GET", status: 200 },
 * ], false);
 * assert.equal(chainOf(response).length, 1);
 * assert.equal(response.redirected, false);
 * ```
 */
export function attachChain(
  response: Response,
  chain: readonly Hop[],
  redirected: boolean,
): Response {
  chains.set(response, Object.freeze([...chain]));
  // With `redirect: "manual"` every hop's response says `redirected: false`;
  // an own property shadows the prototype's getter on all three runtimes.
  if (redirected) Object.defineProperty(response, "redirected", { value: true });
  return response;
}
