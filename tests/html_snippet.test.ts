// createFileHandler()'s htmlSnippet (issue 14 §3, live reload): the bytes
// inserted into HTML answers are part of the representation as sent, so
// framing, validators, 304s, HEAD and the small-file cache all follow them.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import { insertSnippet, MAX_INJECTED_SIZE, resolveHtmlSnippet } from "../src/core/html_snippet.ts";
import { runtimeFileSystem } from "../src/fs/runtime.ts";
import { zlibCompressor } from "../src/fs/zlib_compressor.ts";

const SNIPPET = '<script src="/.fileserver/live.js"></script>';
const PAGE = "<!doctype html>\n<html><body><p>Grüße</p></body></html>\n";
const INJECTED = PAGE.replace("</body>", SNIPPET + "</body>");
const CSS = "body { color: teal }\n";
const fs = await runtimeFileSystem();
let root = "";

before(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-snippet-")));
  writeFileSync(join(root, "index.html"), PAGE);
  writeFileSync(join(root, "bare.html"), "<p>no body tag</p>");
  writeFileSync(join(root, "shell.html"), PAGE.replace("Grüße", "shell"));
  writeFileSync(join(root, "404.html"), PAGE.replace("Grüße", "missing"));
  writeFileSync(join(root, "style.css"), CSS);
  writeFileSync(join(root, "big.html"), "<body>" + "x".repeat(4096) + "</body>");
  // Old enough for the small-file cache (SETTLE_MS), so repeats are hits.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
});
after(() => rmSync(root, { recursive: true, force: true }));

function handler(extra: Partial<FileHandlerOptions> = {}) {
  return createFileHandler({ root, fs, htmlSnippet: SNIPPET, ...extra });
}

const get = (path: string, headers: HeadersInit = {}, method = "GET") =>
  new Request(`http://localhost${path}`, { method, headers });

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

test("createFileHandler() htmlSnippet: inserted before </body>, Content-Length counts it", async () => {
  const files = handler();
  for (const path of ["/", "/index.html"]) {
    const response = await files(get(path));
    assert.equal(response.status, 200);
    const body = await bytesOf(response);
    assert.equal(new TextDecoder().decode(body), INJECTED);
    assert.equal(response.headers.get("content-length"), String(body.byteLength));
    assert.equal(response.headers.get("accept-ranges"), "none");
  }
});

test("createFileHandler() htmlSnippet: appended at the end without </body>", async () => {
  const response = await handler()(get("/bare.html"));
  assert.equal(await response.text(), "<p>no body tag</p>" + SNIPPET);
});

test("createFileHandler() htmlSnippet: the ETag differs from the plain file's; 304 only with its own", async () => {
  const plain = (await createFileHandler({ root, fs })(get("/index.html")))
    .headers.get("etag")!;
  const first = await handler()(get("/index.html"));
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^"[^"]+"$/, "a strong tag: the bytes are fixed by file and snippet");
  assert.notEqual(etag, plain);
  const files = handler();
  const revalidated = await files(get("/index.html", { "if-none-match": etag }));
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.headers.get("etag"), etag);
  const withPlain = await files(get("/index.html", { "if-none-match": plain }));
  assert.equal(withPlain.status, 200);
  assert.equal(await withPlain.text(), INJECTED);
  // Another snippet (another version of the script) gives another tag.
  const other = await handler({ htmlSnippet: "<script></script>" })(get("/index.html"));
  await other.body?.cancel();
  assert.notEqual(other.headers.get("etag"), etag);
});

test("createFileHandler() htmlSnippet: HEAD has GET's fields and no body", async () => {
  const files = handler();
  const head = await files(get("/index.html", {}, "HEAD"));
  const full = await files(get("/index.html"));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  for (const name of ["content-length", "etag", "content-type", "accept-ranges"]) {
    assert.equal(head.headers.get(name), full.headers.get(name), name);
  }
  await full.body?.cancel();
});

test("createFileHandler() htmlSnippet: a Range is ignored, the whole page sent with 200", async () => {
  const response = await handler()(get("/index.html", { range: "bytes=0-9" }));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-range"), null);
  assert.equal(await response.text(), INJECTED);
});

test("createFileHandler() htmlSnippet: non-HTML answers are untouched (bytes, tag, ranges)", async () => {
  const plain = createFileHandler({ root, fs });
  const files = handler();
  const a = await files(get("/style.css"));
  const b = await plain(get("/style.css"));
  assert.equal(await a.text(), CSS);
  assert.equal(a.headers.get("etag"), b.headers.get("etag"));
  assert.equal(a.headers.get("content-length"), String(CSS.length));
  await b.body?.cancel();
  const ranged = await files(get("/style.css", { range: "bytes=0-3" }));
  assert.equal(ranged.status, 206);
  assert.equal(await ranged.text(), "body");
});

test("createFileHandler() htmlSnippet: the cache never mixes injected and plain bodies", async () => {
  const injected = handler();
  const plain = createFileHandler({ root, fs });
  // Each handler twice (the second a cache hit), interleaved, plus a Range
  // request, which takes the full path.
  for (let round = 0; round < 2; round++) {
    assert.equal(await (await injected(get("/index.html"))).text(), INJECTED);
    assert.equal(await (await plain(get("/index.html"))).text(), PAGE);
    const ranged = await injected(get("/index.html", { range: "bytes=0-4" }));
    assert.equal(await ranged.text(), INJECTED);
    const plainRanged = await plain(get("/index.html", { range: "bytes=0-4" }));
    assert.equal(await plainRanged.text(), PAGE.slice(0, 5));
  }
  const hit = await injected(get("/index.html"));
  assert.equal(
    hit.headers.get("content-length"),
    String(new TextEncoder().encode(INJECTED).length),
  );
  await hit.body?.cancel();
});

test("createFileHandler() htmlSnippet: the SPA shell and the 404 page get it too", async () => {
  const files = handler({ spa: "shell.html", notFound: "404.html" });
  const shell = await files(get("/app/route", { accept: "text/html" }));
  assert.equal(shell.status, 200);
  const shellBody = await shell.text();
  assert.ok(shellBody.includes("shell") && shellBody.includes(SNIPPET + "</body>"), shellBody);
  const missing = await files(get("/nope.txt", { accept: "text/html" }));
  assert.equal(missing.status, 404);
  const missingBody = await bytesOf(missing);
  assert.ok(new TextDecoder().decode(missingBody).includes(SNIPPET + "</body>"));
  assert.equal(missing.headers.get("content-length"), String(missingBody.byteLength));
});

test("createFileHandler() htmlSnippet: injected HTML is never compressed; other text still is", async () => {
  const files = handler({ compress: zlibCompressor(), precompressed: true });
  const page = await files(get("/big.html", { "accept-encoding": "gzip, br" }));
  assert.equal(page.headers.get("content-encoding"), null);
  assert.ok((await page.text()).endsWith(SNIPPET + "</body>"));
  writeFileSync(join(root, "big.css"), "p { color: red }\n".repeat(200));
  const css = await files(get("/big.css", { "accept-encoding": "gzip" }));
  assert.equal(css.headers.get("content-encoding"), "gzip");
  await css.body?.cancel();
});

test("insertSnippet() finds the last </body> in any case", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const text = "<p>&lt;/body&gt; </body> in text</p></Body>\n</html>";
  assert.equal(
    decode(insertSnippet(encode(text), encode("S"))),
    "<p>&lt;/body&gt; </body> in text</p>S</Body>\n</html>",
  );
  assert.equal(decode(insertSnippet(encode(""), encode("S"))), "S");
});

test("resolveHtmlSnippet() refuses a non-string and takes '' as none", () => {
  assert.throws(() => resolveHtmlSnippet(42), TypeError);
  assert.equal(resolveHtmlSnippet(""), null);
  assert.equal(resolveHtmlSnippet(undefined), null);
  assert.throws(() => handler({ htmlSnippet: true as unknown as string }), TypeError);
  assert.ok(MAX_INJECTED_SIZE >= 1024 * 1024);
});

test("createFileHandler() htmlSnippet: an HTML listing carries it, and its CSP lets it run", async () => {
  const files = handler({ listing: true, index: false });
  const page = await files(get("/"));
  const html = await page.text();
  assert.ok(html.endsWith(`${SNIPPET}</body>\n</html>\n`), html.slice(-120));
  assert.equal(page.headers.get("content-length"), String(new TextEncoder().encode(html).length));
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'sha256-[^']+' 'self'; connect-src 'self';/);
  // Without the snippet, the page allows no script but its own.
  const plain = await createFileHandler({ root, fs, listing: true, index: false })(get("/"));
  await plain.body?.cancel();
  assert.doesNotMatch(plain.headers.get("content-security-policy") ?? "", /'self'/);
  // JSON and plain text listings are not pages: untouched.
  for (const accept of ["application/json", "text/plain"]) {
    const other = await (await files(get("/", { accept }))).text();
    assert.ok(!other.includes(SNIPPET), accept);
  }
});
