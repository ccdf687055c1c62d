import { after, test } from "node:test";
import assert from "node:assert/strict";
import { parseCommandLine, type ServeArgs, UsageError } from "../src/cli/args.ts";
import { HELP } from "../src/cli/help.ts";
import { runCli, sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";
import { buildSiteWith404, buildViteDist, SHELL } from "./_helpers/web_builds.ts";

const dist = buildViteDist();
dist.write("404.html", "<h1>dist 404</h1>\n");
dist.write("about.html", "<p>about</p>\n");
const site = buildSiteWith404();
after(() => {
  dist.remove();
  site.remove();
});

const HTML = { accept: "text/html,*/*;q=0.8" };

function serve(argv: string[]): ServeArgs {
  const parsed = parseCommandLine(argv);
  assert.equal(parsed.command, "serve");
  return parsed as ServeArgs;
}

test("parseCommandLine() reads --spa bare as index.html, and --spa=FILE", () => {
  assert.equal(serve([]).spa, null);
  assert.deepEqual([serve(["--spa"]).spa, serve(["--spa"]).dir], ["index.html", "."]);
  // A bare --spa takes no value: the folder after it is the folder served.
  assert.deepEqual([serve(["--spa", "dist"]).spa, serve(["--spa", "dist"]).dir], [
    "index.html",
    "dist",
  ]);
  assert.equal(serve(["dist", "--spa=app.html"]).spa, "app.html");
  assert.equal(serve(["--", "--spa"]).dir, "--spa");
  assert.throws(() => parseCommandLine(["--spa="]), UsageError);
});

test("parseCommandLine() reads --404 FILE and --no-404, not both", () => {
  assert.deepEqual([serve([]).notFound, serve([]).noNotFound], [null, false]);
  assert.equal(serve(["--404", "missing.html"]).notFound, "missing.html");
  assert.equal(serve(["--no-404"]).noNotFound, true);
  assert.throws(() => parseCommandLine(["--404", "x.html", "--no-404"]), UsageError);
  assert.throws(() => parseCommandLine(["--404", ""]), UsageError);
  assert.throws(() => parseCommandLine(["--404"]), UsageError);
});

test("parseCommandLine() reads --clean-urls, off by default", () => {
  assert.equal(serve([]).cleanUrls, false);
  assert.equal(serve(["--clean-urls"]).cleanUrls, true);
  assert.throws(() => parseCommandLine(["--clean-urls=yes"]), UsageError);
});

test("HELP documents --spa, --404, --no-404 and --clean-urls", () => {
  assert.match(HELP, /--spa\[=FILE\]\s+single-page app/);
  assert.match(HELP, /--404 FILE\s+page sent with status 404/);
  assert.match(HELP, /--no-404\s+send the plain 404/);
  assert.match(HELP, /--clean-urls\s+\/about serves about\.html/);
});

test("fileserver --spa --clean-urls serves routes, pages and the folder's 404.html", async () => {
  const cli = startCli([dist.root, "--port", "0", "--spa", "--clean-urls", "-q"]);
  try {
    const url = await waitForUrl(cli);
    assert.match(cli.stdout(), /Page URLs that name no file get index\.html/);
    assert.match(cli.stdout(), /Missing pages get 404\.html/);
    const route = await fetch(new URL("/users/42", url), { headers: HTML });
    assert.equal(route.status, 200);
    assert.equal(route.headers.get("cache-control"), "no-cache");
    assert.equal(await route.text(), SHELL);
    const asset = await fetch(new URL("/assets/missing.js", url), { headers: HTML });
    assert.equal(asset.status, 404);
    assert.equal(await asset.text(), "<h1>dist 404</h1>\n");
    const about = await fetch(new URL("/about", url), { headers: HTML });
    assert.equal(await about.text(), "<p>about</p>\n");
    const redirect = await fetch(new URL("/about.html?x=1", url), { redirect: "manual" });
    await redirect.body?.cancel();
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/about?x=1");
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("fileserver --no-404 sends the plain 404 though the folder has a 404.html", async () => {
  const cli = startCli([site.root, "--port", "0", "--no-404", "-q"]);
  try {
    const url = await waitForUrl(cli);
    assert.doesNotMatch(cli.stdout(), /Missing pages get/);
    const response = await fetch(new URL("/missing", url), { headers: HTML });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), "Not Found\n");
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("fileserver --404 FILE serves that page for missing paths", async () => {
  const cli = startCli([site.root, "--port", "0", "--404", "pages/404.html", "-q"]);
  try {
    const url = await waitForUrl(cli);
    const response = await fetch(new URL("/missing", url), { headers: HTML });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), "<h1>nested 404</h1>\n");
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("fileserver exits 1 naming the file when the --spa shell or --404 page is missing", async () => {
  for (const flag of ["--spa=shell.html", "--404=gone.html"]) {
    const result = await runCli([site.root, "--port", "0", flag]);
    assert.equal(result.status, 1, flag);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0],
      /^fileserver: Cannot use --(spa|404) "(shell|gone)\.html": no such file/,
    );
  }
});

test("fileserver exits 2 when --spa or --404 names a path outside the folder", async () => {
  for (const flag of ["--spa=../secret/secret.html", "--404=/etc/passwd"]) {
    const result = await runCli([site.root, "--port", "0", flag]);
    assert.equal(result.status, 2, flag);
    assert.match(result.stderr, /^fileserver: --(spa|404) must be/);
  }
});
