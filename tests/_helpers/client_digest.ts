/**
 * A Digest (RFC 7616) and Basic (RFC 7617) gate for the test origins,
 * written apart from src/client so that the client is checked against an
 * independent reading of the RFCs.
 */

import { createHash, randomBytes } from "node:crypto";
import type { Route, Seen } from "./client_servers.ts";

/** What a Digest gate asks for and accepts. */
export interface DigestGateOptions {
  username: string;
  password: string;
  realm: string;
  /** The algorithm as sent; omitted from the challenge when undefined (MD5). */
  algorithm?: string;
  /** The qop list as sent; omitted (RFC 2069) when undefined. */
  qop?: string;
  userhash?: boolean;
  opaque?: string;
  domain?: string;
  /** Answer the first correct response with `stale=true` and a new nonce. */
  staleOnce?: boolean;
  /** Challenges sent before ours in the same field. */
  before?: string;
}

/** One Authorization the gate checked. */
export interface Attempt {
  params: Map<string, string>;
  /** null when accepted, else why not. */
  refused: string | null;
}

const HASHES: Record<string, string> = {
  "MD5": "md5",
  "SHA-256": "sha256",
  "SHA-512-256": "sha512-256",
};

/** Reads `Digest a=b, c="d"` into a map (no validation beyond the shape). */
export function authParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const body = value.replace(/^\S+\s+/, "");
  for (const match of body.matchAll(/([\w*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params.set(match[1].toLowerCase(), match[2]?.replace(/\\(.)/g, "$1") ?? match[3]);
  }
  return params;
}

/** A Digest gate: `route(inner)` answers 401 until a correct Authorization. */
export function digestGate(options: DigestGateOptions): DigestGate {
  return new DigestGate(options);
}

/** The state of a Digest gate: nonces issued, counts seen, attempts. */
export class DigestGate {
  readonly options: DigestGateOptions;
  readonly algorithm: string;
  readonly attempts: Attempt[] = [];
  #issued = new Set<string>();
  #stale = new Set<string>();
  #counts = new Map<string, number>();
  #staleSent = false;

  constructor(options: DigestGateOptions) {
    this.options = options;
    this.algorithm = options.algorithm ?? "MD5";
  }

  h(data: string | Uint8Array): string {
    const base = this.algorithm.toUpperCase().replace(/-SESS$/, "");
    return createHash(HASHES[base]).update(data).digest("hex");
  }

  /** Makes every nonce issued so far stale. */
  expireNonces(): void {
    this.#issued.forEach((nonce) => this.#stale.add(nonce));
  }

  challenge(stale: boolean): string {
    const { options } = this;
    const nonce = randomBytes(12).toString("base64");
    this.#issued.add(nonce);
    const parts = [`Digest realm="${options.realm}"`, `nonce="${nonce}"`];
    if (options.qop !== undefined) parts.push(`qop="${options.qop}"`);
    if (options.algorithm !== undefined) parts.push(`algorithm=${options.algorithm}`);
    if (options.opaque !== undefined) parts.push(`opaque="${options.opaque}"`);
    if (options.domain !== undefined) parts.push(`domain="${options.domain}"`);
    if (options.userhash) parts.push("userhash=true");
    if (stale) parts.push("stale=true");
    const value = parts.join(", ");
    return options.before === undefined ? value : `${options.before}, ${value}`;
  }

  // Why the fields other than the response are wrong, or null.
  #fieldsRefused(seen: Seen, p: Map<string, string>): string | null {
    const { options } = this;
    const user = options.userhash
      ? (p.get("userhash") === "true" &&
          p.get("username") === this.h(`${options.username}:${options.realm}`)
        ? options.username
        : null)
      : p.has("username*")
      ? decodeURIComponent(p.get("username*")!.replace(/^UTF-8''/i, ""))
      : p.get("username");
    if (user !== options.username) return "username";
    if (p.get("realm") !== options.realm) return "realm";
    if (!this.#issued.has(p.get("nonce") ?? "")) return "nonce";
    if (p.get("uri") !== seen.url.pathname + seen.url.search) return "uri";
    const algorithm = (p.get("algorithm") ?? "MD5").toUpperCase();
    if (algorithm !== this.algorithm.toUpperCase()) return "algorithm";
    if (p.get("opaque") !== options.opaque) return "opaque";
    const qop = p.get("qop");
    if (options.qop === undefined) return qop === undefined ? null : "qop";
    if (qop === undefined || !options.qop.split(/,\s*/).includes(qop)) return "qop";
    const nonce = p.get("nonce")!;
    const nc = p.get("nc") ?? "";
    if (!/^[0-9a-f]{8}$/.test(nc) || parseInt(nc, 16) <= (this.#counts.get(nonce) ?? 0)) {
      return "nc";
    }
    this.#counts.set(nonce, parseInt(nc, 16));
    return null;
  }

  // Why the Authorization is refused, or null (RFC 7616 §3.4.1, computed here).
  refused(seen: Seen, p: Map<string, string>): string | null {
    const fields = this.#fieldsRefused(seen, p);
    if (fields !== null) return fields;
    const { username, realm, password } = this.options;
    const nonce = p.get("nonce")!;
    const cnonce = p.get("cnonce") ?? "";
    let ha1 = this.h(`${username}:${realm}:${password}`);
    if (this.algorithm.toUpperCase().endsWith("-SESS")) ha1 = this.h(`${ha1}:${nonce}:${cnonce}`);
    const qop = p.get("qop");
    let a2 = `${seen.method}:${seen.url.pathname}${seen.url.search}`;
    if (qop === "auth-int") a2 += `:${this.h(new TextEncoder().encode(seen.body))}`;
    const expected = qop === undefined
      ? this.h(`${ha1}:${nonce}:${this.h(a2)}`)
      : this.h(`${ha1}:${nonce}:${p.get("nc")}:${cnonce}:${qop}:${this.h(a2)}`);
    return p.get("response") === expected ? null : "response";
  }

  /** Wraps `inner` behind the gate. */
  route(inner: Route): Route {
    return (seen) => {
      const authorization = seen.headers.get("authorization");
      if (authorization === null || !/^digest /i.test(authorization)) {
        return unauthorized(this.challenge(false));
      }
      const params = authParams(authorization);
      const refused = this.refused(seen, params);
      this.attempts.push({ params, refused });
      const nonce = params.get("nonce") ?? "";
      if (refused === null && this.options.staleOnce && !this.#staleSent) {
        this.#staleSent = true;
        this.#stale.add(nonce);
      }
      if (refused !== null) return unauthorized(this.challenge(false));
      return this.#stale.has(nonce) ? unauthorized(this.challenge(true)) : inner(seen);
    };
  }
}

/** A Basic gate: `route(inner)` answers 401 until the right credentials. */
export function basicGate(username: string, password: string, realm: string, challenge?: string) {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  const expected = `Basic ${Buffer.from(bytes).toString("base64")}`;
  const attempts: Array<string | null> = [];
  const route = (inner: Route): Route => (seen) => {
    const authorization = seen.headers.get("authorization");
    attempts.push(authorization);
    if (authorization === expected) return inner(seen);
    return unauthorized(challenge ?? `Basic realm="${realm}", charset="UTF-8"`);
  };
  return { route, attempts };
}

/** A 401 with a challenge and a short body of declared length. */
export function unauthorized(challenge: string): Response {
  return new Response("who are you?\n", {
    status: 401,
    headers: { "www-authenticate": challenge, "content-length": "13" },
  });
}
