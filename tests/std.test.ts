/**
 * serveDir() and serveFile() of @seed/fileserver/std on the running
 * runtime: each of std's options changes what is served, std's answers
 * where std is right, the core's where std has a known defect; and the
 * CLI's std flags.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { serveDir, type ServeDirOptions, serveFile } from "../src/std.ts";
import { parseCommandLine, type ServeArgs, UsageError } from "../src/cli/args.ts";
import { HELP } from "../src/cli/help.ts";
import { RUNTIME } from "./_helpers/fixture.ts";
import { runCli, sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";

const ROOT = mkdtempSync(join(tmpdir(), "fileserver-std-"));
mkdirSync(join(ROOT, "docs"));
mkdirSync(join(ROOT, "plain"));
writeFileSync(join(ROOT, "hello.txt"), "hello, world\n");
writeFileSync(join(ROOT, ".secret"), "hidden\n");
writeFileSync(join(ROOT, "about.html"), "<h1>about</h1>\n");
writeFileSync(join(ROOT, "docs", "index.html"), "<h1>docs</h1>\n");
writeFileSync(join(ROOT, "plain", "a.txt"), "a\n");
writeFileSync(join(ROOT, "plain", ".dot"), "dot\n");
after(() => rmSync(ROOT, { recursive: true, force: true }));

const get = (path: string, init?: RequestInit) => new Request(`http://localhost${path}`, init);
const dir = (path: string, opts: ServeDirOptions = {}, init?: RequestInit) =>
  serveDir(get(path, init), { fsRoot: ROOT, quiet: true, ...opts });

async function drained(response: Response): Promise<Response> {
  await response.body?.cancel();
  return response;
}

test(`serveDir() on ${RUNTIME} serves a file under fsRoot with validators and statusText`, async () => {
  const response = await dir("/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(response.statusText, "OK");
  assert.equal(await response.text(), "hello, world\n");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.ok(response.headers.get("etag"));
  assert.ok(response.headers.get("last-modified"));
});

test(`serveDir() on ${RUNTIME} takes fsRoot relative to the working directory, "." by default`, async () => {
  const relativeRoot = relative(process.cwd(), ROOT);
  const response = await serveDir(get("/hello.txt"), { fsRoot: relativeRoot, quiet: true });
  assert.equal(await response.text(), "hello, world\n");
  const cwd = await serveDir(get("/deno.json"), { quiet: true });
  assert.equal(cwd.status, 200);
  assert.equal(await cwd.text(), readFileSync("deno.json", "utf8"));
});

test(`serveDir() on ${RUNTIME} answers a missing file with 404 "Not Found"`, async () => {
  const response = await dir("/missing.txt");
  assert.equal(response.status, 404);
  assert.equal(response.statusText, "Not Found");
  assert.match(await response.text(), /^Not Found/);
});

test(`serveDir() on ${RUNTIME} strips urlRoot, written "static" or "/static"`, async () => {
  for (const urlRoot of ["static", "/static"]) {
    const response = await dir("/static/hello.txt", { urlRoot });
    assert.equal(await response.text(), "hello, world\n", urlRoot);
  }
});

test(`serveDir() on ${RUNTIME} answers 404 outside urlRoot, on segment boundaries`, async () => {
  assert.equal((await drained(await dir("/hello.txt", { urlRoot: "static" }))).status, 404);
  // std compares the text: "/staticx/hello.txt" would pass its check.
  const near = await dir("/staticx/hello.txt", { urlRoot: "static" });
  assert.equal((await drained(near)).status, 404);
});

test(`serveDir() on ${RUNTIME} redirects a folder to its slash, urlRoot kept`, async () => {
  const response = await drained(await dir("/static/docs", { urlRoot: "static" }));
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/static/docs/");
  const top = await drained(await dir("/static", { urlRoot: "static" }));
  assert.equal(top.headers.get("location"), "/static/");
  const index = await dir("/static/docs/", { urlRoot: "static" });
  assert.equal(await index.text(), "<h1>docs</h1>\n");
});

test(`serveDir() on ${RUNTIME} keeps the query on a folder redirect`, async () => {
  const response = await drained(await dir("/docs?a=1"));
  assert.equal(response.headers.get("location"), "/docs/?a=1");
});

test(`serveDir() on ${RUNTIME} serves index.html unless showIndex is false`, async () => {
  assert.equal(await (await dir("/docs/")).text(), "<h1>docs</h1>\n");
  const off = await dir("/docs/", { showIndex: false });
  assert.equal((await drained(off)).status, 404);
  const listed = await dir("/docs/", { showIndex: false, showDirListing: true });
  assert.match(await listed.text(), /index\.html/);
});

test(`serveDir() on ${RUNTIME} lists a folder only with showDirListing`, async () => {
  assert.equal((await drained(await dir("/plain/"))).status, 404);
  const listing = await dir("/plain/", { showDirListing: true });
  assert.equal(listing.status, 200);
  assert.match(listing.headers.get("content-type") ?? "", /^text\/html/);
  const html = await listing.text();
  assert.match(html, /a\.txt/);
  assert.doesNotMatch(html, /\.dot/);
});

test(`serveDir() on ${RUNTIME} serves and lists dotfiles only with showDotfiles`, async () => {
  assert.equal((await drained(await dir("/.secret"))).status, 404);
  const shown = await dir("/.secret", { showDotfiles: true });
  assert.equal(await shown.text(), "hidden\n");
  const listing = await dir("/plain/", { showDirListing: true, showDotfiles: true });
  assert.match(await listing.text(), /\.dot/);
});

test(`serveDir() on ${RUNTIME} adds CORS headers only with enableCors`, async () => {
  const plain = await drained(await dir("/hello.txt"));
  assert.equal(plain.headers.get("access-control-allow-origin"), null);
  const open = await drained(await dir("/hello.txt", { enableCors: true }));
  assert.equal(open.headers.get("access-control-allow-origin"), "*");
  const preflight = await dir("/hello.txt", { enableCors: true }, {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "GET" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
});

test(`serveDir() on ${RUNTIME} adds headers given as "Name: value" strings`, async () => {
  const headers = ["Cache-Control: max-age=60", "X-Note: a:b"];
  const response = await drained(await dir("/hello.txt", { headers }));
  assert.equal(response.headers.get("cache-control"), "max-age=60");
  assert.equal(response.headers.get("x-note"), "a:b");
  const etag = response.headers.get("etag") ?? "";
  const notModified = await dir("/hello.txt", { headers }, { headers: { "if-none-match": etag } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get("cache-control"), "max-age=60");
});

test(`serveDir() on ${RUNTIME} rejects a header without a colon or a framing header with TypeError`, async () => {
  await assert.rejects(dir("/hello.txt", { headers: ["no colon"] }), TypeError);
  await assert.rejects(dir("/hello.txt", { headers: ["Content-Length: 1"] }), TypeError);
  await assert.rejects(dir("/hello.txt", { headers: "X-A: 1" as unknown as string[] }), TypeError);
});

test(`serveDir() on ${RUNTIME} rejects mistyped options with TypeError, and recovers`, async () => {
  const bad = [
    { fsRoot: 1 },
    { fsRoot: "" },
    { urlRoot: 1 },
    { showIndex: "yes" },
    { showDirListing: 1 },
    { showDotfiles: "no" },
    { enableCors: "true" },
    { quiet: 0 },
    { cleanUrls: "1" },
    { etagAlgorithm: 5 },
  ];
  for (const opts of bad) {
    await assert.rejects(
      serveDir(get("/hello.txt"), opts as unknown as ServeDirOptions),
      TypeError,
      JSON.stringify(opts),
    );
  }
  assert.equal((await drained(await dir("/hello.txt"))).status, 200);
});

test(`serveDir() on ${RUNTIME} accepts etagAlgorithm and keeps the core's ETag`, async () => {
  const plain = await drained(await dir("/hello.txt"));
  const sha1 = await drained(await dir("/hello.txt", { etagAlgorithm: "SHA-1" }));
  assert.equal(sha1.status, 200);
  assert.equal(sha1.headers.get("etag"), plain.headers.get("etag"));
  // Strong (std's is weak), so that If-Range and If-Match can use it.
  assert.match(plain.headers.get("etag") ?? "", /^"/);
});

test(`serveDir() on ${RUNTIME} logs one std-style line per request unless quiet`, async () => {
  const lines: string[] = [];
  const debug = console.debug;
  console.debug = (line: string) => lines.push(line);
  try {
    await drained(await serveDir(get("/hello.txt?q=1"), { fsRoot: ROOT }));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[GET\] \/hello\.txt\?q=1 200$/);
    await drained(await serveDir(get("/hello.txt"), { fsRoot: ROOT, quiet: true }));
    assert.equal(lines.length, 1);
  } finally {
    console.debug = debug;
  }
});

test(`serveDir() on ${RUNTIME} serves about.html for /about only with cleanUrls`, async () => {
  assert.equal((await drained(await dir("/about"))).status, 404);
  const clean = await dir("/about", { cleanUrls: true });
  assert.equal(await clean.text(), "<h1>about</h1>\n");
});

test(`serveDir() on ${RUNTIME} answers HEAD, and a conditional HEAD with 304 (std: 405)`, async () => {
  const head = await dir("/hello.txt", {}, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), "13");
  assert.equal(await head.text(), "");
  const etag = head.headers.get("etag") ?? "";
  for (const method of ["GET", "HEAD"]) {
    const response = await dir("/hello.txt", {}, { method, headers: { "if-none-match": etag } });
    assert.equal(response.status, 304, method);
    assert.equal(response.statusText, "Not Modified");
  }
});

test(`serveDir() on ${RUNTIME} answers a malformed % with 400 (std: 500)`, async () => {
  const response = await dir("/%E0%A4%A.txt");
  assert.equal(response.status, 400);
  assert.equal(response.statusText, "Bad Request");
  await response.body?.cancel();
});

test(`serveDir() on ${RUNTIME} answers POST with 405 and Allow (std: no Allow)`, async () => {
  const response = await drained(await dir("/hello.txt", {}, { method: "POST", body: "x" }));
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

test(`serveDir() on ${RUNTIME} answers a Range with 206`, async () => {
  const response = await dir("/hello.txt", {}, { headers: { range: "bytes=0-4" } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), "bytes 0-4/13");
  assert.equal(await response.text(), "hello");
});

test(`serveDir() on ${RUNTIME} works with a fresh options object per call, beyond the shared limit`, async () => {
  // More distinct option sets than are kept: each still answers right, and
  // the first, evicted since, is built again.
  for (let i = 0; i < 70; i++) {
    const response = await drained(await dir("/hello.txt", { headers: [`X-N: ${i}`] }));
    assert.equal(response.headers.get("x-n"), String(i));
  }
  const again = await drained(await dir("/hello.txt", { headers: ["X-N: 0"] }));
  assert.equal(again.headers.get("x-n"), "0");
});

test(`serveDir() on ${RUNTIME} reuses one options object across calls`, async () => {
  const opts: ServeDirOptions = { fsRoot: ROOT, quiet: true, urlRoot: "s" };
  for (let i = 0; i < 3; i++) {
    assert.equal(await (await serveDir(get("/s/hello.txt"), opts)).text(), "hello, world\n");
  }
});

const FILE = join(ROOT, "hello.txt");

test(`serveFile() on ${RUNTIME} serves exactly the named file, whatever the URL`, async () => {
  const response = await serveFile(get("/anything/else?x=1"), FILE);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello, world\n");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
});

test(`serveFile() on ${RUNTIME} takes a path relative to the working directory`, async () => {
  const response = await serveFile(get("/"), relative(process.cwd(), FILE));
  assert.equal(await response.text(), "hello, world\n");
});

test(`serveFile() on ${RUNTIME} answers a Range with 206 and a bad one with 416`, async () => {
  const response = await serveFile(get("/", { headers: { range: "bytes=7-11" } }), FILE);
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), "bytes 7-11/13");
  assert.equal(await response.text(), "world");
  const beyond = await serveFile(get("/", { headers: { range: "bytes=50-60" } }), FILE);
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get("content-range"), "bytes */13");
  await beyond.body?.cancel();
});

test(`serveFile() on ${RUNTIME} answers If-None-Match and If-Modified-Since with 304, HEAD too`, async () => {
  const first = await drained(await serveFile(get("/"), FILE));
  const etag = first.headers.get("etag") ?? "";
  const lastModified = first.headers.get("last-modified") ?? "";
  for (const method of ["GET", "HEAD"]) {
    const byTag = await serveFile(get("/", { method, headers: { "if-none-match": etag } }), FILE);
    assert.equal(byTag.status, 304, method);
    const byDate = await serveFile(
      get("/", { method, headers: { "if-modified-since": lastModified } }),
      FILE,
    );
    assert.equal(byDate.status, 304, method);
  }
});

test(`serveFile() on ${RUNTIME} answers 404 for a missing file, folder or parent`, async () => {
  for (const path of [join(ROOT, "missing.txt"), join(ROOT, "no", "such.txt"), ROOT, "/"]) {
    const response = await serveFile(get("/"), path);
    assert.equal(response.status, 404, path);
    assert.equal(response.statusText, "Not Found");
    await response.body?.cancel();
  }
});

test(`serveFile() on ${RUNTIME} serves a named dotfile`, async () => {
  const response = await serveFile(get("/"), join(ROOT, ".secret"));
  assert.equal(await response.text(), "hidden\n");
});

test(`serveFile() on ${RUNTIME} answers POST with 405 and Allow`, async () => {
  const response = await drained(await serveFile(get("/", { method: "POST", body: "x" }), FILE));
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

test(`serveFile() on ${RUNTIME} accepts std's fileInfo and etagAlgorithm, and refuses a bad one`, async () => {
  const response = await serveFile(get("/"), FILE, { etagAlgorithm: "SHA-1", fileInfo: {} });
  assert.equal(await response.text(), "hello, world\n");
  await assert.rejects(
    serveFile(get("/"), FILE, { etagAlgorithm: 1 as unknown as string }),
    TypeError,
  );
  await assert.rejects(serveFile(get("/"), ""), TypeError);
});

const serve = (argv: string[]) => parseCommandLine(argv) as ServeArgs;

test("parseCommandLine() reads Deno std's --dir-listing and --no-dir-listing", () => {
  assert.equal(serve(["--dir-listing"]).listing, true);
  assert.equal(serve(["--no-dir-listing"]).listing, false);
  assert.throws(() => parseCommandLine(["--dir-listing", "--no-dir-listing"]), UsageError);
  assert.throws(() => parseCommandLine(["--listing", "--no-dir-listing"]), UsageError);
});

test("parseCommandLine() reads std's bare --dotfiles as allow, and --no-dotfiles as ignore", () => {
  assert.equal(serve(["--dotfiles"]).dotfiles, "allow");
  const beforeDir = serve(["--dotfiles", "site"]);
  assert.equal(beforeDir.dotfiles, "allow");
  assert.equal(beforeDir.dir, "site");
  assert.equal(serve(["--dotfiles", "deny", "site"]).dotfiles, "deny");
  assert.equal(serve(["--dotfiles=deny"]).dotfiles, "deny");
  assert.equal(serve(["--no-dotfiles"]).dotfiles, "ignore");
  assert.throws(() => parseCommandLine(["--dotfiles", "--no-dotfiles"]), UsageError);
});

test("parseCommandLine() reads std's --no-cors, -v, -c and -k", () => {
  assert.equal(serve(["--no-cors"]).cors, false);
  assert.throws(() => parseCommandLine(["--cors", "--no-cors"]), UsageError);
  assert.equal(serve(["-v"]).quiet, false);
  assert.throws(() => parseCommandLine(["-v", "-q"]), UsageError);
  const tls = serve(["-c", "cert.pem", "-k", "key.pem"]);
  assert.equal(tls.cert, "cert.pem");
  assert.equal(tls.key, "key.pem");
});

test("HELP names std's flags: --dir-listing, --no-dotfiles, --no-cors, -v, -c, -k", () => {
  assert.match(HELP, /--dir-listing/);
  assert.match(HELP, /--no-dir-listing/);
  assert.match(HELP, /--no-dotfiles/);
  assert.match(HELP, /--no-cors/);
  assert.match(HELP, /-v, --verbose/);
  assert.match(HELP, /-c, --cert FILE/);
  assert.match(HELP, /-k, --key FILE/);
});

test(`fileserver on ${RUNTIME} serves with std's flags: --dir-listing --dotfiles --cors -v`, async () => {
  const cli = startCli([ROOT, "-p", "0", "--dir-listing", "--dotfiles", "--cors", "-v"]);
  try {
    const url = await waitForUrl(cli);
    const listing = await fetch(new URL("/plain/", url));
    assert.match(await listing.text(), /\.dot/);
    const secret = await fetch(new URL("/.secret", url));
    assert.equal(secret.headers.get("access-control-allow-origin"), "*");
    assert.equal(await secret.text(), "hidden\n");
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test(`fileserver on ${RUNTIME} still refuses an unknown flag in one line`, async () => {
  const result = await runCli(["--no-dir-listin"]);
  assert.equal(result.status, 2);
  assert.ok(!/\bat .+:\d+:\d+/.test(result.stderr), `stack trace in: ${result.stderr}`);
  assert.match(
    result.stderr,
    /^fileserver: Unknown option '--no-dir-listin': did you mean --no-dir-listing\?\n/,
  );
});

// The rows of the README's difference table that the tests above do not
// cover already.

mkdirSync(join(ROOT, ".well-known"));
writeFileSync(join(ROOT, ".well-known", "security.txt"), "Contact: x\n");
const OUTSIDE = mkdtempSync(join(tmpdir(), "fileserver-std-outside-"));
writeFileSync(join(OUTSIDE, "out.txt"), "outside\n");
symlinkSync(join(OUTSIDE, "out.txt"), join(ROOT, "link.txt"));
after(() => rmSync(OUTSIDE, { recursive: true, force: true }));

test(`serveDir() on ${RUNTIME} answers OPTIONS with 204 and Allow (std: 405)`, async () => {
  const response = await dir("/hello.txt", {}, { method: "OPTIONS" });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

test(`serveDir() on ${RUNTIME} answers a file URL with a trailing slash with 404 (std: 301)`, async () => {
  assert.equal((await drained(await dir("/hello.txt/"))).status, 404);
});

test(`serveDir() on ${RUNTIME} serves a path with repeated slashes as it is (std: 301)`, async () => {
  const response = await dir("//docs//index.html");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "<h1>docs</h1>\n");
});

test(`serveDir() on ${RUNTIME} serves /.well-known/ without showDotfiles (std: 404)`, async () => {
  const response = await dir("/.well-known/security.txt");
  assert.equal(await response.text(), "Contact: x\n");
});

test(`serveDir() on ${RUNTIME} answers several ranges with multipart/byteranges (std: 200)`, async () => {
  writeFileSync(join(ROOT, "big.txt"), "x".repeat(4000));
  const response = await dir("/big.txt", {}, { headers: { range: "bytes=0-9,3000-3009" } });
  assert.equal(response.status, 206);
  assert.match(response.headers.get("content-type") ?? "", /^multipart\/byteranges; boundary=/);
  await response.body?.cancel();
});

test(`serveDir() on ${RUNTIME} answers a failed If-Match with 412 (std: 200)`, async () => {
  const response = await dir("/hello.txt", {}, { headers: { "if-match": '"nope"' } });
  assert.equal(response.status, 412);
  await response.body?.cancel();
});

test(`serveDir() on ${RUNTIME} does not follow a link out of fsRoot (std: does); serveFile() does`, async () => {
  assert.equal((await drained(await dir("/link.txt"))).status, 404);
  const file = await serveFile(get("/"), join(ROOT, "link.txt"));
  assert.equal(await file.text(), "outside\n");
});

test(`serveDir() on ${RUNTIME} sends headers on files, not on a 404 (std: on both)`, async () => {
  const missing = await drained(await dir("/missing.txt", { headers: ["X-A: 1"] }));
  assert.equal(missing.headers.get("x-a"), null);
});

test(`serveDir() on ${RUNTIME} answers a failed If-Unmodified-Since with 412 and a stale If-Range with 200`, async () => {
  const since = await dir("/hello.txt", {}, {
    headers: { "if-unmodified-since": "Mon, 01 Jan 1990 00:00:00 GMT" },
  });
  assert.equal((await drained(since)).status, 412);
  const stale = await dir("/hello.txt", {}, {
    headers: { range: "bytes=0-4", "if-range": '"old"' },
  });
  assert.equal(stale.status, 200);
  assert.equal(await stale.text(), "hello, world\n");
});

test(`serveDir() on ${RUNTIME} exposes ETag and Content-Range with enableCors`, async () => {
  const response = await drained(await dir("/hello.txt", { enableCors: true }));
  assert.match(response.headers.get("access-control-expose-headers") ?? "", /ETag/);
  assert.match(response.headers.get("access-control-expose-headers") ?? "", /Content-Range/);
});

test(`serveDir() on ${RUNTIME} sends a plain-text 404 with nosniff and no server banner`, async () => {
  const response = await dir("/missing.txt");
  assert.equal(await response.text(), "Not Found\n");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("server"), null);
});

test(`serveDir() on ${RUNTIME} lists a folder as JSON to a client that prefers it`, async () => {
  const response = await dir("/plain/", { showDirListing: true }, {
    headers: { accept: "application/json" },
  });
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.match(await response.text(), /a\.txt/);
});
