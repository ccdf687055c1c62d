/**
 * The named failures of the user agent. Each carries the chain of hops
 * that led to it, and the request and response where there is one.
 *
 * They extend `TypeError` because that is what `fetch()` rejects with for
 * a network error, and the Fetch standard makes every one of these a
 * network error: code written for `fetch()` still catches them.
 *
 * @module
 */

import type { Hop } from "./hop.ts";

/** What every {@linkcode ClientError} is built from. */
export interface ClientErrorOptions {
  /** The URL the caller asked for, without credentials. */
  url: string;
  /** The hops sent before the failure, first request first. */
  chain: readonly Hop[];
  /** The request that could not be completed, when there is one. */
  request?: Request;
  /** The response that could not be acted on, its body already cancelled. */
  response?: Response;
  /** The underlying error. */
  cause?: unknown;
}

function describe(chain: readonly Hop[]): string {
  return chain.map((hop) => `\n  ${hop.method} ${hop.url} → ${hop.status}`).join("");
}

/**
 * The base of the user agent's named errors.
 *
 * @example Catching any failure of the user agent
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientError } from "@seed/fileserver/client";
 *
 * const error = new ClientError("something failed", { url: "http://a.test/", chain: [] });
 * assert.ok(error instanceof TypeError);
 * assert.equal(error.message, 'Cannot fetch "http://a.test/": something failed');
 * ```
 */
export class ClientError extends TypeError {
  /** Always `"ClientError"`. */
  override name = "ClientError";
  /** The hops sent before the failure, first request first. */
  readonly chain: readonly Hop[];
  /** The request that could not be completed, when there is one. */
  readonly request: Request | undefined;
  /** The response that could not be acted on (its body is cancelled). */
  readonly response: Response | undefined;

  /**
   * Builds the error and its message.
   *
   * @param reason What went wrong, after `Cannot fetch "url": `.
   * @param options The URL, the chain, and what else is known.
   */
  constructor(reason: string, options: ClientErrorOptions) {
    super(`Cannot fetch "${options.url}": ${reason}${describe(options.chain)}`, {
      cause: options.cause,
    });
    this.chain = Object.freeze([...options.chain]);
    this.request = options.request;
    this.response = options.response;
  }
}

/**
 * More redirects than `maxRedirects` (20 by default, as in the Fetch
 * standard's HTTP-redirect fetch, step 6).
 *
 * @example The message names the limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { TooManyRedirectsError } from "@seed/fileserver/client";
 *
 * const error = new TooManyRedirectsError(20, { url: "http://a.test/", chain: [] });
 * assert.equal(error.limit, 20);
 * assert.match(error.message, /more than 20 redirects/);
 * ```
 */
export class TooManyRedirectsError extends ClientError {
  /** Always `"TooManyRedirectsError"`. */
  override name = "TooManyRedirectsError";
  /** The number of redirects that were allowed. */
  readonly limit: number;

  /**
   * Builds the error and its message.
   *
   * @param limit The number of redirects that were allowed.
   * @param options The URL and the chain.
   */
  constructor(limit: number, options: ClientErrorOptions) {
    super(`more than ${limit} redirects`, options);
    this.limit = limit;
  }
}

/**
 * A redirect to a URL whose scheme is not `http:` or `https:` (Fetch
 * standard, HTTP-redirect fetch, step 5).
 *
 * @example A redirect to javascript:
 * ```ts
 * import assert from "node:assert/strict";
 * import { ForbiddenSchemeError } from "@seed/fileserver/client";
 *
 * const error = new ForbiddenSchemeError("javascript:alert(1)", { url: "http://a.test/", chain: [] });
 * assert.equal(error.location, "javascript:alert(1)");
 * ```
 */
export class ForbiddenSchemeError extends ClientError {
  /** Always `"ForbiddenSchemeError"`. */
  override name = "ForbiddenSchemeError";
  /** The resolved redirect target. */
  readonly location: string;

  /**
   * Builds the error and its message.
   *
   * @param location The resolved redirect target.
   * @param options The URL, the chain and the redirect response.
   */
  constructor(location: string, options: ClientErrorOptions) {
    super(`redirect to "${location}": only http: and https: are followed`, options);
    this.location = location;
  }
}

/**
 * A redirect whose `Location` is not a URL, even relative to the current
 * one (Fetch standard, HTTP-redirect fetch, step 3).
 *
 * @example A Location that does not parse
 * ```ts
 * import assert from "node:assert/strict";
 * import { InvalidLocationError } from "@seed/fileserver/client";
 *
 * const error = new InvalidLocationError("http://[::1", { url: "http://a.test/", chain: [] });
 * assert.match(error.message, /invalid Location "http:\/\/\[::1"/);
 * ```
 */
export class InvalidLocationError extends ClientError {
  /** Always `"InvalidLocationError"`. */
  override name = "InvalidLocationError";
  /** The `Location` field value as received. */
  readonly location: string;

  /**
   * Builds the error and its message.
   *
   * @param location The `Location` field value as received.
   * @param options The URL, the chain and the redirect response.
   */
  constructor(location: string, options: ClientErrorOptions) {
    super(`redirect with an invalid Location "${location}"`, options);
    this.location = location;
  }
}

/**
 * A 307 or 308 (or a 301/302 of a method other than POST) that needs the
 * request body again, when the body was a stream that is already sent.
 *
 * @example The message says what to pass instead
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnreplayableBodyError } from "@seed/fileserver/client";
 *
 * const error = new UnreplayableBodyError(307, { url: "http://a.test/", chain: [] });
 * assert.match(error.message, /a 307 redirect needs the request body again/);
 * ```
 */
export class UnreplayableBodyError extends ClientError {
  /** Always `"UnreplayableBodyError"`. */
  override name = "UnreplayableBodyError";

  /**
   * Builds the error and its message.
   *
   * @param status The redirect status.
   * @param options The URL, the chain and the redirect response.
   */
  constructor(status: number, options: ClientErrorOptions) {
    super(
      `a ${status} redirect needs the request body again, and a stream cannot be replayed ` +
        "(pass a string, bytes, Blob, FormData or URLSearchParams instead)",
      options,
    );
  }
}

/**
 * A redirect when the request said `redirect: "error"`.
 *
 * @example The message names the mode
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnexpectedRedirectError } from "@seed/fileserver/client";
 *
 * const error = new UnexpectedRedirectError(301, { url: "http://a.test/", chain: [] });
 * assert.match(error.message, /redirect: "error"/);
 * ```
 */
export class UnexpectedRedirectError extends ClientError {
  /** Always `"UnexpectedRedirectError"`. */
  override name = "UnexpectedRedirectError";

  /**
   * Builds the error and its message.
   *
   * @param status The redirect status.
   * @param options The URL, the chain and the redirect response.
   */
  constructor(status: number, options: ClientErrorOptions) {
    super(`got a ${status} redirect, and the request said redirect: "error"`, options);
  }
}

/**
 * More authentication challenges answered in one call than the budget
 * allows: a server that keeps asking for new protection spaces.
 *
 * @example The limit is on the error
 * ```ts
 * import assert from "node:assert/strict";
 * import { TooManyChallengesError } from "@seed/fileserver/client";
 *
 * const error = new TooManyChallengesError(20, { url: "http://a.test/", chain: [] });
 * assert.equal(error.limit, 20);
 * ```
 */
export class TooManyChallengesError extends ClientError {
  /** Always `"TooManyChallengesError"`. */
  override name = "TooManyChallengesError";
  /** The number of challenges that could be answered. */
  readonly limit: number;

  /**
   * Builds the error and its message.
   *
   * @param limit The number of challenges that could be answered.
   * @param options The URL, the chain and the last 401.
   */
  constructor(limit: number, options: ClientErrorOptions) {
    super(`more than ${limit} authentication challenges`, options);
    this.limit = limit;
  }
}

/**
 * The delegated `fetch` rejected (refused connection, DNS failure, reset):
 * its error is the `cause`. An `AbortError` is never wrapped.
 *
 * @example The fetch error is the cause
 * ```ts
 * import assert from "node:assert/strict";
 * import { NetworkError } from "@seed/fileserver/client";
 *
 * const cause = new TypeError("fetch failed");
 * const error = new NetworkError({ url: "http://a.test/", chain: [], cause });
 * assert.equal(error.cause, cause);
 * ```
 */
export class NetworkError extends ClientError {
  /** Always `"NetworkError"`. */
  override name = "NetworkError";

  /**
   * Builds the error and its message.
   *
   * @param options The URL, the chain, the request that failed and the cause.
   */
  constructor(options: ClientErrorOptions) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`the request to "${options.request?.url ?? options.url}" failed${detail}`, options);
  }
}
