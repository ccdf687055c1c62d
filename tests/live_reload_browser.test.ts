// Live reload in a real browser (issue 14 §3): headless Chromium (Debian's
// `chromium`) driven by puppeteer-core against serve({ liveReload: true })
// on the running runtime. An edited page reloads within a second; an edited
// stylesheet is swapped without a reload (a window variable survives and the
// computed style changes); two tabs both follow; nothing logs an error; and
// a page reloads once when the server comes back after a restart.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { runtimeServe } from "./_helpers/adapter.ts";
import {
  chromiumSkip,
  closeBrowser,
  launchChromium,
  withServerAndBrowser,
} from "./_helpers/chromium.ts";
import { LIVE_PATH } from "../src/adapters/_live_reload.ts";

const skip = chromiumSkip;

const page = (title: string) =>
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/style.css">
    <title>${title}</title>
  </head>
  <body>
    <h1>${title}</h1>
  </body>
</html>
`;

const serve = await runtimeServe();
let root = "";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-live-browser-")));
  writeFileSync(join(root, "index.html"), page("First"));
  writeFileSync(join(root, "style.css"), "h1 { color: rgb(0, 128, 128); }\n");
});
after(() => rmSync(root, { recursive: true, force: true }));

// Console errors, page errors, failed requests and error statuses; the
// event stream cut by a reload (ERR_ABORTED) is how a reload looks.
function problemsOf(tab: Page): string[] {
  const problems: string[] = [];
  tab.on("console", (message) => {
    if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
  });
  tab.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
  tab.on("requestfailed", (request) => {
    const aborted = request.failure()?.errorText === "net::ERR_ABORTED";
    if (!(aborted && request.url().endsWith(LIVE_PATH))) {
      problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`);
    }
  });
  tab.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}

// Opens the page and waits until its event stream is open.
async function open(tab: Page, url: URL): Promise<void> {
  const live = tab.waitForResponse((r) => r.url().endsWith(LIVE_PATH), { timeout: 10_000 });
  await tab.goto(url.href, { waitUntil: "load" });
  await live;
}

// Expressions as strings: they run in the page, and the tests are
// type-checked without the DOM library.
const heading = (tab: Page) => tab.evaluate("document.querySelector('h1').textContent");
const survived = (tab: Page) => tab.evaluate("window.survived");

test("live reload in Chromium: CSS swapped in place, HTML reloaded within 1 s, in two tabs", {
  skip,
  timeout: 90_000,
}, async () => {
  await withServerAndBrowser({ root, liveReload: true }, async (browser, url) => {
    const tabs = [await browser.newPage(), await browser.newPage()];
    const problems = tabs.map(problemsOf);
    for (const tab of tabs) await open(tab, url);
    // The watcher's watches are set by now, but leave it a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const tab of tabs) await tab.evaluate("window.survived = 42");
    const color = (tab: Page) =>
      tab.evaluate("getComputedStyle(document.querySelector('h1')).color");
    assert.equal(await color(tabs[0]), "rgb(0, 128, 128)");

    writeFileSync(join(root, "style.css"), "h1 { color: rgb(255, 0, 0); }\n");
    for (const tab of tabs) {
      await tab.waitForFunction(
        "getComputedStyle(document.querySelector('h1')).color === 'rgb(255, 0, 0)'",
        { timeout: 3_000, polling: 20 },
      );
      assert.equal(await survived(tab), 42);
      const links = await tab.evaluate("document.querySelectorAll('link[rel=stylesheet]').length");
      assert.equal(links, 1, "the old stylesheet is removed");
    }

    const started = Date.now();
    writeFileSync(join(root, "index.html"), page("Second"));
    for (const tab of tabs) {
      await tab.waitForFunction("document.querySelector('h1')?.textContent === 'Second'", {
        timeout: 3_000,
        polling: 20,
      });
    }
    const took = Date.now() - started;
    assert.ok(took < 1_000, `reloaded after ${took} ms`);
    for (const tab of tabs) {
      assert.equal(await heading(tab), "Second");
      assert.equal(await survived(tab), undefined);
      assert.equal(await color(tab), "rgb(255, 0, 0)");
    }
    assert.deepEqual(problems.flat(), []);
  });
});

test("live reload in Chromium: a folder's listing shows a new file, under its strict CSP", {
  skip,
  timeout: 90_000,
}, async () => {
  const folder = join(root, "notes");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "a.txt"), "a\n");
  try {
    await withServerAndBrowser({ root, liveReload: true, listing: true }, async (browser, url) => {
      const tab = await browser.newPage();
      const problems = problemsOf(tab);
      // A CSP violation is reported to the page; the page's own script runs
      // under the same policy, so collect them from there.
      await tab.evaluateOnNewDocument(
        "window.violations = []; addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI))",
      );
      await open(tab, new URL("/notes/", url));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const names = () =>
        tab.evaluate(
          "[...document.querySelectorAll('tbody tr:not(.up) td:first-child a')].map((a) => a.textContent)",
        );
      assert.deepEqual(await names(), ["a.txt"]);
      writeFileSync(join(folder, "b.txt"), "b\n");
      await tab.waitForFunction(
        "document.querySelectorAll('tbody tr:not(.up) td:first-child a').length === 2",
        { timeout: 3_000, polling: 20 },
      );
      assert.deepEqual(await names(), ["a.txt", "b.txt"]);
      assert.deepEqual(await tab.evaluate("window.violations"), []);
      assert.deepEqual(problems, []);
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("live reload in Chromium: a page reloads once when the server restarts on its port", {
  skip,
  timeout: 90_000,
}, async () => {
  const first = new AbortController();
  const server = await serve({ root, port: 0, liveReload: true, signal: first.signal });
  const port = Number(server.url.port);
  const browser = await launchChromium();
  let second: AbortController | null = null;
  let restarted: Awaited<ReturnType<typeof serve>> | null = null;
  try {
    const tab = await browser.newPage();
    const problems = problemsOf(tab);
    await open(tab, server.url);
    await tab.evaluate("window.survived = 42");
    first.abort();
    await server.finished;
    // Down for longer than the stream's retry, so the browser's attempts fail.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(await survived(tab), 42, "no reload while the server is down");
    second = new AbortController();
    restarted = await serve({ root, port, liveReload: true, signal: second.signal });
    await tab.waitForFunction("window.survived === undefined", { timeout: 10_000, polling: 50 });
    assert.equal(await heading(tab), "Second");
    // Once: the stream of the reloaded page is the new server's, and stays.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await tab.evaluate("window.survived = 7");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await survived(tab), 7);
    // While the server was down, each attempt to reconnect failed, and
    // Chromium itself logs that (no script can keep it quiet).
    const unexpected = problems.filter((p) =>
      !(p.includes(LIVE_PATH) && p.includes("ERR_CONNECTION_REFUSED")) &&
      p !== "console.error: Failed to load resource: net::ERR_CONNECTION_REFUSED"
    );
    assert.deepEqual(unexpected, []);
  } finally {
    await closeBrowser(browser);
    second?.abort();
    await restarted?.finished;
  }
});
