// A Vite-like build in a real browser: headless Chromium (Debian's `chromium`,
// installed by .ci/run) driven by puppeteer-core opens a deep link of the app
// served by the running runtime's serve() with the options a web app wants.
// The unit suites check each header; this checks what a person gets: the SPA
// shell answers the deep link, the browser decodes the brotli sidecar and runs
// the module, the router renders the route, and nothing on the way fails
// (issue 12, "Proof": a real browser).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { HTTPResponse, Page } from "puppeteer-core";
import { chromiumSkip, withServerAndBrowser } from "./_helpers/chromium.ts";
import { buildSite, type Site } from "./_helpers/web_builds.ts";

const skip = chromiumSkip;

const SCREENSHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const JS = "/assets/index-C4fX9kLm.js";
const CSS = "/assets/index-Dq7Rw2Nz.css";
const DATA = "/data/routes.json";
const DEEP_LINK = "/settings/profile";
const IMMUTABLE = "public, max-age=31536000, immutable";
// An iPhone-sized viewport: the narrowest layout most sites are checked at.
const VIEWPORT = { width: 390, height: 844 };

const SHELL = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Seed app</title>
    <script type="module" crossorigin src="${JS}"></script>
    <link rel="stylesheet" crossorigin href="${CSS}">
  </head>
  <body>
    <div id="app"><p>Loading…</p></div>
  </body>
</html>
`;

// What Vite's bundle of a tiny client-side router looks like: it reads the
// route from location.pathname, so it only works when the deep link got the
// shell, and it fetches its data, so the page also proves a fetch() round trip.
const APP = `const app = document.getElementById("app");
const route = location.pathname;
const routes = await (await fetch("${DATA}")).json();
const page = routes.pages.find((p) => p.path === route);
const h1 = document.createElement("h1");
h1.textContent = "Route: " + route;
const p = document.createElement("p");
p.textContent = page ? page.title : "No such page";
const nav = document.createElement("nav");
for (const { path, title } of routes.pages) {
  const a = document.createElement("a");
  a.href = path;
  a.textContent = title;
  nav.append(a);
}
app.replaceChildren(h1, p, nav);
document.documentElement.dataset.ready = "true";
`;

const STYLE = `*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1d2433; background: #f6f8fa; }
#app { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem; }
h1 { color: teal; font-size: 1.75rem; margin: 0 0 0.5rem; overflow-wrap: anywhere; }
nav { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 1rem; }
nav a { padding: 0.25rem 0.75rem; border-radius: 999px; background: #e0f2f1; color: #00514f; }
`;

// Over 1 KiB and without a sidecar, so `compress` codes it on the fly.
const ROUTES = JSON.stringify(
  {
    pages: [
      { path: "/", title: "Home" },
      { path: "/settings/profile", title: "Profile settings" },
      { path: "/settings/notifications", title: "Notifications" },
      { path: "/settings/security", title: "Security and sign-in" },
      ...Array.from({ length: 24 }, (_, i) => ({
        path: `/projects/${i + 1}`,
        title: `Project ${i + 1}`,
      })),
    ],
  },
  null,
  2,
);

const SIDECARS: Record<string, Uint8Array> = {
  [JS]: brotliCompressSync(APP),
  [CSS]: brotliCompressSync(STYLE),
};

/** The Vite-like dist/, with br and gz sidecars (a second newer) of the assets. */
function buildDist(): Site {
  const site = buildSite({
    "index.html": SHELL,
    [JS.slice(1)]: APP,
    [CSS.slice(1)]: STYLE,
    [DATA.slice(1)]: ROUTES,
    "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/>\n",
  });
  for (const [path, text] of [[JS, APP], [CSS, STYLE]]) {
    site.writeBytes(`${path.slice(1)}.br`, SIDECARS[path]);
    site.writeBytes(`${path.slice(1)}.gz`, gzipSync(text));
  }
  return site;
}

/** Writes a screenshot of the page where the README links it, whole or not at all. */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A temp name and a rename: the three runtimes may run this file at once.
  const temp = join(SCREENSHOTS, `.${name}.${process.pid}.png`);
  await page.screenshot({ path: temp as `${string}.png` });
  renameSync(temp, join(SCREENSHOTS, name));
}

/** What a page did: each response by path, and everything that went wrong. */
interface Watch {
  responses: Map<string, HTTPResponse>;
  problems: string[];
}

function watch(page: Page): Watch {
  const { responses, problems }: Watch = { responses: new Map(), problems: [] };
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    problems.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
  page.on("requestfailed", (request) => {
    problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    responses.set(new URL(response.url()).pathname, response);
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return { responses, problems };
}

/** The headers the browser saw: codings, cache policy, the sidecar's length. */
function assertHeaders(shell: HTTPResponse, responses: Map<string, HTTPResponse>): void {
  assert.match(shell.headers()["content-type"], /^text\/html/);
  assert.equal(shell.headers()["cache-control"], "no-cache");
  const expected = [[JS, IMMUTABLE], [CSS, IMMUTABLE], [DATA, "no-cache"]];
  for (const [path, cacheControl] of expected) {
    const response = responses.get(path);
    assert.ok(response, `${path} was not requested`);
    assert.equal(response.status(), 200, path);
    // Chromium sends "gzip, deflate, br, zstd": equal weights, so br.
    assert.equal(response.headers()["content-encoding"], "br", path);
    assert.match(response.headers().vary, /accept-encoding/i, path);
    assert.equal(response.headers()["cache-control"], cacheControl, path);
  }
  // The sidecar's own bytes: the JS is under compress's 1 KiB floor, and the
  // JSON (no sidecar, over 1 KiB) is the one coded on the fly.
  assert.equal(responses.get(JS)!.headers()["content-length"], String(SIDECARS[JS].length));
  assert.match(responses.get(JS)!.headers()["content-type"], /^text\/javascript/);
}

test("serve(): a Vite build's deep link runs in headless Chromium, br-coded, without errors", {
  skip,
  timeout: 60_000,
}, async () => {
  const dist = buildDist();
  try {
    await withServerAndBrowser({
      root: dist.root,
      spa: true,
      precompressed: true,
      compress: true,
      cacheControl: true,
    }, async (browser, url) => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.setViewport(VIEWPORT);
      const { responses, problems } = watch(page);
      const shell = await page.goto(new URL(DEEP_LINK, url).href, {
        waitUntil: "networkidle0",
        timeout: 15_000,
      });
      // Checked before waiting for the app, so that a 404 shell or a script
      // error fails with its cause rather than with a timeout.
      assert.equal(shell?.status(), 200);
      assert.deepEqual(problems, []);
      await page.waitForSelector("html[data-ready]", { timeout: 5_000 });
      assert.equal(await page.$eval("h1", (h1) => h1.textContent), `Route: ${DEEP_LINK}`);
      assert.equal(await page.$eval("#app p", (p) => p.textContent), "Profile settings");
      // The stylesheet came as br too: its rule being applied shows it was decoded.
      const color = await page.evaluate("getComputedStyle(document.querySelector('h1')).color");
      assert.equal(color, "rgb(0, 128, 128)");
      assert.deepEqual(problems, []);
      assertHeaders(shell!, responses);

      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      assert.equal(overflow, 0, `the page scrolls sideways at ${VIEWPORT.width} px`);
      await screenshot(page, "vite-deep-link.png");

      // A missing asset is a 404, never the shell parsed as JavaScript. Chromium
      // logs it as a failed load, so it is the only problem allowed.
      const status = await page.evaluate("fetch('/assets/missing.js').then((r) => r.status)");
      assert.equal(status, 404);
      assert.equal(responses.get("/assets/missing.js")?.headers()["cache-control"], undefined);
      assert.ok(problems.length > 0);
      for (const problem of problems) assert.match(problem, /\/assets\/missing\.js/);
    });
  } finally {
    dist.remove();
  }
});
