/**
 * The 1 GiB probe: does a server's memory stay flat while it sends a file
 * far larger than any buffer it should hold? One download of the sparse
 * {@linkcode HUGE_FILE} per server by a client slower than the server, with
 * the server's RSS sampled every 100 ms.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { isAlive, restart, type Slot } from "./lineup.ts";
import { rssKiB, sampleRss, track } from "./processes.ts";
import { REFERENCE } from "./servers.ts";
import { HUGE_FILE } from "./site.ts";

/** What one download of the huge file did to a server's memory. */
export interface RssGrowth {
  /** The server's name. */
  server: string;
  /** RSS just before the download, KiB. */
  beforeKiB: number;
  /** The highest RSS sampled during the download, KiB. */
  peakKiB: number;
  /** The rate the client achieved, MiB/s. */
  clientMiBps: number;
  /** Why the numbers are missing or not to be trusted; absent when all went well. */
  error?: string;
}

/**
 * The most a server's RSS may grow while sending the 1 GiB file, MiB.
 *
 * One that ignores backpressure reads at page-cache speed (GB/s) while the
 * client takes 200 MiB/s, so it queues most of the file: hundreds of MiB,
 * growing with the file. One that waits holds a few chunks plus what its
 * heap settles at. 64 MiB (1/16 of the file) lies between; it is also V8's
 * `kExternalAllocationSoftLimit`, the dead `ArrayBuffer` memory that makes
 * V8 collect, so a server allocating a buffer per chunk plateaus near it
 * (ours-deno and sirv grew 55–70 MiB on a fresh process, the same at 50,
 * 200 and 1000 MiB/s). Hence the probe runs after the wrk runs, on warm
 * heaps.
 */
export const RSS_GROWTH_LIMIT_MIB = 64;

/**
 * The client's rate cap (curl's `--limit-rate`, binary M): about 5 s for
 * 1 GiB, and a tenth of what every server sends on loopback, so the server
 * must wait for the client rather than the other way round.
 */
export const CLIENT_RATE = "200M";

/**
 * The servers probed: ours on each runtime, one file-serving peer on each
 * for comparison, and the reference.
 */
export const RSS_PROBED: readonly string[] = [
  "ours-deno",
  "hono-deno",
  "ours-bun",
  "hono-bun",
  "ours-node",
  "sirv",
  REFERENCE,
];

const TIMEOUT_S = 120;

/**
 * Downloads the huge file once from each running server of
 * {@linkcode RSS_PROBED}, one server at a time, sampling its RSS.
 *
 * @param slots The run's servers (those not probed are skipped).
 * @returns One entry per probed server that was in the run.
 */
export async function measureRssGrowth(slots: Slot[]): Promise<RssGrowth[]> {
  const growths: RssGrowth[] = [];
  for (const slot of slots) {
    if (!RSS_PROBED.includes(slot.spec.name)) continue;
    const growth = await probeOne(slot);
    growths.push(growth);
    const mib = ((growth.peakKiB - growth.beforeKiB) / 1024).toFixed(1);
    console.log(`rss ${growth.server} 1 GiB: ${growth.error ?? `+${mib} MiB`}`);
  }
  return growths;
}

async function probeOne(slot: Slot): Promise<RssGrowth> {
  const growth: RssGrowth = { server: slot.spec.name, beforeKiB: 0, peakKiB: 0, clientMiBps: 0 };
  if (!isAlive(slot) && !await restart(slot)) return { ...growth, error: "server down" };
  const { pids, url } = slot.server!;
  growth.beforeKiB = rssKiB(pids);
  const sampler = sampleRss(pids);
  try {
    const { status, size, bytesPerSec } = await download(new URL(HUGE_FILE.name, url));
    growth.peakKiB = sampler.stop();
    growth.clientMiBps = bytesPerSec / 1024 ** 2;
    if (!isAlive(slot)) growth.error = "crashed during the download";
    else if (status !== 200) growth.error = `answered ${status}`;
    else if (size !== HUGE_FILE.size) growth.error = `sent ${size} bytes, not ${HUGE_FILE.size}`;
  } catch (error) {
    growth.peakKiB = sampler.stop();
    growth.error = (error as Error).message.split("\n")[0];
  }
  return growth;
}

/** curl on core 1, as wrk: the server keeps core 0 to itself. */
function download(url: URL): Promise<{ status: number; size: number; bytesPerSec: number }> {
  const args = [
    ...["-c", "1", "curl", "--silent", "--show-error", "--output", "/dev/null"],
    ...["--limit-rate", CLIENT_RATE, "--max-time", `${TIMEOUT_S}`],
    ...["--write-out", "%{http_code} %{size_download} %{speed_download}", url.href],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("taskset", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    track(child);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => output += chunk);
    child.stderr.on("data", (chunk: Buffer) => output += chunk);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const [status, size, speed] = output.trim().split(" ").map(Number);
      if (code === 0) resolve({ status, size, bytesPerSec: speed });
      else reject(new Error(`curl failed (${code ?? signal}): ${output.trim() || "no output"}`));
    });
  });
}

/**
 * The growth the goal is judged on.
 *
 * @param growth One server's probe.
 * @returns Peak − before in MiB, or `null` when the download went wrong.
 */
export function growthMiB(growth: RssGrowth): number | null {
  return growth.error === undefined ? (growth.peakKiB - growth.beforeKiB) / 1024 : null;
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

/**
 * Renders the probe's table.
 *
 * @param growths The probe's results.
 * @returns Markdown, empty when nothing was probed.
 */
export function renderRssGrowth(growths: RssGrowth[]): string {
  if (growths.length === 0) return "";
  const rows = growths.map((growth) => {
    const { beforeKiB, peakKiB } = growth;
    const values = peakKiB === 0
      ? ["—", "—", "—", "—"]
      : [mib(beforeKiB), mib(peakKiB), mib(peakKiB - beforeKiB), growth.clientMiBps.toFixed(0)];
    return `| ${growth.server} | ${values.join(" | ")} | ${growth.error ?? ""} |`;
  });
  return [
    "### RSS while serving a 1 GiB file",
    "",
    `One \`GET /${HUGE_FILE.name}\` (sparse, 1 GiB) per server, after the runs above, by curl` +
    ` \`--limit-rate ${CLIENT_RATE}\` on core 1; VmRSS of the server's process tree sampled every` +
    ` 100 ms. Growth = peak − before; the goal is ≤ ${RSS_GROWTH_LIMIT_MIB} MiB.`,
    "",
    "| server | before | peak | growth | client MiB/s | note |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...rows,
    "",
  ].join("\n");
}
