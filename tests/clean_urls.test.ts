import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";
import { buildCleanUrlsSite } from "./_helpers/web_builds.ts";

const site = buildCleanUrlsSite();
after(() => site.remove());

async function handler(options: Partial<FileHandlerOptions> = {}): Promise<FileHandler> {
  const fs = await runtimeFileSystem();
  return createFileHandler({ root: site.root, fs, cleanUrls: true, ...options });
}

function get(
  h: FileHandler,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return h(new Request(`http://localhost${path}`, init));
}

async function bodyOf(h: FileHandler, path: string): Promise<[number, string]> {
  const response = await get(h, path);
  return [response.status, await response.text()];
}

async function locationOf(h: FileHandler, path: string): Promise<string | null> {
  const response = await get(h, path);
  await response.body?.cancel();
  assert.equal(response.status, 301, path);
  return response.headers.get("location");
}

test("cleanUrls: /about serves about.html with its type and validators", async () => {
  const h = await handler();
  const response = await get(h, "/about");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "<p>about</p>\n");
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  const etag = response.headers.get("etag")!;
  const again = await get(h, "/about", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  const head = await get(h, "/blog/first-post", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
});

test("cleanUrls: /about.html redirects to /about with 301, query kept", async () => {
  const h = await handler();
  assert.equal(await locationOf(h, "/about.html"), "/about");
  assert.equal(await locationOf(h, "/about.html?lang=fr&x=1"), "/about?lang=fr&x=1");
  assert.equal(await locationOf(h, "/blog/first-post.html"), "/blog/first-post");
  assert.equal(await locationOf(h, "/a%20b.html"), "/a%20b");
  assert.deepEqual(await bodyOf(h, "/a%20b"), [200, "<p>space</p>\n"]);
  const head = await get(h, "/about.html", { method: "HEAD" });
  assert.equal(head.status, 301);
  assert.equal(head.body, null);
});

test("cleanUrls: an index file's URL redirects to its folder", async () => {
  const h = await handler();
  assert.equal(await locationOf(h, "/index.html"), "/");
  assert.equal(await locationOf(h, "/blog/index.html?page=2"), "/blog/?page=2");
  assert.deepEqual(await bodyOf(h, "/blog/"), [200, "<p>blog index</p>\n"]);
});

test("cleanUrls: the exact file wins over name.html, and name.html then keeps its URL", async () => {
  const h = await handler();
  assert.deepEqual(await bodyOf(h, "/exact"), [200, "the exact file\n"]);
  assert.deepEqual(await bodyOf(h, "/exact.html"), [200, "<p>exact.html</p>\n"]);
});

test("cleanUrls: name.html wins over the folder name/, which keeps its trailing-slash URL", async () => {
  const h = await handler();
  assert.deepEqual(await bodyOf(h, "/contact"), [200, "<p>contact</p>\n"]);
  assert.deepEqual(await bodyOf(h, "/contact/"), [200, "<p>contact folder</p>\n"]);
  assert.equal(await locationOf(h, "/contact.html"), "/contact");
  assert.equal(await locationOf(h, "/contact/index.html"), "/contact/");
});

test("cleanUrls: a folder without name.html still redirects to add its slash", async () => {
  const h = await handler();
  assert.equal(await locationOf(h, "/blog"), "/blog/");
});

test("cleanUrls: a missing page and a missing .html get 404, never a redirect loop", async () => {
  const h = await handler();
  assert.equal((await bodyOf(h, "/nowhere"))[0], 404);
  assert.equal((await bodyOf(h, "/nowhere.html"))[0], 404);
  assert.equal((await bodyOf(h, "/about/"))[0], 404);
});

test("cleanUrls: a .html link out of the root is neither served nor redirected to", async () => {
  const h = await handler();
  const clean = await get(h, "/leak");
  assert.equal(clean.status, 404);
  assert.doesNotMatch(await clean.text(), /secret/);
  const direct = await get(h, "/leak.html");
  assert.equal(direct.status, 404);
  assert.doesNotMatch(await direct.text(), /secret/);
});

test("cleanUrls: symlinks 'never' applies to the .html lookup", async () => {
  site.write("real.html", "<p>real</p>\n");
  const { symlinkSync } = await import("node:fs");
  symlinkSync("real.html", `${site.root}/alias.html`);
  assert.deepEqual(await bodyOf(await handler(), "/alias"), [200, "<p>real</p>\n"]);
  assert.equal((await bodyOf(await handler({ symlinks: "never" }), "/alias"))[0], 404);
});

test("cleanUrls: a hidden name is never looked up as name.html", async () => {
  const h = await handler();
  const response = await get(h, "/.hidden");
  assert.equal(response.status, 404);
  assert.doesNotMatch(await response.text(), /hidden/);
  assert.equal((await bodyOf(await handler({ dotfiles: "deny" }), "/.hidden"))[0], 403);
  assert.equal((await bodyOf(await handler({ dotfiles: "deny" }), "/.hidden.html"))[0], 403);
});

test("cleanUrls: a redirect is a path on this host, never //host (open redirect)", async () => {
  site.write("evil.example/page.html", "<p>page</p>\n");
  const h = await handler();
  for (const path of ["//evil.example/page.html", "/%2Fevil.example/page.html"]) {
    const response = await get(h, path);
    await response.body?.cancel();
    const location = response.headers.get("location");
    assert.ok(location === null || !location.startsWith("//"), `${path}: ${location}`);
  }
  assert.equal(await locationOf(h, "//evil.example/page.html"), "/evil.example/page");
});

test("cleanUrls: under urlRoot, redirects stay under it", async () => {
  const h = await handler({ urlRoot: "/site" });
  assert.equal(await locationOf(h, "/site/about.html?q"), "/site/about?q");
  assert.equal(await locationOf(h, "/site/index.html"), "/site/");
  assert.deepEqual(await bodyOf(h, "/site/about"), [200, "<p>about</p>\n"]);
});

test("cleanUrls: a file named later at the clean path wins over name.html", async () => {
  const h = await handler();
  assert.deepEqual(await bodyOf(h, "/later"), [404, "Not Found\n"]);
  site.write("later.html", "<p>later.html</p>\n");
  assert.deepEqual(await bodyOf(h, "/later"), [200, "<p>later.html</p>\n"]);
  site.write("later", "later\n");
  assert.deepEqual(await bodyOf(h, "/later"), [200, "later\n"]);
  assert.deepEqual(await bodyOf(h, "/later.html"), [200, "<p>later.html</p>\n"]);
});

test("cleanUrls: a cached .html page redirects once its exact sibling is gone", async () => {
  site.write("pair", "pair\n");
  site.write("pair.html", "<p>pair</p>\n");
  const h = await handler();
  assert.deepEqual(await bodyOf(h, "/pair.html"), [200, "<p>pair</p>\n"]);
  assert.deepEqual(await bodyOf(h, "/pair.html"), [200, "<p>pair</p>\n"]);
  const { rmSync } = await import("node:fs");
  rmSync(`${site.root}/pair`);
  assert.equal(await locationOf(h, "/pair.html"), "/pair");
});

test("cleanUrls with spa: name.html wins over the shell", async () => {
  const h = await handler({ spa: true });
  const accept = { accept: "text/html" };
  const about = await get(h, "/about", { headers: accept });
  assert.equal(await about.text(), "<p>about</p>\n");
  const route = await get(h, "/app/route", { headers: accept });
  assert.equal(await route.text(), "<p>home</p>\n");
});

test("createFileHandler() refuses a cleanUrls that is not a boolean", async () => {
  const fs = await runtimeFileSystem();
  const cleanUrls = "yes" as unknown as boolean;
  assert.throws(() => createFileHandler({ root: site.root, fs, cleanUrls }), TypeError);
});
