/**
 * Where the user agent gets a user name and password when a server asks:
 * one origin's, a map of origins, or a callback that sees the challenge.
 *
 * @module
 */

import type { Challenge } from "./challenge.ts";

/** A user name and password. */
export interface Credentials {
  /** The user name (for Basic it cannot contain a colon, RFC 7617 §2). */
  username: string;
  /** The password. */
  password: string;
}

/** Credentials for one origin only. */
export interface OriginCredentials extends Credentials {
  /** The origin they are for, e.g. `https://example.com`; a path is ignored. */
  origin: string | URL;
}

/** What a {@linkcode CredentialsCallback} is told about a challenge. */
export interface AuthChallenge {
  /** The URL that answered 401 (a copy; changing it changes nothing). */
  url: URL;
  /** Its origin, e.g. `http://127.0.0.1:8000`. */
  origin: string;
  /** The scheme this client will answer with. */
  scheme: "Basic" | "Digest";
  /** The realm, "" when the challenge has none. */
  realm: string;
  /** The challenge as parsed. */
  challenge: Challenge;
}

/** Called at most once per protection space per call, for a 401 to answer. */
export type CredentialsCallback = (
  challenge: AuthChallenge,
) => Credentials | null | undefined | Promise<Credentials | null | undefined>;

/**
 * The `credentials` option: one origin's credentials, a map from origins
 * to credentials (a `Map` or a plain object), or a callback.
 */
export type CredentialsOption =
  | OriginCredentials
  | ReadonlyMap<string | URL, Credentials>
  | Readonly<Record<string, Credentials>>
  | CredentialsCallback;

/** The validated option: the credentials to answer a challenge with, or null. */
export type CredentialsLookup = (challenge: AuthChallenge) => Promise<Credentials | null>;

function isCredentials(value: unknown): value is Credentials {
  return typeof value === "object" && value !== null &&
    typeof (value as Credentials).username === "string" &&
    typeof (value as Credentials).password === "string";
}

function checked(value: unknown, what: string): Credentials {
  if (!isCredentials(value)) {
    throw new TypeError(`Cannot use credentials: ${what} must be { username, password } strings`);
  }
  return { username: value.username, password: value.password };
}

function originOf(value: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`Cannot use credentials: "${value}" is not an origin`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Cannot use credentials: "${value}" is not an http: or https: origin`);
  }
  return url.origin;
}

/**
 * Validates the `credentials` option once and turns it into a lookup.
 * Static credentials are copied, so that changing the option object later
 * changes nothing.
 *
 * @param option The option as given.
 * @returns The lookup.
 * @throws {TypeError} for a malformed option or origin.
 *
 * @example Credentials for one origin are offered to that origin only
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialsLookup } from "./credentials.ts";
 *
 * const lookup = credentialsLookup({ origin: "http://a.test", username: "u", password: "p" });
 * const ask = (origin: string) =>
 *   lookup({ url: new URL(origin), origin, scheme: "Basic", realm: "", challenge: {
 *     scheme: "Basic", params: new Map(), token68: null,
 *   } });
 * assert.deepEqual(await ask("http://a.test"), { username: "u", password: "p" });
 * assert.equal(await ask("http://b.test"), null);
 * ```
 */
export function credentialsLookup(option: CredentialsOption | undefined): CredentialsLookup {
  if (option === undefined) return () => Promise.resolve(null);
  if (typeof option === "function") {
    return async (challenge) => {
      const found = await option(challenge);
      return found == null ? null : checked(found, "the credentials callback's result");
    };
  }
  if (typeof option !== "object" || option === null) {
    throw new TypeError("Cannot use credentials: the option must be an object or a function");
  }
  const byOrigin = new Map<string, Credentials>();
  if ("origin" in option && isCredentials(option)) {
    byOrigin.set(originOf(option.origin as string | URL), checked(option, "credentials"));
  } else {
    const entries = option instanceof Map ? option.entries() : Object.entries(option);
    for (const [origin, credentials] of entries) {
      byOrigin.set(originOf(origin), checked(credentials, `the credentials for "${origin}"`));
    }
  }
  return (challenge) => Promise.resolve(byOrigin.get(challenge.origin) ?? null);
}
