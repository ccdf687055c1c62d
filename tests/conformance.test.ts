/**
 * The one behaviour contract of `serve()`: each runtime runs these same
 * cases against its own adapter over a real socket. No case branches on
 * the runtime; a difference is an adapter bug.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { listingCsp } from "../src/core/listing_page.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import {
  BIG_SIZE,
  buildFixture,
  MTIME,
  ODD_NAMES,
  pattern,
  runtimeFileSystem,
} from "./_helpers/fixture.ts";
import { headerValues, rawExchange } from "./_helpers/raw_http.ts";

const fixture = buildFixture();
// Large files of the media types that Bun 1.4.5 marks as downloads when it
// sends a file by its path (Content-Disposition), and one it leaves alone.
const TYPED = {
  "doc.pdf": "application/pdf",
  "archive.zip": "application/zip",
  "schema.xsd": "application/xml",
  "page.html": "text/html; charset=utf-8",
} as const;
const TYPED_SIZE = 200_000;
for (const name of Object.keys(TYPED)) {
  writeFileSync(join(fixture.root, name), pattern(TYPED_SIZE));
  utimesSync(join(fixture.root, name), MTIME, MTIME);
}
// The pages of the routed server (spa, notFound, cleanUrls).
const PAGES = { "404.html": "<h1>Page not found</h1>\n", "about.html": "<p>about</p>\n" };
for (const [name, text] of Object.entries(PAGES)) {
  writeFileSync(join(fixture.root, name), text);
  utimesSync(join(fixture.root, name), MTIME, MTIME);
}
// The fixture's files are left to settle, so that the file handler's cache
// may keep them: each case then runs twice, and the second answer comes
// from the cache wherever the cache answers it.
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 200));
const serve = await runtimeServe();
const controller = new AbortController();
const files = await serve({
  root: fixture.root,
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  listing: true,
  dotfiles: "deny",
});

const routed = await serve({
  root: fixture.root,
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  spa: true,
  notFound: "404.html",
  cleanUrls: true,
});

// The cache policy through serve(): the preset, and a rule before it.
const POLICY_RULE = "public, max-age=60";
const policy = await serve({
  root: fixture.root,
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  cacheControl: { rules: [["**/*.bin", POLICY_RULE]] },
});

// Tags from the bytes (issue 15): the same on every runtime and replica.
const content = await serve({
  root: fixture.root,
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  etag: "content",
});

// What the handler-composition server's streamed route saw.
const streamed = { pulled: 0, cancelled: 0 };
const fileHandler = createFileHandler({ root: fixture.root, fs: await runtimeFileSystem() });
const composed = await serve({
  port: 0,
  hostname: "127.0.0.1",
  signal: controller.signal,
  handler: async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/api/echo") {
      return new Response(`${request.method} ${await request.text()}`, {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (pathname === "/api/throw") throw new Error(`boom in ${fixture.root}`);
    if (pathname === "/api/stream") {
      let chunks = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(stream) {
          streamed.pulled++;
          stream.enqueue(new Uint8Array(100));
          if (++chunks === 10) stream.close();
        },
        cancel() {
          streamed.cancelled++;
        },
      }, { highWaterMark: 0 });
      return new Response(body, { headers: { "content-length": "1000" } });
    }
    return fileHandler(request);
  },
});

after(async () => {
  controller.abort();
  await Promise.all([
    files.finished,
    composed.finished,
    routed.finished,
    policy.finished,
    content.finished,
  ]);
  fixture.remove();
});

const BIG = pattern(BIG_SIZE);
const TEXT = "text/plain; charset=utf-8";
const OCTET = "application/octet-stream";
const ALLOW = "GET, HEAD, OPTIONS";
const LAST_MODIFIED = new Date(MTIME * 1000).toUTCString();
const IMF_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const ANY_ETAG = /^"[0-9a-f]+-[0-9a-f]+"$/;
const ABSENT = Symbol("absent");

/** The ETag the handler gives a fixture file of `size` bytes touched at MTIME. */
function etagOf(size: number): string {
  return `"${size.toString(16)}-${(MTIME * 1000).toString(16)}"`;
}

type Expected = string | RegExp | typeof ABSENT;

/** Exact bytes, or a length and a checker for bodies too large or too varied to spell out. */
type ExpectedBody = string | Uint8Array | {
  length: number;
  check: (bytes: Uint8Array, header: (name: string) => string | null) => void;
};

interface Case {
  name: string;
  method: string;
  /** The request target, sent as is. */
  path: string;
  requestHeaders?: Record<string, string>;
  status: number;
  headers: Record<string, Expected>;
  body: ExpectedBody;
  /** `raw` reads the socket itself, for framing that fetch() hides (HEAD, 204, 304). */
  via: "raw" | "fetch";
  server?: "files" | "composed" | "routed" | "policy" | "content";
}

/** The representation headers of a fixture file, on 200 and on HEAD. */
function fileHeaders(
  type: string,
  length: number,
  validators: { etag: Expected; lastModified: Expected } = {
    etag: etagOf(length),
    lastModified: LAST_MODIFIED,
  },
): Record<string, Expected> {
  return {
    "content-type": type,
    "content-length": String(length),
    etag: validators.etag,
    "last-modified": validators.lastModified,
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "content-range": ABSENT,
    // A file is shown or saved as the client decides, on every runtime.
    "content-disposition": ABSENT,
  };
}

/** The headers of the handler's short plain-text error bodies. */
function errorHeaders(
  body: string,
  extra: Record<string, Expected> = {},
): Record<string, Expected> {
  return {
    "content-type": TEXT,
    "content-length": String(body.length),
    "x-content-type-options": "nosniff",
    etag: ABSENT,
    ...extra,
  };
}

/** The exact multipart/byteranges body the handler sends for `ranges` of big.bin. */
function bigMultipart(boundary: string, ranges: Array<[number, number]>): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(new TextEncoder().encode(s));
  for (const [index, [start, end]] of ranges.entries()) {
    text(`${index === 0 ? "" : "\r\n"}--${boundary}\r\nContent-Type: ${OCTET}\r\n`);
    text(`Content-Range: bytes ${start}-${end}/${BIG_SIZE}\r\n\r\n`);
    parts.push(BIG.subarray(start, end + 1));
  }
  text(`\r\n--${boundary}--\r\n`);
  return Buffer.concat(parts);
}

const MULTI_RANGES: Array<[number, number]> = [[0, 9], [100_000, 100_019]];
const BOUNDARY = /^multipart\/byteranges; boundary=([0-9a-f]{32})$/;

const HELLO = "hello world\n";
const INDEX = "<!DOCTYPE html><title>home</title>\n";
const DOCS_LISTING =
  '{"path":"/docs/","entries":[{"name":"sub","type":"directory","size":0,"modified":"T"},' +
  '{"name":"readme.md","type":"file","size":7,"modified":"T"}]}';
const ISO_MODIFIED = /"modified":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"/g;
// The plain listing of /docs/: names padded to one width, then size and
// date (fixed widths, so the length is known whatever the folder's time).
const DOCS_TEXT = /^Index of \/docs\/\n\nsub\/ {7}- {4}\d{4}-\d\d-\d\d \d\d:\d\d\n/.source +
  /readme\.md {2}7 B {2}\d{4}-\d\d-\d\d \d\d:\d\d\n$/.source;
const DOCS_TEXT_LENGTH = 15 + 2 + 33 + 33;
const LISTING_CSP = await listingCsp();

const TYPED_BYTES = pattern(TYPED_SIZE);

// Each large typed file whole, a part of it, and a Range the handler must
// ignore because If-Range names another version: the same header fields
// everywhere, and never a 206 the handler did not choose.
const typedCases: Case[] = Object.entries(TYPED).flatMap(([name, type]): Case[] => [
  {
    name: `serve() sends a 200 kB ${type} file whole with the same header fields everywhere`,
    method: "GET",
    path: `/${name}`,
    status: 200,
    headers: fileHeaders(type, TYPED_SIZE),
    body: TYPED_BYTES,
    via: "raw",
  },
  {
    name: `serve() sends a 100 kB part of a ${type} file with the same header fields everywhere`,
    method: "GET",
    path: `/${name}`,
    requestHeaders: { range: "bytes=1000-100999" },
    status: 206,
    headers: {
      ...fileHeaders(type, 100_000),
      etag: etagOf(TYPED_SIZE),
      "content-range": `bytes 1000-100999/${TYPED_SIZE}`,
    },
    body: TYPED_BYTES.subarray(1000, 101_000),
    via: "raw",
  },
  {
    name: `serve() sends a ${type} file whole when If-Range names another version`,
    method: "GET",
    path: `/${name}`,
    requestHeaders: { range: "bytes=1000-100999", "if-range": '"another-version"' },
    status: 200,
    headers: fileHeaders(type, TYPED_SIZE),
    body: TYPED_BYTES,
    via: "raw",
  },
]);

const NAVIGATE = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const NOT_FOUND_PAGE = PAGES["404.html"];
const routedCases: Case[] = [
  {
    name: "serve({ spa }) answers a deep link with the shell, no-cache and Vary: Accept",
    method: "GET",
    path: "/users/42",
    requestHeaders: NAVIGATE,
    status: 200,
    headers: {
      ...fileHeaders("text/html; charset=utf-8", INDEX.length),
      "cache-control": "no-cache",
      vary: "Accept",
    },
    body: INDEX,
    via: "fetch",
    server: "routed",
  },
  {
    name: "serve({ spa }) answers a deep link's HEAD with the shell's headers, no body",
    method: "HEAD",
    path: "/users/42",
    requestHeaders: NAVIGATE,
    status: 200,
    headers: { ...fileHeaders("text/html; charset=utf-8", INDEX.length), vary: "Accept" },
    body: "",
    via: "raw",
    server: "routed",
  },
  {
    name: "serve({ spa }) answers 304 to the shell's own ETag at a deep link",
    method: "GET",
    path: "/users/42",
    requestHeaders: { ...NAVIGATE, "if-none-match": etagOf(INDEX.length) },
    status: 304,
    headers: {
      etag: etagOf(INDEX.length),
      "cache-control": "no-cache",
      vary: "Accept",
      "content-length": ABSENT,
    },
    body: "",
    via: "raw",
    server: "routed",
  },
  {
    name: "serve({ notFound }) answers a missing asset with the 404 page, no validators",
    method: "GET",
    path: "/assets/missing.js",
    requestHeaders: NAVIGATE,
    status: 404,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(NOT_FOUND_PAGE.length),
      etag: ABSENT,
      "last-modified": ABSENT,
      vary: "Accept",
    },
    body: NOT_FOUND_PAGE,
    via: "fetch",
    server: "routed",
  },
  {
    name: "serve({ notFound }) answers HEAD of a missing path with the page's headers, no body",
    method: "HEAD",
    path: "/assets/missing.js",
    status: 404,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(NOT_FOUND_PAGE.length),
      vary: "Accept",
    },
    body: "",
    via: "raw",
    server: "routed",
  },
  {
    name: "serve({ notFound }) gives a client that prefers JSON the plain 404",
    method: "GET",
    path: "/api/missing",
    requestHeaders: { accept: "application/json" },
    status: 404,
    headers: errorHeaders("Not Found\n", { vary: "Accept" }),
    body: "Not Found\n",
    via: "fetch",
    server: "routed",
  },
  {
    name: "serve({ spa }) never answers a dotfile path with the shell",
    method: "GET",
    path: "/.env",
    requestHeaders: NAVIGATE,
    status: 404,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": ABSENT },
    body: NOT_FOUND_PAGE,
    via: "fetch",
    server: "routed",
  },
  {
    name: "serve({ cleanUrls }) serves /about from about.html",
    method: "GET",
    path: "/about",
    status: 200,
    headers: fileHeaders("text/html; charset=utf-8", PAGES["about.html"].length),
    body: PAGES["about.html"],
    via: "fetch",
    server: "routed",
  },
  {
    name: "serve({ cleanUrls }) redirects /about.html to /about, query kept",
    method: "GET",
    path: "/about.html?lang=fr",
    status: 301,
    headers: { location: "/about?lang=fr" },
    body: "Moved Permanently\n",
    via: "fetch",
    server: "routed",
  },
];

const cases: Case[] = [
  ...typedCases,
  ...routedCases,
  {
    name: "serve() answers GET of a file with every representation header",
    method: "GET",
    path: "/hello.txt",
    status: 200,
    headers: fileHeaders(TEXT, HELLO.length),
    body: HELLO,
    via: "fetch",
  },
  {
    name: "serve() sends HEAD with GET's headers and no body",
    method: "HEAD",
    path: "/hello.txt",
    status: 200,
    headers: fileHeaders(TEXT, HELLO.length),
    body: "",
    via: "raw",
  },
  {
    name: "serve() sends HEAD of a 5 MiB file with its full Content-Length and no body",
    method: "HEAD",
    path: "/big.bin",
    status: 200,
    headers: fileHeaders(OCTET, BIG_SIZE),
    body: "",
    via: "raw",
  },
  {
    name: "serve() sends a 5 MiB file byte for byte",
    method: "GET",
    path: "/big.bin",
    status: 200,
    headers: fileHeaders(OCTET, BIG_SIZE),
    body: {
      length: BIG_SIZE,
      check: (bytes) => assert.ok(Buffer.from(bytes).equals(Buffer.from(BIG)), "bytes differ"),
    },
    via: "fetch",
  },
  {
    name: "serve() sends index.html for a directory URL",
    method: "GET",
    path: "/",
    status: 200,
    headers: fileHeaders("text/html; charset=utf-8", INDEX.length),
    body: INDEX,
    via: "fetch",
  },
  {
    name: "serve() answers If-None-Match with a bare 304 carrying the validators",
    method: "GET",
    path: "/hello.txt",
    requestHeaders: { "if-none-match": etagOf(HELLO.length) },
    status: 304,
    headers: {
      etag: etagOf(HELLO.length),
      "last-modified": LAST_MODIFIED,
      "content-length": ABSENT,
      "content-type": ABSENT,
      "content-range": ABSENT,
    },
    body: "",
    via: "raw",
  },
  {
    name: "serve() answers a conditional HEAD with 304 too",
    method: "HEAD",
    path: "/hello.txt",
    requestHeaders: { "if-none-match": `"other", ${etagOf(HELLO.length)}` },
    status: 304,
    headers: {
      etag: etagOf(HELLO.length),
      "last-modified": LAST_MODIFIED,
      "content-length": ABSENT,
      "content-type": ABSENT,
    },
    body: "",
    via: "raw",
  },
  {
    name: "serve() answers a failed If-Match with 412",
    method: "GET",
    path: "/hello.txt",
    requestHeaders: { "if-match": '"not-the-etag"' },
    status: 412,
    headers: errorHeaders("Precondition Failed\n"),
    body: "Precondition Failed\n",
    via: "fetch",
  },
  {
    name: "serve() answers a single Range with 206 and exactly those bytes",
    method: "GET",
    path: "/big.bin",
    requestHeaders: { range: "bytes=1000-1999" },
    status: 206,
    headers: {
      ...fileHeaders(OCTET, 1000),
      etag: etagOf(BIG_SIZE),
      "content-range": `bytes 1000-1999/${BIG_SIZE}`,
    },
    body: BIG.subarray(1000, 2000),
    via: "fetch",
  },
  {
    name: "serve() answers HEAD with a Range with GET's 206 headers and no body",
    method: "HEAD",
    path: "/big.bin",
    requestHeaders: { range: "bytes=-10" },
    status: 206,
    headers: {
      ...fileHeaders(OCTET, 10),
      etag: etagOf(BIG_SIZE),
      "content-range": `bytes ${BIG_SIZE - 10}-${BIG_SIZE - 1}/${BIG_SIZE}`,
    },
    body: "",
    via: "raw",
  },
  {
    name: "serve() sends multipart/byteranges with a Content-Length equal to the bytes sent",
    method: "GET",
    path: "/big.bin",
    requestHeaders: { range: "bytes=" + MULTI_RANGES.map(([s, e]) => `${s}-${e}`).join(",") },
    status: 206,
    headers: {
      "content-type": BOUNDARY,
      "content-length": String(bigMultipart("0".repeat(32), MULTI_RANGES).byteLength),
      etag: etagOf(BIG_SIZE),
      "content-range": ABSENT,
    },
    body: {
      length: bigMultipart("0".repeat(32), MULTI_RANGES).byteLength,
      check: (bytes, header) => {
        const boundary = BOUNDARY.exec(header("content-type") ?? "")![1];
        const expected = bigMultipart(boundary, MULTI_RANGES);
        assert.ok(Buffer.from(bytes).equals(Buffer.from(expected)), "multipart body differs");
      },
    },
    via: "raw",
  },
  {
    name: "serve() answers an unsatisfiable Range with 416 and Content-Range",
    method: "GET",
    path: "/big.bin",
    requestHeaders: { range: `bytes=${BIG_SIZE}-` },
    status: 416,
    headers: errorHeaders("Range Not Satisfiable\n", { "content-range": `bytes */${BIG_SIZE}` }),
    body: "Range Not Satisfiable\n",
    via: "fetch",
  },
  {
    name: "serve() redirects a directory without trailing slash with 301 and Location",
    method: "GET",
    path: "/docs?x=1",
    status: 301,
    headers: {
      location: "/docs/?x=1",
      "content-type": TEXT,
      "content-length": String("Moved Permanently\n".length),
    },
    body: "Moved Permanently\n",
    via: "fetch",
  },
  {
    name: "serve() answers a malformed percent-encoding with 400",
    method: "GET",
    path: "/%zz.txt",
    status: 400,
    headers: errorHeaders("Bad Request\n"),
    body: "Bad Request\n",
    via: "raw",
  },
  {
    name: "serve() answers a missing file with 404",
    method: "GET",
    path: "/missing.txt",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "Not Found\n",
    via: "fetch",
  },
  {
    name: "serve() answers HEAD of a missing file with 404 headers and no body",
    method: "HEAD",
    path: "/missing.txt",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "",
    via: "raw",
  },
  // Asked again, each missing path below comes from the negative cache
  // where it may (the fixture's folders have settled), through each
  // adapter's fast path, and must not differ by a byte.
  {
    name: "serve() answers a missing file in a folder that exists with 404",
    method: "GET",
    path: "/nested/deeper/missing.txt",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "Not Found\n",
    via: "raw",
  },
  {
    name: "serve() answers a missing file under missing folders with 404",
    method: "GET",
    path: "/no/such/folder/file.txt",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "Not Found\n",
    via: "fetch",
  },
  {
    name: "serve() answers HEAD of a missing folder with a trailing slash with 404, no body",
    method: "HEAD",
    path: "/nested/missing/",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "",
    via: "raw",
  },
  {
    name: "serve() answers a missing file behind a link to a folder with 404",
    method: "GET",
    path: "/link-inside-dir/missing.txt",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "Not Found\n",
    via: "raw",
  },
  {
    name: "serve() answers a dangling link with 404",
    method: "GET",
    path: "/dangling",
    status: 404,
    headers: errorHeaders("Not Found\n"),
    body: "Not Found\n",
    via: "raw",
  },
  {
    name: "serve({ cleanUrls, notFound }) answers a missing page to JSON with the plain 404",
    method: "GET",
    path: "/docs/missing-page",
    requestHeaders: { accept: "application/json" },
    status: 404,
    headers: errorHeaders("Not Found\n", { vary: "Accept" }),
    body: "Not Found\n",
    via: "raw",
    server: "routed",
  },
  {
    name: 'serve() answers a dotfile with 403 under dotfiles: "deny"',
    method: "GET",
    path: "/.env",
    status: 403,
    headers: errorHeaders("Forbidden\n"),
    body: "Forbidden\n",
    via: "fetch",
  },
  {
    name: "serve() answers an unsupported method with 405 and Allow",
    method: "DELETE",
    path: "/hello.txt",
    status: 405,
    headers: errorHeaders("Method Not Allowed\n", { allow: ALLOW }),
    body: "Method Not Allowed\n",
    via: "fetch",
  },
  {
    name: "serve() answers OPTIONS with a bodiless 204 and Allow",
    method: "OPTIONS",
    path: "/hello.txt",
    status: 204,
    headers: { allow: ALLOW, "content-length": ABSENT, "content-type": ABSENT },
    body: "",
    via: "raw",
  },
  {
    name: "serve() sends an empty file as 200 with Content-Length: 0",
    method: "GET",
    path: "/empty.txt",
    status: 200,
    headers: fileHeaders(TEXT, 0),
    body: "",
    via: "raw",
  },
  {
    name: "serve() lists a directory as JSON when the client asks for it",
    method: "GET",
    path: "/docs/",
    requestHeaders: { accept: "application/json" },
    status: 200,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(DOCS_LISTING.replaceAll('"T"', `"${"0".repeat(24)}"`).length),
      vary: "Accept",
      "x-content-type-options": "nosniff",
      etag: ABSENT,
    },
    body: {
      length: DOCS_LISTING.replaceAll('"T"', `"${"0".repeat(24)}"`).length,
      check: (bytes) => {
        const text = new TextDecoder().decode(bytes).replace(ISO_MODIFIED, '"modified":"T"');
        assert.equal(text, DOCS_LISTING);
      },
    },
    via: "fetch",
  },
  {
    name: "serve() lists a directory as aligned plain text for Accept: text/plain",
    method: "GET",
    path: "/docs/",
    requestHeaders: { accept: "text/plain" },
    status: 200,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(DOCS_TEXT_LENGTH),
      vary: "Accept",
      "x-content-type-options": "nosniff",
      "content-security-policy": ABSENT,
    },
    body: {
      length: DOCS_TEXT_LENGTH,
      check: (bytes) => assert.match(new TextDecoder().decode(bytes), new RegExp(DOCS_TEXT)),
    },
    via: "fetch",
  },
  {
    name: "serve() sends the HTML listing with its hash-based Content-Security-Policy",
    method: "HEAD",
    path: "/docs/?sort=size",
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      vary: "Accept",
      "x-content-type-options": "nosniff",
      "content-security-policy": LISTING_CSP,
      etag: ABSENT,
    },
    body: "",
    via: "raw",
  },
  ...Object.entries(ODD_NAMES).map(([kind, name]): Case => {
    const body = `content of ${name}\n`;
    const type = name.endsWith(".html") ? "text/html; charset=utf-8" : TEXT;
    return {
      name: `serve() sends a file whose name has ${kind} characters`,
      method: "GET",
      path: `/odd/${encodeURIComponent(name)}`,
      status: 200,
      headers: fileHeaders(type, new TextEncoder().encode(body).byteLength, {
        etag: ANY_ETAG,
        lastModified: IMF_DATE,
      }),
      body,
      via: "fetch",
    };
  }),
  {
    name: "serve({ handler }) falls through to createFileHandler with full file semantics",
    method: "GET",
    path: "/hello.txt",
    requestHeaders: { range: "bytes=0-4" },
    status: 206,
    headers: {
      ...fileHeaders(TEXT, 5),
      etag: etagOf(HELLO.length),
      "content-range": `bytes 0-4/${HELLO.length}`,
    },
    body: "hello",
    via: "fetch",
    server: "composed",
  },
  ...cacheControlCases(),
  ...contentEtagCases(),
];

/** A response reduced to what every case asserts on, whichever way it was fetched. */
interface Received {
  status: number;
  header: (name: string) => string | null;
  body: Uint8Array;
}

// Header fields a response must never repeat: a second line would mean a
// runtime added its own framing or date next to the handler's.
const SINGLE = ["content-length", "transfer-encoding", "date", "etag", "content-type"];

async function send(c: Case): Promise<Received> {
  const server = c.server === "composed"
    ? composed
    : c.server === "routed"
    ? routed
    : c.server === "policy"
    ? policy
    : c.server === "content"
    ? content
    : files;
  if (c.via === "raw") {
    const raw = await rawExchange(server.url, {
      method: c.method,
      target: c.path,
      headers: c.requestHeaders,
    });
    for (const name of SINGLE) {
      assert.ok(headerValues(raw, name).length <= 1, `${name} sent more than once`);
    }
    return {
      status: raw.status,
      header: (name) => headerValues(raw, name)[0] ?? null,
      body: raw.body,
    };
  }
  const response = await fetch(new URL(c.path, server.url), {
    method: c.method,
    headers: c.requestHeaders,
    redirect: "manual",
  });
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

function assertHeader(name: string, actual: string | null, expected: Expected): void {
  if (expected === ABSENT) assert.equal(actual, null, `${name} should be absent`);
  else if (expected instanceof RegExp) assert.match(actual ?? "<absent>", expected, name);
  else assert.equal(actual, expected, name);
}

function assertBody(c: Case, received: Received): void {
  const { body } = c;
  if (typeof body === "string" || body instanceof Uint8Array) {
    const expected = typeof body === "string" ? new TextEncoder().encode(body) : body;
    assert.equal(received.body.byteLength, expected.byteLength, "body length");
    assert.ok(Buffer.from(received.body).equals(Buffer.from(expected)), "body bytes differ");
    return;
  }
  assert.equal(received.body.byteLength, body.length, "body length");
  body.check(received.body, received.header);
}

for (const c of cases.flatMap((c) => [c, { ...c, name: `${c.name} (asked again)` }])) {
  test(c.name, async () => {
    const received = await send(c);
    assert.equal(received.status, c.status, "status");
    for (const [name, expected] of Object.entries(c.headers)) {
      assertHeader(name, received.header(name), expected);
    }
    // RFC 9110 §6.6.1: an origin server with a clock dates every 2xx-4xx.
    assertHeader("date", received.header("date"), IMF_DATE);
    // Every response here is framed by the handler's Content-Length or has
    // no content at all: a runtime must not switch to chunked.
    assertHeader("transfer-encoding", received.header("transfer-encoding"), ABSENT);
    const length = received.header("content-length");
    if (c.method !== "HEAD" && length !== null) {
      assert.equal(received.body.byteLength, Number(length), "Content-Length vs bytes received");
    }
    assertBody(c, received);
  });
}

test("serve({ handler }) passes a POST body and its method to the handler", async () => {
  const response = await fetch(new URL("/api/echo", composed.url), {
    method: "POST",
    body: "ping ünï\n",
  });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "POST ping ünï\n");
});

test("serve({ handler }) answers a throwing handler with a bare 500 and keeps serving", async () => {
  const failed = await fetch(new URL("/api/throw", composed.url));
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get("content-type"), TEXT);
  const text = await failed.text();
  assert.equal(text, "Internal Server Error\n");
  assert.ok(!text.includes("boom") && !text.includes(fixture.root), "the body leaks the error");
  const next = await fetch(new URL("/hello.txt", composed.url));
  assert.equal(next.status, 200);
  assert.equal(await next.text(), HELLO);
});

test("serve({ handler }) answers HEAD for a streamed body with its Content-Length, unread", async () => {
  const before = { ...streamed };
  const raw = await rawExchange(composed.url, { method: "HEAD", target: "/api/stream" });
  assert.equal(raw.status, 200);
  assert.deepEqual(headerValues(raw, "content-length"), ["1000"]);
  assert.deepEqual(headerValues(raw, "transfer-encoding"), []);
  assert.match(headerValues(raw, "date")[0] ?? "<absent>", IMF_DATE);
  assert.equal(raw.body.byteLength, 0);
  // The body is cancelled rather than read: HEAD never reads a body.
  for (let i = 0; i < 100 && streamed.cancelled === before.cancelled; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(streamed.cancelled, before.cancelled + 1, "body not cancelled");
  assert.equal(streamed.pulled, before.pulled, "body was read");
});

test("serve() answers a 5 MiB POST it never reads without holding up the next request", async () => {
  const refused = await fetch(new URL("/hello.txt", files.url), {
    method: "POST",
    body: new Uint8Array(5 * 1024 * 1024),
  });
  assert.equal(refused.status, 405);
  await refused.arrayBuffer();
  const started = performance.now();
  const next = await fetch(new URL("/hello.txt", files.url));
  assert.equal(await next.text(), HELLO);
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `the next request took ${ms.toFixed(0)} ms`);
});

// RFC 9110 §15.4.5: the 304 carries the Cache-Control the 200 would; a
// 206 and a HEAD carry it as the 200 does, on every runtime's send path
// (Bun's sends large files by path).
function cacheControlCases(): Case[] {
  const html = "text/html; charset=utf-8";
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ["a 200 for HTML", "/page.html", {}, 200, "no-cache"],
    ["a HEAD for an index page", "/", {}, 200, "no-cache"],
    ["a 304", "/hello.txt", { "if-none-match": etagOf(HELLO.length) }, 304, "no-cache"],
    ["a 206 under a rule", "/big.bin", { range: "bytes=0-9" }, 206, POLICY_RULE],
    ["a 304 under a rule", "/big.bin", { "if-none-match": etagOf(BIG_SIZE) }, 304, POLICY_RULE],
  ];
  return cases.map(([what, path, requestHeaders, status, value]): Case => ({
    name: `serve({ cacheControl }) puts Cache-Control on ${what}`,
    method: what.includes("HEAD") ? "HEAD" : "GET",
    path,
    requestHeaders,
    status,
    headers: {
      "cache-control": value,
      "content-type": status === 304 ? ABSENT : path === "/big.bin" ? OCTET : html,
    },
    body: {
      length: what.includes("HEAD") || status === 304 ? 0 : status === 206 ? 10 : TYPED_SIZE,
      check: () => {},
    },
    via: "raw",
    server: "policy",
  }));
}

// serve({ etag: "content" }): SHA-256 of the bytes, first 128 bits in
// base64url, pinned, so every runtime must make the same tag; a Range
// whose If-Range is that tag is honoured.
function contentEtagCases(): Case[] {
  const hello = '"qUiQTy8PR5uPgZdpSzAYSw"';
  const big = '"9sRqqUZouwu87mFPINgmcw"';
  return [
    {
      name: 'serve({ etag: "content" }) tags hello.txt with the SHA-256 of its bytes',
      method: "GET",
      path: "/hello.txt",
      status: 200,
      headers: fileHeaders(TEXT, HELLO.length, { etag: hello, lastModified: LAST_MODIFIED }),
      body: HELLO,
      via: "fetch",
      server: "content",
    },
    {
      name: 'serve({ etag: "content" }) answers If-None-Match with the content tag with 304',
      method: "GET",
      path: "/hello.txt",
      requestHeaders: { "if-none-match": hello },
      status: 304,
      headers: { etag: hello, "content-type": ABSENT },
      body: "",
      via: "raw",
      server: "content",
    },
    {
      name: 'serve({ etag: "content" }) honours If-Range with the content tag of a 5 MiB file',
      method: "GET",
      path: "/big.bin",
      requestHeaders: { range: "bytes=0-9", "if-range": big },
      status: 206,
      headers: { etag: big, "content-range": `bytes 0-9/${BIG_SIZE}` },
      body: BIG.subarray(0, 10),
      via: "raw",
      server: "content",
    },
  ];
}
