/**
 * The checks every adapter makes on a request's head before the handler
 * runs, for what each runtime's own parser lets through (RFC 9112 §3), so
 * that the three runtimes answer alike. What a runtime answers before any
 * code of ours runs is listed in SECURITY.md ("Runtime limits").
 *
 * @module
 */

import { reasonPhrase, reply } from "../core/responses.ts";

/** What an adapter knows of a request's head. */
export interface RequestHead {
  /** The method, as sent. */
  method: string;
  /**
   * The request-target as sent (Node), or the absolute URL the runtime
   * built from it (Deno, Bun).
   */
  target: string;
  /**
   * The Host field, repeated lines joined with ", " (as `Headers.get` does,
   * and Node with `joinDuplicateHeaders`), or `null` when there is none.
   * For HTTP/2, the `:authority`.
   */
  host: string | null;
  /**
   * The version of an HTTP/1 request line (`"1.1"`, `"1.0"`, `"0.9"`,
   * `"2.0"`…), or `null` for HTTP/2 and where the runtime does not tell
   * (Deno, Bun).
   */
  version: string | null;
  /** Whether a Transfer-Encoding field came with it. */
  transferEncoding: boolean;
}

/** {@linkcode checkFraming}: serve the request as it is. */
export const SERVE = 0;
/**
 * {@linkcode checkFraming}: serve the request, with its URL built from the
 * server's scheme, the Host field and {@linkcode targetPath} (an
 * absolute-form target that names another scheme or authority).
 */
export const REBASE = 1;

/** What to do with a request: serve it, rebase its URL, or refuse it with a status. */
export type Framing = typeof SERVE | typeof REBASE | 400 | 405 | 505;

/**
 * Decides, from its head alone, whether a request may reach the handler.
 * It costs a few string comparisons and one pass over the Host field; each
 * rule says which runtime needs it.
 *
 * @param head The method, target, Host field and version.
 * @param scheme The server's scheme.
 * @returns {@linkcode SERVE}, {@linkcode REBASE}, or the status to refuse with.
 *
 * @example A request without Host, and one for another host
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFraming, REBASE, SERVE } from "./_request_framing.ts";
 *
 * const head = { method: "GET", host: "example.com", version: null, transferEncoding: false };
 * assert.equal(checkFraming({ ...head, target: "/a" }, "http"), SERVE);
 * assert.equal(checkFraming({ ...head, target: "/a", host: null }, "http"), 400);
 * assert.equal(checkFraming({ ...head, target: "http://other.example/a" }, "http"), REBASE);
 * ```
 */
export function checkFraming(head: RequestHead, scheme: "http" | "https"): Framing {
  const { method, target, host, version } = head;
  // RFC 9110 §9.3.6: CONNECT asks for a tunnel, which an origin server never
  // opens. Bun 1.4.5 hands CONNECT to the handler with a url that is no URL
  // ("host:443"), and Node 24 drops the connection without an answer.
  if (method === "CONNECT") return 405;
  if (version !== null && version !== "1.1") {
    // RFC 9110 §15.6.6: Node 24 serves request lines that end in HTTP/2.0,
    // or in no version at all (HTTP/0.9), as HTTP/1.
    if (version !== "1.0") return 505;
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
    // Node 24 reads a chunked body there, and then the request smuggled
    // behind it, which a front end that ignored the field sees as body.
    if (head.transferEncoding) return 400;
  }
  // RFC 9112 §3.2: no Host, more than one, or an invalid one is a 400.
  // Deno 2.9 serves a request without Host, Node 24 and Bun 1.4.5 serve
  // repeated Host lines. HTTP/1.0 is held to it too: Deno does not tell
  // the versions apart.
  if (host === null || !isValidHost(host)) return 400;
  // Origin-form, the usual case.
  if (target.charCodeAt(0) === SLASH) return SERVE;
  // RFC 9112 §3.2.4: the asterisk-form is for OPTIONS only (Node 24 serves
  // `GET *`); OPTIONS * is about the server as a whole.
  if (target === "*") return method === "OPTIONS" ? SERVE : 400;
  // RFC 9112 §3.2.2: absolute-form, as sent (Node) or as the runtime built
  // it (Deno, Bun); this server answers http and https URIs only (Node 24
  // serves `GET ftp://…` as a path, Deno 2.9 as the URL's path).
  // The usual case again: the URL Deno or Bun built from the Host field.
  if (target.startsWith(scheme === "http" ? "http://" : "https://")) {
    return namesHost(target, scheme.length + 3, host) ? SERVE : REBASE;
  }
  // Another scheme or authority: answered for this server, never proxied.
  return authorityStart(target) === -1 ? 400 : REBASE;
}

// Whether the authority of `url`, from `start`, is `host`; host names
// compare without case (RFC 3986 §6.2.2.1).
function namesHost(url: string, start: number, host: string): boolean {
  const next = url.charCodeAt(start + host.length);
  if (!(next === SLASH || next === QUESTION || Number.isNaN(next))) return false;
  return url.startsWith(host, start) ||
    url.slice(start, start + host.length).toLowerCase() === host.toLowerCase();
}

const SLASH = 0x2f;
const QUESTION = 0x3f;

// Where the authority of an http or https URI starts, or -1.
function authorityStart(target: string): number {
  if (target.startsWith("http://")) return 7;
  if (target.startsWith("https://")) return 8;
  // The scheme is case-insensitive (RFC 9110 §4.2.3).
  const match = /^https?:\/\//i.exec(target);
  return match === null ? -1 : match[0].length;
}

/**
 * Whether `value` is a valid Host field (RFC 9112 §3.2): `uri-host [":"
 * port]` with a non-empty host (RFC 9110 §4.2.1) and a port up to 65535.
 * A comma is refused although RFC 3986 allows it in a reg-name: `Headers`
 * joins repeated fields with ", ", so two Host lines look like one with a
 * comma, and no DNS name has one. Percent-encoded names are refused too;
 * none is in use, and they would need decoding to compare.
 *
 * @param value The field value.
 * @returns Whether to accept it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidHost } from "./_request_framing.ts";
 *
 * assert.equal(isValidHost("example.com:8080"), true);
 * assert.equal(isValidHost("[::1]:8000"), true);
 * assert.equal(isValidHost("a.example, b.example"), false);
 * assert.equal(isValidHost("user@example.com"), false);
 * ```
 */
export function isValidHost(value: string): boolean {
  const length = value.length;
  let i = 0;
  if (value.charCodeAt(0) === 0x5b) {
    // IP-literal: an IPv6 address in brackets.
    i = 1;
    while (i < length && IP_LITERAL[value.charCodeAt(i)] === 1) i++;
    if (i === 1 || value.charCodeAt(i) !== 0x5d) return false;
    i++;
  } else {
    while (i < length && REG_NAME[value.charCodeAt(i)] === 1) i++;
    if (i === 0) return false;
  }
  if (i === length) return true;
  if (value.charCodeAt(i) !== 0x3a || length - i > 6) return false;
  let port = 0;
  for (i++; i < length; i++) {
    const digit = value.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return false;
    port = port * 10 + digit;
  }
  return port <= 65535;
}

function table(chars: string): Uint8Array {
  const bytes = new Uint8Array(128);
  for (const char of chars) bytes[char.charCodeAt(0)] = 1;
  return bytes;
}

const DIGITS = "0123456789";
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
// unreserved and sub-delims of RFC 3986 §3.2.2, less "," (see isValidHost).
const REG_NAME = table(ALPHA + DIGITS + "-._~!$&'()*+;=");
const IP_LITERAL = table(DIGITS + "abcdefABCDEF:.");

/**
 * The path and query of a request-target in origin-form (`/a?q`),
 * asterisk-form (`*`, as `/*`) or absolute-form (`http://host/a?q`).
 *
 * @param target The request-target.
 * @returns An absolute path, with the query if there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { targetPath } from "./_request_framing.ts";
 *
 * assert.equal(targetPath("/a?q"), "/a?q");
 * assert.equal(targetPath("http://example.com?q"), "/?q");
 * assert.equal(targetPath("*"), "/*");
 * ```
 */
export function targetPath(target: string): string {
  if (target.charCodeAt(0) === SLASH) return target;
  const authority = authorityStart(target);
  if (authority === -1) return "/" + target;
  let end = authority;
  while (end < target.length && target[end] !== "/" && target[end] !== "?") end++;
  const rest = target.slice(end);
  return rest.startsWith("/") ? rest : "/" + rest;
}

/**
 * The URL a request is answered under when its target was rebased
 * ({@linkcode REBASE}): the server's scheme, the Host field and the
 * target's path; `null` when that is no URL (a Host the check let through
 * that the URL parser refuses, such as `1.2.3.4.5`), which is a 400.
 *
 * @param scheme The server's scheme.
 * @param host The request's Host field.
 * @param target The request-target or the URL the runtime built.
 * @returns The URL, or `null`.
 */
export function rebasedUrl(scheme: string, host: string | null, target: string): string | null {
  return URL.parse(`${scheme}://${host}${targetPath(target)}`)?.href ?? null;
}

/** A refusal's status line, header fields and body, for any runtime. */
export interface Refusal {
  /** 400, 405 or 505. */
  status: number;
  /** The header fields, names in lower case; `connection: close` last. */
  headers: Array<[string, string]>;
  /** The body (empty for HEAD). */
  body: string;
}

/**
 * The answer to a refused request. It closes the connection (RFC 9112
 * §9.6): after a request whose framing was wrong, what follows on the
 * connection cannot be trusted to be a request. A 405 to CONNECT says
 * `Allow:` with no method: the tunnel it asks for allows none (RFC 9110
 * §10.2.1).
 *
 * @param status The status from {@linkcode checkFraming}.
 * @param method The request's method (HEAD gets no body).
 * @returns The status, header fields and body.
 */
export function refusal(status: 400 | 405 | 505, method: string): Refusal {
  const body = reasonPhrase(status) + "\n";
  const headers: Array<[string, string]> = [
    ["content-type", "text/plain; charset=utf-8"],
    ["content-length", String(body.length)],
    ["x-content-type-options", "nosniff"],
  ];
  if (status === 405) headers.push(["allow", ""]);
  // Last, so that an HTTP/2 writer can leave it out (RFC 9113 §8.2.2).
  headers.push(["connection", "close"]);
  return { status, headers, body: method === "HEAD" ? "" : body };
}

/**
 * {@linkcode refusal} as a web `Response`, for Deno and Bun.
 *
 * @param status The status from {@linkcode checkFraming}.
 * @param method The request's method.
 * @returns The response.
 */
export function refusalResponse(status: 400 | 405 | 505, method: string): Response {
  const { headers, body } = refusal(status, method);
  return reply(body === "" ? null : body, status, headers);
}
