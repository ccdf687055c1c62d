/**
 * Headless Chromium (Debian's `chromium`, installed by .ci/run) for the
 * browser tests: the skip rule, the launch CI can run, and a close that
 * cannot hang a test.
 */

import { existsSync } from "node:fs";
import process from "node:process";
import puppeteer, { type Browser } from "puppeteer-core";
import type { ServeOptions } from "../../src/adapters/_serve_options.ts";
import { runtimeServe } from "./adapter.ts";

/** Where Debian's package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * The skip reason when Chromium is missing, or `false`. CI sets
 * FILESERVER_SYSTEM_TOOLS=1 after installing it: there a missing Chromium
 * fails the test instead of skipping it.
 */
export const chromiumSkip: string | false = !existsSync(CHROMIUM) &&
  process.env.FILESERVER_SYSTEM_TOOLS !== "1" &&
  "Chromium is not installed (bash .ci/run installs Debian's chromium)";

/** Headless Chromium, as CI can run it. */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    // headless: true adds --headless=new; CI runs as root, where Chromium's
    // sandbox refuses to start, and a container's /dev/shm is often 64 MiB.
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
    timeout: 20_000,
    protocolTimeout: 20_000,
  });
}

/** Closes the browser, and kills it when it does not close in time. */
export async function closeBrowser(browser: Browser): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => timer = setTimeout(resolve, 5_000));
  try {
    await Promise.race([browser.close().catch(() => {}), late]);
  } finally {
    clearTimeout(timer);
    browser.process()?.kill("SIGKILL");
  }
}

/**
 * Serves `options` with the running runtime's `serve()` on 127.0.0.1, runs
 * `body` with a fresh headless Chromium and the server's URL, then closes
 * both, whatever `body` did.
 */
export async function withServerAndBrowser(
  options: Omit<ServeOptions, "port" | "hostname" | "signal">,
  body: (browser: Browser, url: URL) => Promise<void>,
): Promise<void> {
  const serve = await runtimeServe();
  const controller = new AbortController();
  const server = await serve({
    ...options,
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
  } as ServeOptions);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    await body(browser, server.url);
  } finally {
    if (browser) await closeBrowser(browser);
    controller.abort();
    await server.finished;
  }
}
