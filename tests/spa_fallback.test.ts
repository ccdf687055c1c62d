import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createFileHandler, type FileHandler } from "../src/core/handler.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { isNavigation } from "../src/core/spa_fallback.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";
import { buildViteDist, SHELL } from "./_helpers/web_builds.ts";

const dist = buildViteDist();
after(() => dist.remove());

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async function handler(options: Partial<FileHandlerOptions> = {}): Promise<FileHandler> {
  return createFileHandler({
    root: dist.root,
    fs: await runtimeFileSystem(),
    spa: true,
    ...options,
  });
}

function navigate(
  h: FileHandler,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = { accept: HTML, ...init.headers };
  return h(new Request(`http://localhost${path}`, { method: init.method ?? "GET", headers }));
}

async function statusOf(h: FileHandler, path: string, accept = HTML): Promise<number> {
  const response = await navigate(h, path, { headers: { accept } });
  await response.body?.cancel();
  return response.status;
}

test("spa: a deep link gets the shell with 200, no-cache and Vary: Accept", async () => {
  const response = await navigate(await handler(), "/users/42/settings");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), SHELL);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("vary"), "Accept");
  assert.equal(response.headers.get("content-length"), String(SHELL.length));
});

test("spa: the shell carries the validators of index.html and answers 304 to them", async () => {
  const h = await handler();
  const direct = await navigate(h, "/index.html");
  await direct.body?.cancel();
  const etag = direct.headers.get("etag")!;
  const deep = await navigate(h, "/about");
  await deep.body?.cancel();
  assert.equal(deep.headers.get("etag"), etag);
  assert.equal(deep.headers.get("last-modified"), direct.headers.get("last-modified"));
  const revalidated = await navigate(h, "/about", { headers: { "if-none-match": etag } });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.body, null);
  assert.equal(revalidated.headers.get("cache-control"), "no-cache");
  assert.equal(revalidated.headers.get("vary"), "Accept");
  const changed = await navigate(h, "/about", { headers: { "if-none-match": '"other"' } });
  assert.equal(changed.status, 200);
  assert.equal(await changed.text(), SHELL);
});

test("spa: HEAD of a deep link gets the shell's headers and no body", async () => {
  const response = await navigate(await handler(), "/users/42", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.body, null);
  assert.equal(response.headers.get("content-length"), String(SHELL.length));
  assert.equal(response.headers.get("cache-control"), "no-cache");
});

test("spa: a missing asset still gets 404, with or without text/html in Accept", async () => {
  const h = await handler();
  assert.equal(await statusOf(h, "/assets/index-missing.js"), 404);
  assert.equal(await statusOf(h, "/assets/index-missing.js", "*/*"), 404);
  assert.equal(await statusOf(h, "/favicon.ico"), 404);
  const asset = await navigate(h, "/assets/index-BxT3k9Qa.js", { headers: { accept: "*/*" } });
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get("content-type")!, /javascript/);
  assert.equal(asset.headers.get("cache-control"), null);
  await asset.body?.cancel();
});

test("spa: only a request whose Accept names text/html is a navigation", async () => {
  const h = await handler();
  assert.equal(await statusOf(h, "/users/42", "*/*"), 404);
  assert.equal(await statusOf(h, "/users/42", "application/json"), 404);
  assert.equal(await statusOf(h, "/users/42", "text/html;q=0, */*"), 404);
  assert.equal(await statusOf(h, "/users/42", "TEXT/HTML"), 200);
  const none = await h(new Request("http://localhost/users/42"));
  await none.body?.cancel();
  assert.equal(none.status, 404);
  assert.equal(none.headers.get("vary"), "Accept");
});

test("spa: other methods are never answered with the shell", async () => {
  const h = await handler();
  const post = await navigate(h, "/users/42", { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const view = {
    method: "DELETE",
    url: "http://localhost/users",
    headers: new Headers({ accept: HTML }),
  };
  assert.equal(isNavigation(view, ["users"]), false);
});

test("spa: existing files and folder indexes win over the shell", async () => {
  const h = await handler();
  const docs = await navigate(h, "/docs/");
  assert.equal(await docs.text(), "<p>docs index</p>\n");
  assert.equal(docs.headers.get("cache-control"), null);
  const redirect = await navigate(h, "/docs");
  assert.equal(redirect.status, 301);
  await redirect.body?.cancel();
});

test("spa: a folder without an index gets the shell, or its listing with listing: true", async () => {
  const shell = await navigate(await handler(), "/listed/");
  assert.equal(await shell.text(), SHELL);
  const listed = await navigate(await handler({ listing: true }), "/listed/");
  assert.match(await listed.text(), /readme\.txt/);
});

test("spa: a route with a trailing slash gets the shell", async () => {
  const response = await navigate(await handler(), "/users/42/");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), SHELL);
});

test("spa: a last segment with a dot is not a route (/user/ada.lovelace gets 404)", async () => {
  assert.equal(await statusOf(await handler(), "/user/ada.lovelace"), 404);
});

test("spa: /.well-known/ paths that name nothing get 404, not the shell", async () => {
  const h = await handler();
  assert.equal(await statusOf(h, "/.well-known/openid-configuration"), 404);
  assert.equal(await statusOf(h, "/.well-known/security.txt"), 200);
});

test("spa: a dotfile path is never answered with the shell (ignore → 404, deny → 403)", async () => {
  const ignoring = await handler();
  for (const path of ["/.env", "/.git/config", "/.hidden-route", "/app/.secret/page"]) {
    const response = await navigate(ignoring, path);
    assert.equal(response.status, 404, path);
    assert.doesNotMatch(await response.text(), /SECRET|app/, path);
  }
  const denying = await handler({ dotfiles: "deny" });
  assert.equal(await statusOf(denying, "/.env"), 403);
  assert.equal(await statusOf(denying, "/.hidden-route"), 403);
  const allowing = await handler({ dotfiles: "allow" });
  assert.equal(await statusOf(allowing, "/.hidden-route"), 404);
});

test("spa: a shell named by the option is served", async () => {
  const response = await navigate(await handler({ spa: "app.html" }), "/deep/link");
  assert.equal(await response.text(), "<!doctype html><p>other shell</p>\n");
});

test("spa: a missing shell leaves the plain 404", async () => {
  assert.equal(await statusOf(await handler({ spa: "missing.html" }), "/deep/link"), 404);
});

test("spa: a shell linked out of the root is never served", async () => {
  const response = await navigate(await handler({ spa: "outside-shell.html" }), "/deep/link");
  assert.equal(response.status, 404);
  assert.doesNotMatch(await response.text(), /secret/);
  const always = await handler({ spa: "outside-shell.html", symlinks: "always" });
  assert.equal(await statusOf(always, "/deep/link"), 200);
});

test("spa: a shell reached through a link obeys symlinks: 'never'", async () => {
  assert.equal(await statusOf(await handler({ spa: "linked-shell.html" }), "/deep/link"), 200);
  const never = await handler({ spa: "linked-shell.html", symlinks: "never" });
  assert.equal(await statusOf(never, "/deep/link"), 404);
});

test("spa: a file created at a route's path wins over the shell from then on", async () => {
  const h = await handler();
  assert.equal(await (await navigate(h, "/late")).text(), SHELL);
  dist.write("late", "late file\n");
  assert.equal(await (await navigate(h, "/late")).text(), "late file\n");
});

test("spa: under urlRoot, routes below it get the shell and others 404", async () => {
  const h = await handler({ urlRoot: "/app" });
  assert.equal(await statusOf(h, "/app/users/42"), 200);
  assert.equal(await statusOf(h, "/other/users"), 404);
});

test("spa with precompressed: the shell is sent from its .br sidecar, Vary names both", async () => {
  const { brotliCompressSync, brotliDecompressSync } = await import("node:zlib");
  dist.writeBytes("index.html.br", brotliCompressSync(SHELL));
  try {
    const h = await handler({ precompressed: true });
    const response = await navigate(h, "/users/42", { headers: { "accept-encoding": "br" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), "br");
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.deepEqual(
      response.headers.get("vary")!.split(/\s*,\s*/).map((v) => v.toLowerCase()).sort(),
      ["accept", "accept-encoding"],
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(brotliDecompressSync(bytes).toString(), SHELL);
  } finally {
    dist.remove("index.html.br");
  }
});

test("createFileHandler() refuses a spa shell outside the root, absolute or hidden", async () => {
  const fs = await runtimeFileSystem();
  for (const spa of ["../x.html", "/index.html", "a//b.html", "", ".shell.html", "a/./b.html"]) {
    assert.throws(() => createFileHandler({ root: dist.root, fs, spa }), TypeError, spa);
  }
  assert.throws(
    () => createFileHandler({ root: dist.root, fs, spa: 1 as unknown as string }),
    TypeError,
  );
  createFileHandler({ root: dist.root, fs, spa: ".shell.html", dotfiles: "allow" });
  createFileHandler({ root: dist.root, fs, spa: "app/shell.html" });
});
