// The README's "Serving a web app" recipes, run by the running runtime's CLI
// with the README's own flags against builds of the same shape
// (tests/_helpers/web_builds.ts): the folder named in the README is
// replaced by the fixture's, and `--port 0 -q` added.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { runCli, sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";
import {
  buildPlainSite,
  buildSvelteKitApp,
  buildViteApp,
  VITE_ENTRY,
  type WebBuild,
} from "./_helpers/web_builds.ts";
import { type Answer, decode, exchange, varies } from "./_helpers/web_matrix.ts";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const vite = buildViteApp();
const svelte = buildSvelteKitApp();
const site = buildPlainSite();
after(() => {
  for (const build of [vite, svelte, site]) build.remove();
});

const BROWSER = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-encoding": "gzip, deflate, br, zstd",
};
const SCRIPT = { accept: "*/*", "accept-encoding": "gzip, deflate, br, zstd" };
const ONE_YEAR = "public, max-age=31536000, immutable";

/**
 * The arguments of a README command `npm run fileserver -- DIR …`, with DIR
 * replaced by `build`'s root; fails when the README no longer says it.
 */
function recipe(command: string, build: WebBuild): string[] {
  assert.ok(README.includes(command), `the README no longer says: ${command}`);
  const [dir, ...flags] = command.split(/\s+/).slice(4);
  assert.match(dir, /^(?:dist|build|site)$/);
  return [build.root, ...flags];
}

/** Runs `fn` against the CLI started with `args`, then stops it (exit 0). */
async function withCli(args: string[], fn: (url: URL, banner: string) => Promise<void>) {
  const cli = startCli([...args, "--port", "0", "-q"]);
  try {
    await fn(await waitForUrl(cli), cli.stdout());
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0, cli.stderr());
  }
}

/** Asserts that `answer` is `path` of `build`, decoded, with `cacheControl`. */
function assertFile(answer: Answer, build: WebBuild, path: string, cacheControl: string) {
  assert.equal(answer.status, 200, path);
  const coding = answer.fields["content-encoding"] ?? null;
  assert.deepEqual(decode(coding, answer.body), build.files.get(path), path);
  assert.equal(answer.fields["cache-control"], cacheControl, path);
}

test("README recipe: fileserver dist --spa serves a Vite build", async () => {
  await withCli(recipe("npm run fileserver -- dist --spa", vite), async (url, banner) => {
    assert.match(banner, /Page URLs that name no file get index\.html/);
    const deep = await exchange(url, "GET", "/users/42", BROWSER);
    assertFile(deep, vite, "index.html", "no-cache");
    assert.equal(deep.fields["content-encoding"], "br");
    assert.deepEqual(deep.body, vite.files.get("index.html.br"), "the shell's sidecar");
    const entry = await exchange(url, "GET", `/${VITE_ENTRY}`, SCRIPT);
    assertFile(entry, vite, VITE_ENTRY, ONE_YEAR);
    assert.deepEqual(entry.body, vite.files.get(`${VITE_ENTRY}.br`), "the entry's sidecar");
    assert.ok(varies(entry, "accept-encoding"));
    // No sidecar: compressed on the fly.
    const icon = await exchange(url, "GET", "/favicon.svg", SCRIPT);
    assertFile(icon, vite, "favicon.svg", "no-cache");
    assert.equal(icon.fields["content-encoding"], "br");
    for (
      const [target, headers] of [
        ["/assets/index-0ld5tale.js", BROWSER], // a chunk of the last deploy
        ["/users/42", SCRIPT], // fetch() is not a navigation
        ["/.vite/manifest.json", BROWSER],
        ["/.env", BROWSER],
      ] as const
    ) {
      assert.equal((await exchange(url, "GET", target, headers)).status, 404, target);
    }
  });
});

test("README recipe: fileserver build --clean-urls --spa=200.html serves a SvelteKit build", async () => {
  const args = recipe("npm run fileserver -- build --clean-urls --spa=200.html", svelte);
  await withCli(args, async (url, banner) => {
    assert.match(banner, /Page URLs that name no file get 200\.html/);
    assert.match(banner, /Missing pages get 404\.html/);
    assertFile(await exchange(url, "GET", "/about", BROWSER), svelte, "about.html", "no-cache");
    const page = await exchange(url, "GET", "/blog/hello-world", BROWSER);
    assertFile(page, svelte, "blog/hello-world.html", "no-cache");
    const redirect = await exchange(url, "GET", "/about.html", BROWSER);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.fields.location, "/about");
    const route = await exchange(url, "GET", "/account/settings", BROWSER);
    assertFile(route, svelte, "200.html", "no-cache");
    const chunk = "_app/immutable/entry/start.BSd2Xz7Q.js";
    assertFile(await exchange(url, "GET", `/${chunk}`, SCRIPT), svelte, chunk, ONE_YEAR);
    const data = await exchange(url, "GET", "/about/__data.json", SCRIPT);
    assertFile(data, svelte, "about/__data.json", "no-cache");
    const version = await exchange(url, "GET", "/_app/version.json", SCRIPT);
    assertFile(version, svelte, "_app/version.json", "no-cache");
    const missing = await exchange(url, "GET", "/_app/immutable/chunks/gone.Zx81kQ2p.js", BROWSER);
    assert.equal(missing.status, 404);
    const coding = missing.fields["content-encoding"] ?? null;
    assert.deepEqual(decode(coding, missing.body), svelte.files.get("404.html"));
  });
});

test("README recipe: fileserver site --clean-urls serves a plain site and its 404.html", async () => {
  await withCli(recipe("npm run fileserver -- site --clean-urls", site), async (url) => {
    assertFile(await exchange(url, "GET", "/about", BROWSER), site, "about.html", "no-cache");
    const folder = await exchange(url, "GET", "/docs", BROWSER);
    assert.equal(folder.status, 301);
    assert.equal(folder.fields.location, "/docs/");
    assertFile(await exchange(url, "GET", "/docs/", BROWSER), site, "docs/index.html", "no-cache");
    const css = await exchange(url, "GET", "/css/site.css", SCRIPT);
    assertFile(css, site, "css/site.css", "no-cache");
    assert.equal(css.fields["content-encoding"], "br");
    const missing = await exchange(url, "GET", "/nope", BROWSER);
    assert.equal(missing.status, 404);
    assert.deepEqual(
      decode(missing.fields["content-encoding"] ?? null, missing.body),
      site.files.get("404.html"),
    );
    const json = await exchange(url, "GET", "/nope", { accept: "application/json" });
    assert.deepEqual([json.status, new TextDecoder().decode(json.body)], [404, "Not Found\n"]);
    for (const target of ["/.htaccess", "/.git/HEAD"]) {
      const hidden = await exchange(url, "GET", target, BROWSER);
      assert.equal(hidden.status, 404, target);
      assert.deepEqual(
        decode(hidden.fields["content-encoding"] ?? null, hidden.body),
        site.files.get("404.html"),
      );
    }
  });
});

test("README recipe: fileserver dist --cache-explain prints what the README shows", async () => {
  const command =
    "npm run fileserver -- dist --cache-explain /assets/index-BxT3k9Qa.js --cache-explain /index.html";
  const { status, stdout, stderr } = await runCli(recipe(command, vite));
  assert.equal(status, 0, stderr);
  const lines = [
    "/assets/index-BxT3k9Qa.js: public, max-age=31536000, immutable (preset: fingerprinted name)",
    "/index.html: no-cache (preset: HTML)",
  ];
  assert.equal(stdout, lines.join("\n") + "\n");
  assert.ok(README.includes("```\n" + lines.join("\n") + "\n```"), "the README shows the output");
});

const curl = spawnSync("curl", ["--version"]).status === 0;

test("README recipe: curl -I -H 'accept-encoding: br' shows the coding, Vary and Cache-Control", {
  skip: curl ? false : "curl is not installed",
}, async () => {
  const command = "curl -I -H 'accept-encoding: br' http://127.0.0.1:8000/assets/index-BxT3k9Qa.js";
  assert.ok(README.includes(command));
  await withCli(recipe("npm run fileserver -- dist --spa", vite), async (url) => {
    const target = new URL(`/${VITE_ENTRY}`, url).href;
    const { stdout } = await promisify(execFile)(
      "curl",
      ["-sS", "-I", "-H", "accept-encoding: br", target],
      { encoding: "utf8", timeout: 10_000 },
    );
    const head = stdout.toLowerCase();
    assert.match(head, /^http\/1\.1 200/);
    assert.match(head, /\r\ncontent-encoding: br\r\n/);
    assert.match(head, /\r\nvary: accept-encoding\r\n/);
    assert.match(head, /\r\ncache-control: public, max-age=31536000, immutable\r\n/);
    assert.match(
      head,
      new RegExp(`\\r\\ncontent-length: ${vite.files.get(`${VITE_ENTRY}.br`)!.byteLength}\\r\\n`),
    );
  });
});
