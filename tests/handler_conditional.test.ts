import { after, test } from "node:test";
import assert from "node:assert/strict";
import { formatHttpDate, makeEtag } from "../src/core/conditional.ts";
import { buildFixture, fixtureHandler, get, MTIME } from "./_helpers/fixture.ts";
import type { FileHandler } from "../src/core/handler.ts";

const fixture = buildFixture();
after(() => fixture.remove());

const handler = await fixtureHandler(fixture);
const cached = await fixtureHandler(fixture, {
  headers: { "cache-control": "public, max-age=60" },
});

const PATH = "/hello.txt";
const BODY = "hello world\n";
const ETAG = makeEtag(BODY.length, MTIME * 1000);
const LAST_MODIFIED = formatHttpDate(MTIME);
const EARLIER = formatHttpDate(MTIME - 60);
const LATER = formatHttpDate(MTIME + 60);

interface Result {
  status: number;
  headers: Headers;
  /** Whether the response had a body stream at all. */
  hasBody: boolean;
  body: string;
}

async function send(
  headers: Record<string, string>,
  init: { method?: string; handler?: FileHandler; path?: string } = {},
): Promise<Result> {
  const response = await get(init.handler ?? handler, init.path ?? PATH, {
    method: init.method ?? "GET",
    headers,
  });
  const hasBody = response.body !== null;
  const body = await response.text();
  return { status: response.status, headers: response.headers, hasBody, body };
}

function assertWhole(result: Result): void {
  assert.equal(result.status, 200);
  assert.equal(result.body, BODY);
  assert.equal(result.headers.get("content-length"), String(BODY.length));
  assert.equal(result.headers.get("content-range"), null);
}

function assertPartial(result: Result): void {
  assert.equal(result.status, 206);
  assert.equal(result.body, "hello");
  assert.equal(result.headers.get("content-range"), `bytes 0-4/${BODY.length}`);
  assert.equal(result.headers.get("content-length"), "5");
}

test("createFileHandler() sends the file's ETag and Last-Modified on 200", async () => {
  const result = await send({});
  assertWhole(result);
  assert.equal(result.headers.get("etag"), ETAG);
  assert.equal(result.headers.get("last-modified"), LAST_MODIFIED);
});

// --- If-Match (RFC 9110 §13.2.2 step 1) -------------------------------------

test("createFileHandler() answers 412 to a mismatched If-Match", async () => {
  const result = await send({ "if-match": '"0-0"' });
  assert.equal(result.status, 412);
  assert.ok(!result.body.includes("hello"));
});

test("createFileHandler() serves the file when If-Match matches", async () => {
  assertWhole(await send({ "if-match": ETAG }));
});

test("createFileHandler() treats If-Match * as matching an existing file", async () => {
  assertWhole(await send({ "if-match": "*" }));
});

test("createFileHandler() finds the ETag in an If-Match list of several tags", async () => {
  assertWhole(await send({ "if-match": `"x-1", ${ETAG}, "y-2"` }));
  assert.equal((await send({ "if-match": '"x-1", "y-2"' })).status, 412);
});

test("createFileHandler() answers 412 to a weak If-Match tag (strong comparison)", async () => {
  assert.equal((await send({ "if-match": `W/${ETAG}` })).status, 412);
});

test("createFileHandler() answers 412 to a failed If-Match on HEAD without a body", async () => {
  const result = await send({ "if-match": '"0-0"' }, { method: "HEAD" });
  assert.equal(result.status, 412);
  assert.equal(result.body, "");
});

// --- If-Unmodified-Since (step 2) -------------------------------------------

test("createFileHandler() answers 412 to an If-Unmodified-Since before the mtime", async () => {
  assert.equal((await send({ "if-unmodified-since": EARLIER })).status, 412);
});

test("createFileHandler() serves the file when If-Unmodified-Since is at or after the mtime", async () => {
  assertWhole(await send({ "if-unmodified-since": LATER }));
  assertWhole(await send({ "if-unmodified-since": LAST_MODIFIED }));
});

test("createFileHandler() ignores If-Unmodified-Since when If-Match is present", async () => {
  assertWhole(await send({ "if-match": ETAG, "if-unmodified-since": EARLIER }));
});

// --- If-None-Match (step 3) -------------------------------------------------

test("createFileHandler() answers 304 to a matching If-None-Match on GET", async () => {
  const result = await send({ "if-none-match": ETAG });
  assert.equal(result.status, 304);
  assert.equal(result.body, "");
});

test("createFileHandler() answers 304 to a matching If-None-Match on HEAD", async () => {
  const result = await send({ "if-none-match": ETAG }, { method: "HEAD" });
  assert.equal(result.status, 304);
  assert.equal(result.body, "");
});

test("createFileHandler() compares If-None-Match weakly (a W/ tag matches)", async () => {
  assert.equal((await send({ "if-none-match": `W/${ETAG}` })).status, 304);
  assert.equal(
    (await send({ "if-none-match": `"x-1", W/${ETAG}` })).status,
    304,
  );
});

test("createFileHandler() answers 304 to If-None-Match *", async () => {
  assert.equal((await send({ "if-none-match": "*" })).status, 304);
});

test("createFileHandler() serves the file when If-None-Match does not match", async () => {
  assertWhole(await send({ "if-none-match": '"x-1", W/"y-2"' }));
});

test("createFileHandler() answers 405 to other methods before any precondition", async () => {
  // The 412 branch of If-None-Match for unsafe methods is unit-tested in
  // conditional.test.ts: this handler never reaches it.
  for (const method of ["PUT", "DELETE", "POST"]) {
    const result = await send({ "if-none-match": "*" }, { method });
    assert.equal(result.status, 405, method);
    assert.equal(result.headers.get("allow"), "GET, HEAD, OPTIONS");
  }
});

// --- If-Modified-Since (step 4) ---------------------------------------------

test("createFileHandler() answers 304 to an If-Modified-Since equal to the mtime", async () => {
  assert.equal(
    (await send({ "if-modified-since": LAST_MODIFIED })).status,
    304,
  );
});

test("createFileHandler() answers 304 to an If-Modified-Since after the mtime", async () => {
  assert.equal((await send({ "if-modified-since": LATER })).status, 304);
});

test("createFileHandler() serves the file when If-Modified-Since is before the mtime", async () => {
  assertWhole(await send({ "if-modified-since": EARLIER }));
});

test("createFileHandler() ignores If-Modified-Since when If-None-Match is present", async () => {
  assertWhole(
    await send({ "if-none-match": '"x-1"', "if-modified-since": LATER }),
  );
});

test("createFileHandler() ignores an invalid If-Modified-Since", async () => {
  assertWhole(await send({ "if-modified-since": "next tuesday" }));
  assertWhole(
    await send({ "if-modified-since": "Mon, 31 Feb 2200 00:00:00 GMT" }),
  );
});

test("createFileHandler() accepts If-Modified-Since in the rfc850 and asctime formats", async () => {
  const asctime = "Tue Nov 14 22:13:20 2023";
  assert.equal((await send({ "if-modified-since": asctime })).status, 304);
  const rfc850 = "Tuesday, 14-Nov-23 22:13:20 GMT";
  assert.equal((await send({ "if-modified-since": rfc850 })).status, 304);
});

// --- The 304 response (§15.4.5) ---------------------------------------------

test("createFileHandler() sends validators and user headers but no framing on 304", async () => {
  const result = await send({ "if-none-match": ETAG }, { handler: cached });
  assert.equal(result.status, 304);
  assert.equal(result.headers.get("etag"), ETAG);
  assert.equal(result.headers.get("last-modified"), LAST_MODIFIED);
  assert.equal(result.headers.get("cache-control"), "public, max-age=60");
  assert.equal(result.headers.get("content-length"), null);
  assert.equal(result.headers.get("content-type"), null);
  assert.equal(result.hasBody, false);
  assert.equal(result.body, "");
});

test("createFileHandler() sends the same 304 headers on HEAD", async () => {
  const result = await send(
    { "if-modified-since": LAST_MODIFIED },
    { handler: cached, method: "HEAD" },
  );
  assert.equal(result.status, 304);
  assert.equal(result.headers.get("etag"), ETAG);
  assert.equal(result.headers.get("last-modified"), LAST_MODIFIED);
  assert.equal(result.headers.get("cache-control"), "public, max-age=60");
  assert.equal(result.headers.get("content-length"), null);
  assert.equal(result.headers.get("content-type"), null);
  assert.equal(result.hasBody, false);
});

test("createFileHandler() answers 304 for an index file under its directory URL", async () => {
  const index = "<!DOCTYPE html><title>home</title>\n";
  const etag = makeEtag(index.length, MTIME * 1000);
  const result = await send({ "if-none-match": etag }, { path: "/" });
  assert.equal(result.status, 304);
  assert.equal(result.headers.get("etag"), etag);
});

// --- If-Range (§13.1.5) and its order with Range ----------------------------

test("createFileHandler() honours Range under an If-Range with the current strong ETag", async () => {
  assertPartial(await send({ range: "bytes=0-4", "if-range": ETAG }));
});

test("createFileHandler() sends the whole file under an If-Range with a stale ETag", async () => {
  const result = await send({ range: "bytes=0-4", "if-range": '"c-1"' });
  assertWhole(result);
  assert.equal(result.headers.get("etag"), ETAG);
});

test("createFileHandler() sends the whole file under an If-Range with a weak ETag", async () => {
  assertWhole(await send({ range: "bytes=0-4", "if-range": `W/${ETAG}` }));
});

test("createFileHandler() honours Range under an If-Range equal to Last-Modified", async () => {
  assertPartial(await send({ range: "bytes=0-4", "if-range": LAST_MODIFIED }));
});

test("createFileHandler() sends the whole file under an If-Range with another date", async () => {
  assertWhole(await send({ range: "bytes=0-4", "if-range": EARLIER }));
  assertWhole(await send({ range: "bytes=0-4", "if-range": LATER }));
});

test("createFileHandler() ignores If-Range without a Range", async () => {
  assertWhole(await send({ "if-range": '"c-1"' }));
});

test("createFileHandler() evaluates If-Match before Range", async () => {
  const result = await send({ range: "bytes=0-4", "if-match": '"0-0"' });
  assert.equal(result.status, 412);
  assert.equal(result.headers.get("content-range"), null);
});

test("createFileHandler() evaluates If-Unmodified-Since before Range", async () => {
  const result = await send({
    range: "bytes=0-4",
    "if-unmodified-since": EARLIER,
  });
  assert.equal(result.status, 412);
});

test("createFileHandler() answers 304 rather than 206 to a matching If-None-Match with a Range", async () => {
  const result = await send({ range: "bytes=0-4", "if-none-match": ETAG });
  assert.equal(result.status, 304);
  assert.equal(result.headers.get("content-range"), null);
  assert.equal(result.body, "");
});

test("createFileHandler() answers 304 rather than 416 to a matching If-None-Match", async () => {
  const result = await send({ range: "bytes=9999-", "if-none-match": ETAG });
  assert.equal(result.status, 304);
});
