/**
 * The options of `createClient()`, validated once.
 *
 * @module
 */

import {
  type CredentialsLookup,
  credentialsLookup,
  type CredentialsOption,
} from "./credentials.ts";

/** A function with fetch()'s signature: what the user agent delegates to and returns. */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** Options of {@linkcode createClient}. */
export interface ClientOptions {
  /**
   * How many redirects one call follows; the next one is a
   * `TooManyRedirectsError`. 0 makes any redirect to follow an error.
   * @default {20}
   */
  maxRedirects?: number;
  /**
   * Credentials to answer 401 challenges with: `{ origin, username,
   * password }` for one origin, a `Map` or object from origins to `{
   * username, password }`, or a callback given the challenge. Credentials
   * in the input URL's userinfo are used for that origin in any case.
   * @default {undefined}
   */
  credentials?: CredentialsOption;
  /**
   * The fetch() to delegate each hop to; it is called with `redirect:
   * "manual"`.
   * @default {globalThis.fetch}
   */
  fetch?: FetchFunction;
  /**
   * More request header names to remove when a redirect changes origin,
   * besides `Authorization`, `Proxy-Authorization` and `Cookie`.
   * @default {[]}
   */
  stripHeaders?: readonly string[];
}

/** The options after validation. */
export interface ClientConfig {
  /** The redirect budget of each call. */
  maxRedirects: number;
  /** The credentials lookup. */
  lookup: CredentialsLookup;
  /** The delegate. */
  fetch: FetchFunction;
  /** Extra header names to strip, lowercase. */
  stripHeaders: readonly string[];
}

/**
 * How many challenges one call answers at most, `stale=true` retries
 * included: a bound for a server that keeps asking for new realms.
 */
export const MAX_CHALLENGES = 20;

/**
 * Validates the options and fills in the defaults.
 *
 * @param options The options as given.
 * @returns The configuration.
 * @throws {TypeError} for a malformed option.
 * @throws {RangeError} for `maxRedirects` that is not a whole number ≥ 0.
 *
 * @example Defaults, and a refused limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveClientOptions } from "./client_options.ts";
 *
 * assert.equal(resolveClientOptions({}).maxRedirects, 20);
 * assert.throws(() => resolveClientOptions({ maxRedirects: -1 }), RangeError);
 * ```
 */
export function resolveClientOptions(options: ClientOptions): ClientConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot create client: the options must be an object");
  }
  const { maxRedirects = 20, credentials, fetch, stripHeaders = [] } = options;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError('Cannot create client: "maxRedirects" must be a whole number ≥ 0');
  }
  if (fetch !== undefined && typeof fetch !== "function") {
    throw new TypeError('Cannot create client: "fetch" must be a function');
  }
  if (!Array.isArray(stripHeaders)) {
    throw new TypeError('Cannot create client: "stripHeaders" must be an array of header names');
  }
  // Headers validates a name the way every runtime does.
  const probe = new Headers();
  const names = stripHeaders.map((name) => {
    probe.set(String(name), "");
    return String(name).toLowerCase();
  });
  return {
    maxRedirects,
    lookup: credentialsLookup(credentials),
    fetch: fetch ?? ((input, init) => globalThis.fetch(input, init)),
    stripHeaders: names,
  };
}
