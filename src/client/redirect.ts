/**
 * One step of the Fetch standard's "HTTP-redirect fetch": whether a
 * response is a redirect to follow, and the request of the next hop.
 *
 * @module
 */

import {
  type ClientErrorOptions,
  ForbiddenSchemeError,
  InvalidLocationError,
  TooManyRedirectsError,
  UnexpectedRedirectError,
  UnreplayableBodyError,
} from "./errors.ts";
import type { HopRequest } from "./hop_request.ts";
import { RequestBody } from "./request_body.ts";

// RFC 9110 §15.4: 300 leaves the choice to the user, 304 is a cache
// answer, 305 and 306 are deprecated and unused.
const FOLLOWED = new Set([301, 302, 303, 307, 308]);

/**
 * Headers that carry credentials: removed on any change of origin, and
 * never put back. The Fetch standard removes only `Authorization`
 * (HTTP-redirect fetch, step 13); a user agent without a cookie jar has to
 * drop the caller's `Cookie` too.
 */
export const CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
];

// The Fetch standard's "request-body-header names", and Content-Length.
const BODY_HEADERS = [
  "content-encoding",
  "content-language",
  "content-location",
  "content-type",
  "content-length",
];

/** What a redirect step needs besides the hop and the response. */
export interface RedirectContext {
  /** The caller's redirect mode. */
  mode: RequestRedirect;
  /** Redirects that may still be followed. */
  left: number;
  /** The redirect limit, for the error. */
  limit: number;
  /** More header names to remove on a change of origin (lowercase). */
  strip: readonly string[];
  /** The options of an error thrown at this step. */
  error: () => ClientErrorOptions;
}

function target(hop: HopRequest, location: string, context: RedirectContext): URL {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new InvalidLocationError(location, context.error());
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ForbiddenSchemeError(url.href, context.error());
  }
  // A fragment-less Location inherits the request's (step 12).
  if (!url.href.includes("#")) url.hash = hop.url.hash;
  // Userinfo in a Location is never sent: credentials come from the store.
  url.username = "";
  url.password = "";
  return url;
}

/**
 * The request of the next hop when `response` is a redirect to follow, or
 * null when the response is the result (not 301, 302, 303, 307 or 308, no
 * `Location`, or `redirect: "manual"`).
 *
 * @param hop The request that got `response`.
 * @param response The response.
 * @param context The mode, the budget and the error options.
 * @returns The next hop, or null.
 * @throws {ClientError} a named error when the redirect cannot be followed.
 *
 * @example 303 turns POST into GET and drops the body
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirectHop } from "./redirect.ts";
 * import { startRequest } from "./hop_request.ts";
 *
 * const { hop } = startRequest("http://a.test/form", {
 *   method: "POST", body: "x=1", headers: { "content-type": "text/plain" },
 * });
 * const response = new Response(null, { status: 303, headers: { location: "/done" } });
 * const next = redirectHop(hop, response, {
 *   mode: "follow", left: 20, limit: 20, strip: [], error: () => ({ url: "", chain: [] }),
 * });
 * assert.equal(next?.url.href, "http://a.test/done");
 * assert.equal(next?.method, "GET");
 * assert.equal(next?.body.isNull, true);
 * assert.equal(next?.headers.has("content-type"), false);
 * ```
 */
export function redirectHop(
  hop: HopRequest,
  response: Response,
  context: RedirectContext,
): HopRequest | null {
  const { status } = response;
  const location = response.headers.get("location");
  if (!FOLLOWED.has(status) || location === null || context.mode === "manual") return null;
  if (context.mode === "error") throw new UnexpectedRedirectError(status, context.error());
  const url = target(hop, location, context);
  if (context.left <= 0) throw new TooManyRedirectsError(context.limit, context.error());
  // Step 11: 301/302 turn POST into GET; 303 turns all but GET and HEAD.
  const toGet = ((status === 301 || status === 302) && hop.method === "POST") ||
    (status === 303 && hop.method !== "GET" && hop.method !== "HEAD");
  const body = toGet ? RequestBody.none : hop.body;
  if (!body.isNull && !body.canSend) throw new UnreplayableBodyError(status, context.error());
  const headers = new Headers(hop.headers);
  if (toGet) { for (const name of BODY_HEADERS) headers.delete(name); }
  if (url.origin !== hop.url.origin) {
    for (const name of [...CREDENTIAL_HEADERS, ...context.strip]) headers.delete(name);
  }
  return { url, method: toGet ? "GET" : hop.method, headers, body, answer: null };
}
