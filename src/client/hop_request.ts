/**
 * The request of one hop, and the first one, taken apart from what the
 * caller passed to the fetch-compatible function.
 *
 * @module
 */

import type { Space } from "./credential_store.ts";
import type { Credentials } from "./credentials.ts";
import { RequestBody } from "./request_body.ts";

/** What is sent on one hop. Each hop gets a new object. */
export interface HopRequest {
  /** The URL, fragment kept, never with credentials. */
  readonly url: URL;
  /** The normalised method. */
  readonly method: string;
  /** The caller's headers as they stand on this hop (some may be stripped). */
  readonly headers: Headers;
  /** The body. */
  readonly body: RequestBody;
  /** The space whose challenge this hop answers, or null. */
  readonly answer: Space | null;
}

/** The first hop, and what stays the same on every hop of the call. */
export interface StartedRequest {
  /** The first hop. */
  hop: HopRequest;
  /** The caller's init without what each hop sets itself. */
  init: RequestInit;
  /** The caller's signal, passed to every hop. */
  signal: AbortSignal | null;
  /** The caller's redirect mode. */
  redirect: RequestRedirect;
  /** Credentials taken out of the input URL, with the origin they are for. */
  userinfo: { origin: string; credentials: Credentials } | null;
}

const NORMALISED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/**
 * Normalises a method as fetch() does (Fetch standard, "normalize a
 * method"): only these six are uppercased, so `patch` stays `patch`.
 *
 * @param method The method as given.
 * @returns The method to send.
 *
 * @example Only the six standard methods are uppercased
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeMethod } from "./hop_request.ts";
 *
 * assert.equal(normalizeMethod("post"), "POST");
 * assert.equal(normalizeMethod("patch"), "patch");
 * ```
 */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALISED.has(upper) ? upper : method;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Takes the caller's `(input, init)` apart into the first hop. Credentials
 * in the URL's userinfo are removed from it (fetch() refuses such URLs) and
 * returned, to answer challenges from that origin only.
 *
 * @param input The URL or Request.
 * @param init The options, overriding a Request's.
 * @returns The first hop and the per-call settings.
 * @throws {TypeError} for a URL that does not parse.
 *
 * @example Credentials leave the URL
 * ```ts
 * import assert from "node:assert/strict";
 * import { startRequest } from "./hop_request.ts";
 *
 * const started = startRequest("http://me:s%40cret@a.test/x#top", { method: "post", body: "x" });
 * assert.equal(started.hop.url.href, "http://a.test/x#top");
 * assert.equal(started.hop.method, "POST");
 * assert.deepEqual(started.userinfo, {
 *   origin: "http://a.test",
 *   credentials: { username: "me", password: "s@cret" },
 * });
 * ```
 */
export function startRequest(input: string | URL | Request, init?: RequestInit): StartedRequest {
  const request = input instanceof Request ? input : null;
  const url = new URL(request === null ? String(input) : request.url);
  let userinfo: StartedRequest["userinfo"] = null;
  if (url.username !== "" || url.password !== "") {
    const credentials = { username: decode(url.username), password: decode(url.password) };
    userinfo = { origin: url.origin, credentials };
    url.username = "";
    url.password = "";
  }
  const {
    method = request?.method ?? "GET",
    headers = request?.headers,
    body = request?.body ?? null,
    redirect = request?.redirect ?? "follow",
    signal = request?.signal ?? null,
    ...rest
  } = init ?? {};
  delete (rest as { duplex?: unknown }).duplex;
  return {
    hop: {
      url,
      method: normalizeMethod(method),
      headers: new Headers(headers),
      body: RequestBody.from(body),
      answer: null,
    },
    init: rest,
    signal,
    redirect,
    userinfo,
  };
}
