// The listing page in a real browser (issue 14 §1): headless Chromium
// (Debian's `chromium`) driven by puppeteer-core against the running
// runtime's serve(). It checks what a person gets: sort links and
// breadcrumbs navigate (without scripts), the filter narrows rows as one
// types, keyboard focus is visible, nothing scrolls sideways at 390 px, and
// the strict Content-Security-Policy blocks nothing the page needs. It
// writes the screenshots the README links.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Page } from "puppeteer-core";
import { chromiumSkip, withServerAndBrowser } from "./_helpers/chromium.ts";

const skip = chromiumSkip;

const SCREENSHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const WIDE = { width: 1100, height: 760 };
const NARROW = { width: 390, height: 844 };
const T = Date.UTC(2026, 10, 20, 9, 30) / 1000;
const LONG =
  "a-very-long-file-name-without-any-spaces-that-must-wrap-instead-of-overflowing.tar.gz";

/** A folder that looks like a real project's downloads. */
function buildTree(): { root: string; remove: () => void } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-listing-browser-")));
  const root = join(base, "www");
  const files: Array<[string, number]> = [
    ["photos/sunset.jpg", 2_400_000],
    ["photos/2026/beach.png", 830_000],
    ["photos/2026/beach-10.png", 12_000],
    ["photos/2026/beach-9.png", 9_000],
    ["music/theme.mp3", 4_100_000],
    ["src/main.ts", 4_200],
    ["README.md", 2_900],
    ["report.pdf", 318_000],
    ["release-v1.2.0.zip", 15_700_000],
    ["intro.mp4", 48_000_000],
    ["notes.txt", 730],
    ["données ünïcödé Ωμέγα.csv", 52_000],
    [LONG, 1_234_567],
    ['<img src=x onerror="alert(1)">.html', 31],
  ];
  for (const [i, [path, size]] of files.entries()) {
    const full = join(root, path);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, new Uint8Array(size));
    utimesSync(full, T - i * 86_400, T - i * 86_400);
  }
  symlinkSync("report.pdf", join(root, "latest-report.pdf"));
  // Fixed folder times too, so that the screenshots change only with the page.
  for (const folder of ["photos/2026", "photos", "music", "src"]) {
    utimesSync(join(root, folder), T + 3_600, T + 3_600);
  }
  return { root, remove: () => rmSync(base, { recursive: true, force: true }) };
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A temp name and a rename: the three runtimes may run this file at once.
  const temp = join(SCREENSHOTS, `.${name}.${process.pid}.png`);
  await page.screenshot({ path: temp as `${string}.png`, fullPage: true });
  renameSync(temp, join(SCREENSHOTS, name));
}

/** Every console error, page error, failed request and CSP violation. */
async function watch(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
  page.on("requestfailed", (request) => {
    problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  await page.exposeFunction("reportViolation", (text: string) => problems.push(text));
  await page.evaluateOnNewDocument(`document.addEventListener("securitypolicyviolation",
    (e) => globalThis.reportViolation("CSP: " + e.violatedDirective + " " + e.blockedURI));`);
  return problems;
}

// Page-side code is passed as text: the type check has no DOM library.

/** The names of the visible rows, parent link left out. */
function rowNames(page: Page): Promise<string[]> {
  return page.evaluate(`Array.from(document.querySelectorAll("tbody tr:not(.up)"))
    .filter((row) => !row.hidden).map((row) => row.querySelector("a").textContent)`) as Promise<
    string[]
  >;
}

function evaluate<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

async function click(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

test("listing page in Chromium: sort links, breadcrumbs, filter, focus, 390 px, dark, strict CSP", {
  skip,
  timeout: 90_000,
}, async () => {
  const tree = buildTree();
  try {
    await withServerAndBrowser({
      root: tree.root,
      listing: true,
      cacheControl: true,
    }, async (browser, url) => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.setViewport(WIDE);
      const problems = await watch(page);
      const response = await page.goto(url.href, { waitUntil: "load" });
      assert.equal(response?.status(), 200);
      assert.match(response!.headers()["content-security-policy"], /^default-src 'none'/);
      assert.deepEqual(problems, []);
      // The inline style applied (the CSP let it through): folders are tinted.
      assert.equal(
        await evaluate(page, `getComputedStyle(document.querySelector("svg.i.d")).color`),
        "rgb(154, 103, 0)",
      );
      // Folders first, then files in natural order (9 before 10), case-blind.
      const names = await rowNames(page);
      assert.deepEqual(names.slice(0, 3), ["music/", "photos/", "src/"]);
      assert.equal(names[3], '<img src=x onerror="alert(1)">.html');
      assert.ok(names.indexOf("README.md") < names.indexOf("release-v1.2.0.zip"));
      await screenshot(page, "listing-wide.png");

      // Dates in the reader's time zone once the script runs (UTC without it).
      await page.emulateTimezone("Asia/Tokyo");
      await page.reload({ waitUntil: "load" });
      const shown = await evaluate<{ text: string; datetime: string; header: string }>(
        page,
        `({ text: document.querySelector("time").textContent,
          datetime: document.querySelector("time").dateTime,
          header: document.querySelector("th:nth-child(3)").textContent })`,
      );
      const tokyo = new Date(Date.parse(shown.datetime) + 9 * 3_600_000).toISOString();
      assert.equal(shown.text, `${tokyo.slice(0, 10)} ${tokyo.slice(11, 16)}`);
      assert.doesNotMatch(shown.header, /UTC/);
      await page.emulateTimezone("UTC");
      await page.reload({ waitUntil: "load" });

      // Sorting by size: the header link, without any script.
      await click(page, "th:nth-child(2) a");
      assert.equal(new URL(page.url()).search, "?sort=size&order=desc");
      assert.equal(
        await evaluate(page, `document.querySelector("th:nth-child(2)").getAttribute("aria-sort")`),
        "descending",
      );
      assert.deepEqual((await rowNames(page)).slice(3, 5), ["intro.mp4", "release-v1.2.0.zip"]);
      await click(page, "th:nth-child(2) a");
      assert.equal(new URL(page.url()).search, "?sort=size&order=asc");
      assert.equal((await rowNames(page))[3], '<img src=x onerror="alert(1)">.html');

      // Into a folder and deeper: the sort is kept; the breadcrumbs lead back.
      await click(page, 'a[href^="photos/"]');
      await click(page, 'a[href^="2026/"]');
      const deep = new URL(page.url());
      assert.equal(deep.pathname, "/photos/2026/");
      assert.equal(deep.search, "?sort=size&order=asc");
      assert.deepEqual(await rowNames(page), ["beach-9.png", "beach-10.png", "beach.png"]);
      await click(page, "h1 a:nth-child(2)");
      assert.equal(new URL(page.url()).pathname, "/photos/");
      await click(page, "h1 a:first-child");
      assert.equal(
        new URL(page.url()).pathname + new URL(page.url()).search,
        "/?sort=size&order=asc",
      );
      await click(page, "th:nth-child(1) a");
      assert.equal(new URL(page.url()).search, "");

      // The filter narrows the rows as one types, and says how many are left.
      assert.equal(
        await evaluate(page, `document.querySelector("#filter").closest("[hidden]")`),
        null,
      );
      await page.type("#filter", "PNG");
      assert.deepEqual(await rowNames(page), []);
      await evaluate(page, `document.querySelector("#filter").value = ""`);
      await page.type("#filter", "re");
      assert.deepEqual(await rowNames(page), [
        "latest-report.pdf",
        "README.md",
        "release-v1.2.0.zip",
        "report.pdf",
      ]);
      assert.equal(
        await evaluate(page, `document.querySelector("#shown").textContent`),
        "4 of 12 shown",
      );
      // The input's accessible name comes from its <label>.
      const label = await evaluate(page, `document.querySelector("#filter").labels[0].textContent`);
      assert.equal(label, "Filter");
      await evaluate(page, `document.querySelector("#filter").value = ""`);
      await page.type("#filter", " ");
      assert.equal((await rowNames(page)).length, 12);

      // Keyboard focus is visible: Tab from the top lands on the first crumb.
      await page.goto(url.href, { waitUntil: "load" });
      await page.keyboard.press("Tab");
      const focus = await evaluate(
        page,
        `(() => {
        const element = document.activeElement;
        const style = getComputedStyle(element);
        return { text: element.textContent, outline: style.outlineStyle, width: style.outlineWidth };
      })()`,
      );
      assert.deepEqual(focus, { text: "/", outline: "solid", width: "3px" });
      // "/" jumps to the filter.
      await page.keyboard.press("/");
      assert.equal(await evaluate(page, "document.activeElement.id"), "filter");

      // 390 px: long and unicode names wrap, nothing scrolls sideways.
      await page.setViewport(NARROW);
      await page.goto(url.href, { waitUntil: "load" });
      const overflow = await evaluate(
        page,
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      const wide = await evaluate<string[]>(
        page,
        `Array.from(document.querySelectorAll("body *"))
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
        .map((e) => e.tagName + " " + (e.textContent ?? "").slice(0, 40))`,
      );
      assert.equal(overflow, 0, `at ${NARROW.width} px these stick out: ${wide.join("; ")}`);
      await screenshot(page, "listing-narrow.png");

      // Dark mode follows the system setting.
      await page.setViewport(WIDE);
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
      await page.goto(url.href, { waitUntil: "load" });
      assert.equal(
        await evaluate(page, "getComputedStyle(document.body).backgroundColor"),
        "rgb(13, 17, 23)",
      );
      await screenshot(page, "listing-dark.png");
      assert.deepEqual(problems, []);
    });
  } finally {
    tree.remove();
  }
});

test("listing page in Chromium: the zip link downloads the folder, which unzip unpacks", {
  skip: skip || (!existsSync("/usr/bin/unzip") && process.env.FILESERVER_SYSTEM_TOOLS !== "1" &&
    "needs unzip (apt-get install unzip)"),
  timeout: 90_000,
}, async () => {
  const tree = buildTree();
  const downloads = mkdtempSync(join(tmpdir(), "fileserver-zip-download-"));
  try {
    await withServerAndBrowser({
      root: tree.root,
      listing: true,
      archive: true,
    }, async (browser, url) => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      const problems = await watch(page);
      // Chromium's own downloads, into a folder of ours, reported when done.
      const session = await browser.target().createCDPSession();
      await session.send("Browser.setDownloadBehavior", {
        behavior: "allowAndName",
        downloadPath: downloads,
        eventsEnabled: true,
      });
      const done = new Promise<{ guid: string; state: string }>((resolve) => {
        session.on("Browser.downloadProgress", (event) => {
          if (event.state !== "inProgress") resolve(event);
        });
      });
      const named = new Promise<string>((resolve) => {
        session.on("Browser.downloadWillBegin", (event) => resolve(event.suggestedFilename));
      });
      await page.goto(new URL("/photos/", url).href, { waitUntil: "load" });
      await page.click('a[href="?download=zip"]');
      const finished = await done;
      assert.equal(finished.state, "completed");
      assert.equal(await named, "photos.zip");
      // allowAndName stores the file under its download's GUID.
      const unpacked = join(downloads, "unpacked");
      const result = spawnSync("unzip", ["-q", join(downloads, finished.guid), "-d", unpacked], {
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(
        ["sunset.jpg", "2026/beach.png", "2026/beach-10.png", "2026/beach-9.png"].map((name) =>
          statSync(join(unpacked, name)).size
        ),
        [2_400_000, 830_000, 12_000, 9_000],
      );
      assert.deepEqual(problems, []);
    });
  } finally {
    tree.remove();
    rmSync(downloads, { recursive: true, force: true });
  }
});
