/**
 * The listing benchmark (issue 14 §1): one folder of 10,000 files listed as
 * HTML by ours on Deno, Bun and Node (the CLI with `--listing`), nginx's
 * `autoindex` and Caddy's `file-server --browse`, in the same run, each
 * server on core 0, asked by a bounded loop of sequential `fetch()`es (one
 * request at a time, for LISTING_DURATION seconds and at least 5 requests:
 * a page of megabytes takes long enough that wrk's 2 s timeout would cut
 * requests and undercount); then the core's own sort and render time for
 * that folder, in process; and, when Debian's `chromium` is installed, how
 * the page behaves in it (load time, and the time the filter takes to
 * narrow 10,000 rows on one keystroke).
 *
 * ```sh
 * apt-get install -y nginx caddy
 * node_modules/.bin/node bench/listing.ts            # 3 s per server
 * LISTING_DURATION=5 node_modules/.bin/node bench/listing.ts
 * ```
 *
 * Prints a Markdown report (bench/results/listing.md holds a recorded one).
 *
 * @module
 */

import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePort, killAllNow, type Running, startServer, stopServer } from "./processes.ts";
import { NGINX, nginxCommand } from "./nginx.ts";
import { ROOT } from "./servers.ts";
import { renderHtmlListing } from "../src/core/listing_html.ts";
import { sortEntries } from "../src/core/listing_sort.ts";
import puppeteer from "puppeteer-core";

const ENTRIES = 10_000;
const DURATION = Number(process.env.LISTING_DURATION ?? 3);
const MIN_REQUESTS = 5;

/** What the loop measured. */
interface LoopResult {
  requestsPerSec: number;
  medianMs: number;
  requests: number;
}
const CADDY = "/usr/bin/caddy";

interface Contender {
  name: string;
  argv: (port: number, root: string, dir: string) => string[];
  available: () => boolean;
}

const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
const cli = join(ROOT, "src", "cli.ts");
const ours = (port: number, root: string) => [cli, root, "-p", `${port}`, "--listing", "-q"];

const CONTENDERS: Contender[] = [
  {
    name: "ours-deno",
    argv: (port, root) => [bin("deno"), "run", "-A", ...ours(port, root)],
    available: () => true,
  },
  {
    name: "ours-bun",
    argv: (port, root) => [bin("bun"), ...ours(port, root)],
    available: () => true,
  },
  {
    name: "ours-node",
    argv: (port, root) => [bin("node"), ...ours(port, root)],
    available: () => true,
  },
  {
    name: "nginx autoindex",
    argv: (port, root, dir) => nginxCommand({ port, root, dir, autoindex: true }),
    available: () => existsSync(NGINX),
  },
  {
    name: "caddy browse",
    argv: (port, root) => [
      CADDY,
      "file-server",
      "--browse",
      "--root",
      root,
      "--listen",
      `127.0.0.1:${port}`,
    ],
    available: () => existsSync(CADDY),
  },
];

/** `ENTRIES` small files with varied names, sizes and times in `root/big/`. */
function buildFolder(root: string): void {
  const big = join(root, "big");
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < ENTRIES; i++) {
    const name = i % 50 === 0 ? `folder-${i}` : `file-${i}${i % 3 === 0 ? ".txt" : ".bin"}`;
    if (i % 50 === 0) mkdirSync(join(big, name));
    else writeFileSync(join(big, name), "x".repeat(i % 200));
  }
}

interface Row {
  name: string;
  result: LoopResult | null;
  bytes: number;
  note: string;
}

async function measure(contender: Contender, root: string, work: string): Promise<Row> {
  if (!contender.available()) {
    return { name: contender.name, result: null, bytes: 0, note: "not installed" };
  }
  const port = await freePort();
  const dir = join(work, contender.name.replace(/\W+/g, "-"));
  mkdirSync(dir, { recursive: true });
  let running: Running | undefined;
  try {
    running = await startServer({
      name: contender.name,
      argv: contender.argv(port, root, dir),
      port,
      cwd: ROOT,
      log: join(dir, "log"),
    });
    const url = new URL("/big/", running.url);
    const page = await fetch(url, { headers: { accept: "text/html" } });
    const body = await page.text();
    if (page.status !== 200) throw new Error(`${contender.name}: ${page.status} for ${url}`);
    // Every entry listed, whatever the markup around it.
    if (!body.includes("file-9999") || !body.includes("folder-0")) {
      throw new Error(`${contender.name}: the listing lacks entries`);
    }
    const result = await fetchLoop(url);
    const note = "";
    return { name: contender.name, result, bytes: new TextEncoder().encode(body).length, note };
  } finally {
    if (running) await stopServer(running);
  }
}

/** Sequential GETs of `url` for DURATION seconds (and at least MIN_REQUESTS). */
async function fetchLoop(url: URL): Promise<LoopResult> {
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < DURATION * 1000 || times.length < MIN_REQUESTS) {
    const before = performance.now();
    const response = await fetch(url, { headers: { accept: "text/html" } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    times.push(performance.now() - before);
  }
  const elapsed = performance.now() - start;
  times.sort((a, b) => a - b);
  return {
    requestsPerSec: times.length / (elapsed / 1000),
    medianMs: times[times.length >> 1],
    requests: times.length,
  };
}

/** The core alone: sort and render the folder's 10,000 entries, median of 15. */
function renderTime(): { sortMs: number; renderMs: number; bytes: number } {
  const entries = Array.from({ length: ENTRIES }, (_, i) => ({
    name: i % 50 === 0 ? `folder-${i}` : `file-${i}.bin`,
    directory: i % 50 === 0,
    size: i % 200,
    mtimeMs: 1_700_000_000_000 + i * 1000,
  }));
  const sorts: number[] = [];
  const renders: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 15; run++) {
    const start = performance.now();
    const sorted = sortEntries(entries, { key: "name", order: "asc" });
    const middle = performance.now();
    const html = renderHtmlListing("/big/", sorted, { parent: true });
    renders.push(performance.now() - middle);
    sorts.push(middle - start);
    bytes = html.length;
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  return { sortMs: median(sorts), renderMs: median(renders), bytes };
}

const CHROMIUM = "/usr/bin/chromium";

/** In Chromium: load time of the 10,000-row page and the filter's work per keystroke, medians. */
async function browserTime(root: string, work: string): Promise<string> {
  if (!existsSync(CHROMIUM)) return "Chromium not installed: no in-browser numbers.";
  const port = await freePort();
  const dir = join(work, "browser");
  mkdirSync(dir, { recursive: true });
  const running = await startServer({
    name: "ours-node",
    argv: CONTENDERS[2].argv(port, root, dir),
    port,
    cwd: ROOT,
    log: join(dir, "log"),
  });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    const loads: number[] = [];
    const filters: number[] = [];
    const clears: number[] = [];
    for (let run = 0; run < 5; run++) {
      await page.goto(new URL("/big/", running.url).href, { waitUntil: "load" });
      // Page-side code as text: the bench is type-checked without the DOM.
      loads.push(
        await page.evaluate(
          `performance.getEntriesByType("navigation")[0].loadEventEnd`,
        ) as number,
      );
      // The filter runs on each input event, synchronously: the time of one
      // dispatch is what a keystroke costs the page.
      const keystroke = (text: string) =>
        page.evaluate(
          `(() => { const f = document.getElementById("filter"); f.value = ${
            JSON.stringify(text)
          }; const t = performance.now(); f.dispatchEvent(new Event("input")); return performance.now() - t; })()`,
        ) as Promise<
          number
        >;
      filters.push(await keystroke("file-99"));
      clears.push(await keystroke(""));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
    const version = await browser.version();
    return `In ${version} (headless, ours on Node, median of 5): the 10,000-row page loads in ` +
      `${median(loads).toFixed(0)} ms (navigation start to the load event); one keystroke in ` +
      `the filter narrows the rows in ${median(filters).toFixed(1)} ms, and clearing it shows ` +
      `them all again in ${median(clears).toFixed(1)} ms.`;
  } finally {
    await browser.close();
    await stopServer(running);
  }
}

function version(argv: string[]): string {
  // nginx -v writes to stderr.
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] || "?";
}

async function main(): Promise<void> {
  process.on("exit", killAllNow);
  const work = mkdtempSync(join(tmpdir(), "fileserver-listing-bench-"));
  // nginx's worker runs as nobody: it must be able to read the folder.
  chmodSync(work, 0o755);
  const root = join(work, "site");
  try {
    buildFolder(root);
    const load = loadavg()[0].toFixed(2);
    const rows: Row[] = [];
    for (const contender of CONTENDERS) {
      rows.push(await measure(contender, root, work));
      process.stderr.write(`${contender.name} done\n`);
    }
    const nginx = rows.find((row) => row.name.startsWith("nginx"))?.result ?? null;
    const caddy = rows.find((row) => row.name.startsWith("caddy"))?.result ?? null;
    const ratio = (ours: LoopResult | null, peer: LoopResult | null) =>
      ours && peer ? (ours.requestsPerSec / peer.requestsPerSec).toFixed(2) : "—";
    const lines = [
      `${new Date().toISOString()}, load average ${load} at the start, ` +
      `sequential fetch() for ${DURATION} s (at least ${MIN_REQUESTS} requests), each server on ` +
      `core 0, GET /big/ (${ENTRIES.toLocaleString("en")} entries, Accept: text/html).`,
      "",
      `Versions: ${version([bin("deno"), "--version"])}; bun ${
        version([bin("bun"), "--version"])
      }; ` +
      `node ${version([bin("node"), "--version"])}; ${
        existsSync(NGINX) ? version([NGINX, "-v"]) : "nginx not installed"
      }; caddy ${existsSync(CADDY) ? version([CADDY, "version"]) : "not installed"}.`,
      "",
      "| server | requests | req/s | median ms | page bytes | ÷ nginx | ÷ caddy | note |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ];
    for (const { name, result, bytes, note } of rows) {
      lines.push(
        `| ${name} | ${result?.requests ?? "—"} | ${
          result ? result.requestsPerSec.toFixed(2) : "—"
        } | ${result ? result.medianMs.toFixed(0) : "—"} | ${bytes || "—"} | ${
          name.startsWith("ours") ? ratio(result, nginx) : ""
        } | ${name.startsWith("ours") ? ratio(result, caddy) : ""} | ${note} |`,
      );
    }
    const core = renderTime();
    lines.push(
      "",
      `The core alone (this runtime, ${
        process.versions.bun ? "Bun" : "Deno" in globalThis ? "Deno" : "Node"
      }): ` +
        `sorting ${ENTRIES.toLocaleString("en")} entries by name takes ${
          core.sortMs.toFixed(1)
        } ms, ` +
        `rendering the page ${core.renderMs.toFixed(1)} ms (${
          core.bytes.toLocaleString("en")
        } characters), ` +
        "median of 15.",
      "",
      await browserTime(root, work),
    );
    console.log(lines.join("\n"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
