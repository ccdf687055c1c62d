/**
 * A parser for `WWW-Authenticate` (RFC 9110 §11.6.1): every challenge of
 * every field, in one pass, in time linear in the input.
 *
 * @module
 */

/** One challenge: an auth-scheme with its parameters or its token68. */
export interface Challenge {
  /** The auth-scheme as sent; compare it case-insensitively (RFC 9110 §11.1). */
  readonly scheme: string;
  /** The parameters by lowercased name (RFC 9110 §11.2), values unquoted. */
  readonly params: ReadonlyMap<string, string>;
  /** The token68 the challenge carries instead of parameters, if any. */
  readonly token68: string | null;
}

interface Draft {
  scheme: string;
  params: Map<string, string>;
  token68: string | null;
}

// tchar (RFC 9110 §5.6.2) and the token68 characters (§11.2), by code.
const TCHAR = new Uint8Array(128);
const T68CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789") TCHAR[c.charCodeAt(0)] = 1;
for (const c of "-._~+/0123456789") T68CHAR[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) {
  TCHAR[c] =
    TCHAR[c + 32] =
    T68CHAR[c] =
    T68CHAR[c + 32] =
      1;
}

const COMMA = 44;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;

/** A cursor over one field value; every method only moves forward. */
class Scanner {
  readonly text: string;
  at = 0;

  constructor(text: string) {
    this.text = text;
  }

  get done(): boolean {
    return this.at >= this.text.length;
  }

  code(): number {
    return this.text.charCodeAt(this.at);
  }

  /** Skips OWS: spaces and tabs (RFC 9110 §5.6.3). */
  space(): number {
    const start = this.at;
    while (this.code() === 32 || this.code() === 9) this.at++;
    return this.at - start;
  }

  /** Reads `1*tchar`, or "" when there is none. */
  token(): string {
    const start = this.at;
    while (TCHAR[this.code()] === 1) this.at++;
    return this.text.slice(start, this.at);
  }

  /** Whether only OWS stands between here and a comma or the end. */
  atElementEnd(): boolean {
    let i = this.at;
    while (this.text.charCodeAt(i) === 32 || this.text.charCodeAt(i) === 9) i++;
    return i >= this.text.length || this.text.charCodeAt(i) === COMMA;
  }

  /** Reads a token68 when one ends the element here, else moves nowhere. */
  token68(): string | null {
    let i = this.at;
    while (T68CHAR[this.text.charCodeAt(i)] === 1) i++;
    if (i === this.at) return null;
    while (this.text.charCodeAt(i) === EQUALS) i++;
    const start = this.at;
    this.at = i;
    if (this.atElementEnd()) return this.text.slice(start, i);
    this.at = start;
    return null;
  }

  /** Reads a quoted-string (RFC 9110 §5.6.4), or null when it never closes. */
  quoted(): string | null {
    this.at++; // the opening quote
    let value = "";
    let start = this.at;
    while (!this.done) {
      const code = this.code();
      if (code === QUOTE) {
        value += this.text.slice(start, this.at++);
        return value;
      }
      if (code === BACKSLASH) {
        value += this.text.slice(start, this.at);
        start = this.at + 1; // the escaped character is kept as it is
        this.at += 2;
      } else this.at++;
    }
    return null;
  }

  /** Skips the rest of a broken element, up to a comma outside quotes. */
  skipElement(): void {
    while (!this.done && this.code() !== COMMA) {
      if (this.code() === QUOTE) this.quoted();
      else this.at++;
    }
  }
}

// `token BWS "=" BWS ( token / quoted-string )` ending its element; false
// when it is not one (the scanner is then anywhere inside the element).
function readParam(scan: Scanner, into: Draft | null): boolean {
  const name = scan.token();
  if (name === "") return false;
  scan.space();
  if (scan.code() !== EQUALS) return false;
  scan.at++;
  scan.space();
  const value = scan.code() === QUOTE ? scan.quoted() : scan.token() || null;
  if (value === null || !scan.atElementEnd()) return false;
  const key = name.toLowerCase();
  // RFC 9110 §11.2: a name occurs once per challenge; a repeat is ignored
  // rather than allowed to override, e.g. a second realm.
  if (into !== null && into.token68 === null && !into.params.has(key)) into.params.set(key, value);
  return true;
}

// One list element: a new challenge (with its token68 or first parameter)
// or a further parameter of the current challenge. Returns the challenge
// that later parameters belong to.
function readElement(scan: Scanner, current: Draft | null, out: Draft[]): Draft | null {
  const start = scan.at;
  const name = scan.token();
  if (name === "") return current;
  const gap = scan.space();
  if (scan.code() === EQUALS) {
    scan.at = start;
    readParam(scan, current);
    return current;
  }
  const ended = scan.done || scan.code() === COMMA;
  // `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`: a scheme glued to
  // something else is garbage, and the parameters after it belong to nobody.
  if (!ended && gap === 0) return null;
  const challenge: Draft = { scheme: name, params: new Map(), token68: null };
  out.push(challenge);
  if (ended) return challenge;
  challenge.token68 = scan.token68();
  if (challenge.token68 === null) readParam(scan, challenge);
  return challenge;
}

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) field value into
 * its challenges. Several fields joined by `Headers` with ", " parse as one
 * list. Broken elements are skipped up to the next comma outside quotes, so
 * that a known challenge next to garbage is still found.
 *
 * @param value The field value, e.g. `headers.get("www-authenticate")`.
 * @returns The challenges in the order sent.
 *
 * @example Two challenges, one with a comma inside a quoted string
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChallenges } from "@seed/fileserver/client";
 *
 * const [digest, basic] = parseChallenges(
 *   'Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int", Basic realm=files',
 * );
 * assert.equal(digest.scheme, "Digest");
 * assert.equal(digest.params.get("realm"), "a, b");
 * assert.equal(digest.params.get("nonce"), 'n"1');
 * assert.equal(basic.params.get("realm"), "files");
 * ```
 */
export function parseChallenges(value: string): Challenge[] {
  const scan = new Scanner(value);
  const out: Draft[] = [];
  let current: Draft | null = null;
  while (!scan.done) {
    scan.space();
    if (scan.code() === COMMA) {
      scan.at++;
      continue;
    }
    const before = scan.at;
    current = readElement(scan, current, out);
    if (!scan.atElementEnd() || scan.at === before) scan.skipElement();
  }
  return out;
}
