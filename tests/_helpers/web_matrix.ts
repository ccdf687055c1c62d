/**
 * The expectations of `tests/web_build_matrix.test.ts`: which representation
 * a request should get for a file of a web build, which file or error a
 * path should get under a server's routing options, and the raw exchange
 * that shows the bytes as they came off the wire (fetch() would decode br
 * and gzip itself on some runtimes and hide what was sent).
 */

import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from "node:zlib";
import { rawExchange, type RawResponse } from "./raw_http.ts";
import type { SidecarSuffix, WebBuild } from "./web_builds.ts";

/** A content coding as HTTP names it. */
export type Coding = "br" | "gzip" | "zstd";

/** The sidecar suffix of each coding. */
export const SUFFIX: Readonly<Record<Coding, SidecarSuffix>> = {
  br: "br",
  gzip: "gz",
  zstd: "zst",
};

/** One `Accept-Encoding` of the matrix, with what it accepts. */
export interface Encoding {
  name: string;
  /** The field sent, or `null` for none. */
  field: string | null;
  /** The codings it accepts, best first. */
  accepts: Coding[];
  /** Whether the unencoded form is acceptable. */
  identity: boolean;
}

/** The matrix's encodings: none, each coding alone, and one that refuses identity. */
export const ENCODINGS: readonly Encoding[] = [
  { name: "none", field: null, accepts: [], identity: true },
  { name: "br", field: "br", accepts: ["br"], identity: true },
  { name: "gzip", field: "gzip", accepts: ["gzip"], identity: true },
  { name: "zstd", field: "zstd", accepts: ["zstd"], identity: true },
  // Bare `identity;q=0` accepts nothing at all (a coding not named is
  // refused without `*`: RFC 9110 §12.5.3), which the edge cases check.
  {
    name: "identity;q=0",
    field: "gzip;q=0.5, identity;q=0",
    accepts: ["gzip"],
    identity: false,
  },
];

/** Decodes a body sent with `coding` (`null`: sent as it is). */
export function decode(coding: string | null, bytes: Uint8Array): Uint8Array {
  if (coding === "br") return new Uint8Array(brotliDecompressSync(bytes));
  if (coding === "gzip") return new Uint8Array(gunzipSync(bytes));
  if (coding === "zstd") return new Uint8Array(zstdDecompressSync(bytes));
  assert.equal(coding, null, `unexpected Content-Encoding ${coding}`);
  return bytes;
}

const COMPRESSIBLE = /\.(?:html|js|css|svg|json|txt)$/;

/**
 * What a request for the file `path` of `build` should get: the sidecar of
 * the best coding accepted that the build wrote; else the file compressed
 * on the fly (compressible, 1 KiB to 64 MiB, not a Range unless identity is
 * refused; over 64 KiB as a stream); else the file
 * itself when identity is acceptable; else 406.
 */
export type Representation =
  | { kind: "sidecar"; coding: Coding; bytes: Uint8Array }
  | { kind: "on-the-fly"; coding: Coding; streamed: boolean }
  | { kind: "identity" }
  | { kind: "406" };

/** The representation `path` of `build` should be sent as. */
export function representation(
  build: WebBuild,
  path: string,
  encoding: Encoding,
  range: boolean,
): Representation {
  const sidecars = build.sidecars.get(path) ?? [];
  for (const coding of encoding.accepts) {
    if (sidecars.includes(SUFFIX[coding])) {
      return { kind: "sidecar", coding, bytes: build.files.get(`${path}.${SUFFIX[coding]}`)! };
    }
  }
  const size = build.files.get(path)!.byteLength;
  const compressible = COMPRESSIBLE.test(path) && size >= 1024 && size <= 64 * 1024 * 1024;
  // A Range gets the file's own bytes, unless the client refuses them: then
  // the Range is ignored and the whole file compressed, rather than 406.
  if ((!range || !encoding.identity) && compressible && encoding.accepts.length > 0) {
    return { kind: "on-the-fly", coding: encoding.accepts[0], streamed: size > 64 * 1024 };
  }
  return encoding.identity ? { kind: "identity" } : { kind: "406" };
}

/** The coding a representation is sent with (`null` for the file itself). */
export function codingOf(rep: Representation): Coding | null {
  return rep.kind === "sidecar" || rep.kind === "on-the-fly" ? rep.coding : null;
}

/** The preset's value for a file: a year for fingerprinted names, else `no-cache`. */
export function presetCacheControl(path: string): string {
  return /(?:^|\/)_app\/immutable\/|-[A-Za-z0-9]{8}\.[a-z]+$/.test(path)
    ? "public, max-age=31536000, immutable"
    : "no-cache";
}

/** A response as compared across GET, HEAD and 304: status and fields, no framing. */
export interface Answer {
  status: number;
  fields: Record<string, string>;
  body: Uint8Array;
}

// Fields that differ by the moment or the connection, not the answer.
const IGNORED = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

/** Sends one request over a raw socket and returns its answer. */
export async function exchange(
  url: URL,
  method: string,
  target: string,
  headers: Record<string, string | null | undefined>,
): Promise<Answer> {
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value != null) sent[name] = value;
  const response: RawResponse = await rawExchange(url, { method, target, headers: sent });
  const fields: Record<string, string> = {};
  for (const [name, value] of response.lines) {
    if (IGNORED.has(name)) continue;
    // Repeated lines are one list (RFC 9110 §5.3): Deno 2.9 sends a
    // `Headers.append()`ed Vary as a second line, Node and Bun as one.
    assert.ok(fields[name] === undefined || name === "vary", `${method} ${target}: ${name} twice`);
    fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
  }
  const chunked = response.lines.some(([name, value]) =>
    name === "transfer-encoding" && value.toLowerCase() === "chunked"
  );
  // A HEAD answer has no content, whatever its framing fields say
  // (RFC 9110 §9.3.2): Bun frames one as GET is framed, chunked.
  const body = chunked && method !== "HEAD" ? dechunk(response.body) : response.body;
  // A view, not a Buffer, so that deepEqual compares it with plain bytes.
  return {
    status: response.status,
    fields,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
  };
}

// The content of a chunked body (RFC 9112 §7.1), checked to end with the
// last chunk: a body cut short must not pass for a whole one.
function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    let end = at;
    while (end + 1 < bytes.length && !(bytes[end] === 13 && bytes[end + 1] === 10)) end++;
    assert.ok(end + 1 < bytes.length, "chunked body cut before its last chunk");
    const line = new TextDecoder().decode(bytes.subarray(at, end));
    const size = parseInt(line.split(";")[0], 16);
    assert.ok(Number.isInteger(size), `bad chunk size line ${JSON.stringify(line)}`);
    if (size === 0) break;
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Whether a `Vary` value names `field` (case-insensitive, as RFC 9110 §12.5.5 says). */
export function varies(answer: Answer, field: string): boolean {
  return (answer.fields.vary ?? "").toLowerCase().split(/\s*,\s*/).includes(field.toLowerCase());
}

/**
 * Checks what every GET answer must hold, and that the HEAD answer to the
 * same request has the same status and fields and no body.
 */
export function assertFraming(label: string, get: Answer, head: Answer): void {
  if (get.fields["content-length"] !== undefined) {
    assert.equal(
      Number(get.fields["content-length"]),
      get.body.byteLength,
      `${label}: Content-Length`,
    );
  }
  assert.equal(head.status, get.status, `${label}: HEAD status`);
  assert.deepEqual(head.fields, get.fields, `${label}: HEAD fields`);
  assert.equal(head.body.byteLength, 0, `${label}: HEAD body`);
}

/** What a server's routing should answer a path with. */
export type Route =
  | { kind: "file"; path: string; fallback: "shell" | null }
  | { kind: "page404"; path: string }
  | { kind: "plain"; status: number }
  | { kind: "redirect"; location: string };

/** The routing options of a matrix server. */
export interface RoutingConfig {
  spa: string | null;
  cleanUrls: boolean;
  dotfiles: "ignore" | "deny";
  notFound: string | null;
}

/**
 * Where `target` leads under `config` in `build`, as the README describes
 * it: a dot-segment is refused (never the shell); an exact file wins (under
 * clean URLs a `.html` name redirects to its clean URL); then the `.html`
 * page; then a folder (redirect to add the slash; its index); then what is
 * missing gets the shell for a navigation, the 404 page for a client that
 * wants HTML, or the plain 404.
 */
export function route(
  build: WebBuild,
  config: RoutingConfig,
  target: string,
  accept: string,
): Route {
  const trailingSlash = target.endsWith("/");
  const segments = target.split("/").filter((s) => s !== "");
  const path = segments.join("/");
  const hidden = segments.some((s) => s.startsWith("."));
  const isFile = (p: string) => build.files.has(p);
  const isFolder = (p: string) => [...build.files.keys()].some((f) => f.startsWith(`${p}/`));
  const missing = (): Route => {
    const last = segments.at(-1) ?? "";
    const navigation = accept.includes("text/html") && !last.includes(".") && !hidden;
    if (config.spa !== null && navigation) {
      return { kind: "file", path: config.spa, fallback: "shell" };
    }
    const wantsHtml = !accept.includes("application/json") &&
      (accept.includes("text/html") || accept.includes("*/*"));
    if (config.notFound !== null && wantsHtml) return { kind: "page404", path: config.notFound };
    return { kind: "plain", status: 404 };
  };
  if (hidden) return config.dotfiles === "deny" ? { kind: "plain", status: 403 } : missing();
  if (path !== "" && !trailingSlash && isFile(path)) {
    const clean = path.replace(/(?:^|\/)index\.html$/, "").replace(/\.html$/, "");
    if (config.cleanUrls && clean !== path && !isFile(clean)) {
      const location = "/" + clean + (path.endsWith("index.html") && clean !== "" ? "/" : "");
      return { kind: "redirect", location };
    }
    return { kind: "file", path, fallback: null };
  }
  if (config.cleanUrls && path !== "" && !trailingSlash && isFile(`${path}.html`)) {
    return { kind: "file", path: `${path}.html`, fallback: null };
  }
  if (path === "" || isFolder(path)) {
    if (!trailingSlash && path !== "") return { kind: "redirect", location: `/${path}/` };
    const index = path === "" ? "index.html" : `${path}/index.html`;
    return isFile(index) ? { kind: "file", path: index, fallback: null } : missing();
  }
  return missing();
}
