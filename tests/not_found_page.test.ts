import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { wantsHtmlPage } from "../src/core/not_found_page.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";
import { buildSiteWith404, buildViteDist, SHELL } from "./_helpers/web_builds.ts";

const site = buildSiteWith404();
after(() => site.remove());

const PAGE = "<!doctype html><h1>Page not found</h1>\n";
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async function handler(options: Partial<FileHandlerOptions> = {}): Promise<FileHandler> {
  const fs = await runtimeFileSystem();
  return createFileHandler({ root: site.root, fs, notFound: "404.html", ...options });
}

function get(
  h: FileHandler,
  path: string,
  headers: Record<string, string> = { accept: BROWSER },
  method = "GET",
): Promise<Response> {
  return h(new Request(`http://localhost${path}`, { method, headers }));
}

test("notFound: a missing page gets the 404 page with status 404 and Vary: Accept", async () => {
  const response = await get(await handler(), "/no/such/page");
  assert.equal(response.status, 404);
  assert.equal(response.statusText, "Not Found");
  assert.equal(await response.text(), PAGE);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("content-length"), String(PAGE.length));
  assert.equal(response.headers.get("vary"), "Accept");
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
});

test("notFound: the 404 page carries no validators and no Accept-Ranges", async () => {
  const response = await get(await handler(), "/missing.html");
  await response.body?.cancel();
  assert.equal(response.headers.get("etag"), null);
  assert.equal(response.headers.get("last-modified"), null);
  assert.equal(response.headers.get("accept-ranges"), null);
});

test("notFound: HEAD gets the 404 page's headers and no body", async () => {
  const response = await get(await handler(), "/missing", { accept: BROWSER }, "HEAD");
  assert.equal(response.status, 404);
  assert.equal(response.body, null);
  assert.equal(response.headers.get("content-length"), String(PAGE.length));
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
});

test("notFound: conditionals and Range never turn the 404 into a 304, 412 or 206", async () => {
  const h = await handler();
  const direct = await get(h, "/404.html");
  await direct.body?.cancel();
  const etag = direct.headers.get("etag")!;
  const cases: Record<string, string>[] = [
    { "if-none-match": etag },
    { "if-none-match": "*" },
    { "if-modified-since": new Date().toUTCString() },
    { "if-match": '"other"' },
    { "if-unmodified-since": new Date(0).toUTCString() },
    { range: "bytes=0-3" },
    { range: "bytes=0-3", "if-range": etag },
  ];
  for (const extra of cases) {
    const response = await get(h, "/missing", { accept: BROWSER, ...extra });
    assert.equal(response.status, 404, JSON.stringify(extra));
    assert.equal(await response.text(), PAGE, JSON.stringify(extra));
  }
});

test("notFound: a client that prefers JSON or refuses HTML gets the plain 404", async () => {
  const h = await handler();
  for (const accept of ["application/json", "application/json, text/html;q=0.5", "image/*"]) {
    const response = await get(h, "/missing", { accept });
    assert.equal(response.status, 404, accept);
    assert.equal(await response.text(), "Not Found\n", accept);
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(response.headers.get("vary"), "Accept");
  }
  const wildcards: Record<string, string>[] = [{}, { accept: "*/*" }, { accept: "text/*" }];
  for (const headers of wildcards) {
    const response = await get(h, "/missing", headers);
    assert.equal(await response.text(), PAGE, JSON.stringify(headers));
  }
});

test("wantsHtmlPage() follows q-values and specificity", () => {
  assert.equal(wantsHtmlPage("text/html;q=0, */*"), false);
  assert.equal(wantsHtmlPage("application/json;q=0.5, text/html"), true);
  assert.equal(wantsHtmlPage("a".repeat(5000)), false);
});

test("notFound: 403, 400 and 405 keep their plain answers", async () => {
  const h = await handler({ dotfiles: "deny" });
  const denied = await get(h, "/.env");
  assert.equal(denied.status, 403);
  assert.equal(await denied.text(), "Forbidden\n");
  const malformed = await get(h, "/%zz");
  assert.equal(malformed.status, 400);
  assert.equal(await malformed.text(), "Bad Request\n");
  const post = await get(h, "/missing", { accept: BROWSER }, "POST");
  assert.equal(post.status, 405);
  assert.equal(await post.text(), "Method Not Allowed\n");
});

test("notFound: a hidden path under dotfiles 'ignore' gets the page, never the dotfile", async () => {
  const h = await handler();
  for (const path of ["/.env", "/.git/config"]) {
    const response = await get(h, path);
    assert.equal(response.status, 404, path);
    assert.equal(await response.text(), PAGE, path);
  }
});

test("notFound: existing files are served as before", async () => {
  const h = await handler();
  const home = await get(h, "/");
  assert.equal(home.status, 200);
  assert.equal(await home.text(), "<p>home</p>\n");
  const data = await get(h, "/data.json", { accept: "application/json" });
  assert.equal(await data.text(), '{"ok":true}\n');
});

test("notFound: a page in a subfolder is served by its path under the root", async () => {
  const response = await get(await handler({ notFound: "pages/404.html" }), "/x");
  assert.equal(await response.text(), "<h1>nested 404</h1>\n");
});

test("notFound: a missing page leaves the plain 404", async () => {
  const response = await get(await handler({ notFound: "gone.html" }), "/x");
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "Not Found\n");
});

test("notFound: a page linked out of the root is never served", async () => {
  const response = await get(await handler({ notFound: "outside-404.html" }), "/x");
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "Not Found\n");
});

test("notFound: a path that escapes the root gets the page, never the outside file", async () => {
  const h = await handler();
  for (const path of ["/../secret/secret.html", "/%2e%2e/secret/secret.html"]) {
    const response = await get(h, path);
    assert.ok(response.status === 404 || response.status === 400, path);
    assert.doesNotMatch(await response.text(), /top secret/, path);
  }
});

test("notFound with spa: navigations get the shell, missing assets the 404 page", async () => {
  const dist = buildViteDist();
  dist.write("404.html", PAGE);
  try {
    const fs = await runtimeFileSystem();
    const h = createFileHandler({ root: dist.root, fs, spa: true, notFound: "404.html" });
    const route = await get(h, "/users/42");
    assert.equal(route.status, 200);
    assert.equal(await route.text(), SHELL);
    const asset = await get(h, "/assets/missing.js");
    assert.equal(asset.status, 404);
    assert.equal(await asset.text(), PAGE);
  } finally {
    dist.remove();
  }
});

test("notFound with precompressed: the page is sent from its .gz sidecar with status 404", async () => {
  const { gzipSync, gunzipSync } = await import("node:zlib");
  site.writeBytes("404.html.gz", gzipSync(PAGE));
  try {
    const h = await handler({ precompressed: true });
    const response = await get(h, "/missing", { accept: BROWSER, "accept-encoding": "gzip" });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("content-encoding"), "gzip");
    assert.equal(response.headers.get("etag"), null);
    assert.match(response.headers.get("vary")!, /accept-encoding/i);
    assert.match(response.headers.get("vary")!, /\baccept\b(?!-)/i);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(gunzipSync(bytes).toString(), PAGE);
    const identity = await get(h, "/missing", { accept: BROWSER, "accept-encoding": "identity" });
    assert.equal(identity.headers.get("content-encoding"), null);
    assert.equal(await identity.text(), PAGE);
  } finally {
    site.remove("404.html.gz");
  }
});

test("createFileHandler() refuses a notFound page outside the root, absolute or hidden", async () => {
  const fs = await runtimeFileSystem();
  for (const notFound of ["../404.html", "/404.html", "", ".404.html", 404 as unknown as string]) {
    assert.throws(() => createFileHandler({ root: site.root, fs, notFound }), TypeError);
  }
});
