/**
 * Answering 401 challenges (RFC 9110 §11): which challenge to answer, with
 * which credentials, and the `Authorization` of each hop.
 *
 * @module
 */

import { basicAuthorization } from "./basic.ts";
import { type Challenge, parseChallenges } from "./challenge.ts";
import {
  createCnonce,
  digestAuthorization,
  type DigestChallenge,
  readDigestChallenge,
} from "./digest.ts";
import { type CredentialStore, type Space, spaceKey } from "./credential_store.ts";
import type { Credentials, CredentialsLookup } from "./credentials.ts";
import type { HopRequest, StartedRequest } from "./hop_request.ts";

/** A challenge this client can answer, and how. */
export interface Chosen {
  /** The challenge as parsed. */
  challenge: Challenge;
  /** The scheme, spelled canonically. */
  scheme: "Basic" | "Digest";
  /** The Digest parameters, for Digest. */
  digest: DigestChallenge | null;
}

// Strongest first: a hash that keeps the password off the wire beats
// Basic, and a longer hash beats MD5 (RFC 7616 §3.7).
const STRENGTH: Record<string, number> = { "SHA-512-256": 3, "SHA-256": 2, "MD5": 1 };

/**
 * Picks the strongest challenge this client supports: Digest SHA-512-256,
 * then SHA-256, then MD5 (each with or without `-sess`), then Basic; the
 * first one sent wins a tie.
 *
 * @param challenges The parsed challenges.
 * @returns The choice, or null when none is supported.
 *
 * @example Digest SHA-256 beats Basic and MD5
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChallenges } from "./challenge.ts";
 * import { chooseChallenge } from "./authenticate.ts";
 *
 * const chosen = chooseChallenge(parseChallenges(
 *   'Basic realm="r", Digest realm="r", nonce="1", Digest realm="r", nonce="2", algorithm=SHA-256',
 * ));
 * assert.equal(chosen?.digest?.algorithm, "SHA-256");
 * ```
 */
export function chooseChallenge(challenges: readonly Challenge[]): Chosen | null {
  let best: Chosen | null = null;
  let bestRank = -1;
  for (const challenge of challenges) {
    const scheme = challenge.scheme.toLowerCase();
    const digest = scheme === "digest" ? readDigestChallenge(challenge) : null;
    const rank = digest !== null
      ? STRENGTH[digest.algorithm.replace(/-sess$/, "")]
      : scheme === "basic" && challenge.token68 === null
      ? 0
      : -1;
    if (rank > bestRank) {
      best = { challenge, scheme: digest === null ? "Basic" : "Digest", digest };
      bestRank = rank;
    }
  }
  return best;
}

/** The per-call state that answering challenges reads and updates. */
export interface AuthContext {
  /** The client's spaces. */
  store: CredentialStore;
  /** The `credentials` option. */
  lookup: CredentialsLookup;
  /** Credentials from the input URL. */
  userinfo: StartedRequest["userinfo"];
  /** The spaces answered in this call. */
  answered: Set<string>;
  /** The spaces retried after `stale=true` in this call. */
  staleRetried: Set<string>;
  /** Spends one answer from the budget; throws when there is none left. */
  spend: () => void;
}

function newSpace(chosen: Chosen, credentials: Credentials, url: URL): Space {
  const realm = chosen.challenge.params.get("realm") ?? "";
  const space: Space = {
    origin: url.origin,
    realm,
    scheme: chosen.scheme,
    credentials,
    digest: null,
    paths: [],
  };
  if (chosen.digest !== null) {
    space.digest = { challenge: chosen.digest, cnonce: createCnonce(), nc: 0 };
    // RFC 7616 §3.3: no `domain` means the whole origin; URIs on another
    // origin are ignored, since credentials never leave their origin.
    space.paths = chosen.digest.domain.length === 0 ? ["/"] : [];
    for (const uri of chosen.digest.domain) {
      const resolved = URL.parse(uri, url);
      if (resolved?.origin === url.origin) space.paths.push(resolved.pathname);
    }
  }
  return space;
}

/**
 * The space to send credentials to before any challenge on this hop: the
 * client's space covering the URL, unless the caller set `Authorization`
 * or put other credentials for this origin in the URL.
 *
 * @param context The per-call state.
 * @param hop The hop.
 * @returns The space, or null.
 */
export function preemptiveSpace(context: AuthContext, hop: HopRequest): Space | null {
  if (hop.headers.has("authorization")) return null;
  const space = context.store.lookup(hop.url);
  if (space === undefined) return null;
  const own = context.userinfo;
  if (
    own !== null && own.origin === space.origin &&
    (own.credentials.username !== space.credentials.username ||
      own.credentials.password !== space.credentials.password)
  ) return null;
  return space;
}

/** An `Authorization` value, and the body bytes it was computed over. */
export interface Authorization {
  /** The field value. */
  header: string;
  /** For `auth-int`, the body to send instead of the source, and its type. */
  body?: { bytes: Uint8Array<ArrayBuffer>; type: string | null };
}

/**
 * The `Authorization` of one hop with `space`'s credentials (for Digest,
 * counting one more use of the nonce, RFC 7616 §3.4).
 *
 * @param space The space.
 * @param hop The hop.
 * @returns The value, or null when `auth-int` would have to hash a stream.
 */
export async function authorize(space: Space, hop: HopRequest): Promise<Authorization | null> {
  const { username, password } = space.credentials;
  if (space.digest === null) return { header: basicAuthorization(username, password) };
  const { challenge } = space.digest;
  const body = challenge.qop === "auth-int" ? await hop.body.bytes() : undefined;
  if (body === null) return null;
  const nc = ++space.digest.nc;
  const header = digestAuthorization({
    ...challenge,
    username,
    password,
    cnonce: space.digest.cnonce,
    nc,
    method: hop.method,
    uri: hop.url.pathname + hop.url.search,
    body: body?.bytes,
  });
  return hop.body.isNull || body === undefined ? { header } : { header, body };
}

/**
 * Decides whether a 401 gets another try, and with which space. Each
 * space is answered once per call, plus one retry when a Digest server
 * says the nonce was `stale=true` (RFC 7616 §3.3); a second 401 for the
 * same space is the result, and the space is forgotten.
 *
 * @param context The per-call state.
 * @param hop The request that got the 401.
 * @param response The 401.
 * @param sent The space whose credentials the hop carried, or null.
 * @returns The space to answer with on the next hop, or null.
 */
export async function answerChallenge(
  context: AuthContext,
  hop: HopRequest,
  response: Response,
  sent: Space | null,
): Promise<Space | null> {
  // The caller's own Authorization was refused: theirs to handle.
  if (hop.headers.has("authorization")) return null;
  const chosen = chooseChallenge(parseChallenges(response.headers.get("www-authenticate") ?? ""));
  if (chosen === null || !hop.body.canSend) return null;
  const { origin } = hop.url;
  const realm = chosen.challenge.params.get("realm") ?? "";
  const key = spaceKey(origin, realm);
  if (
    chosen.digest?.stale && sent?.digest != null && sent.realm === realm &&
    !context.staleRetried.has(key)
  ) {
    context.staleRetried.add(key);
    context.spend();
    return newSpace(chosen, sent.credentials, hop.url);
  }
  if (context.answered.has(key)) {
    context.store.forget(origin, realm);
    return null;
  }
  const credentials = context.userinfo?.origin === origin
    ? context.userinfo.credentials
    : await context.lookup({
      url: new URL(hop.url),
      origin,
      scheme: chosen.scheme,
      realm,
      challenge: chosen.challenge,
    });
  // RFC 7617 §2: a Basic user-id cannot contain a colon.
  if (credentials === null || (chosen.scheme === "Basic" && credentials.username.includes(":"))) {
    return null;
  }
  context.answered.add(key);
  context.spend();
  return newSpace(chosen, credentials, hop.url);
}
