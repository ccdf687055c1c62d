/**
 * The benchmark: every server × every scenario, measured with wrk, written
 * to `bench/results/latest.md`. See `bench/README.md`.
 *
 * ```sh
 * npm run bench
 * BENCH_DURATION=3s BENCH_REPEATS=1 BENCH_ONLY=ours-node,sirv npm run bench
 * ```
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { type BenchOptions, readOptions, type Scenario } from "./config.ts";
import { checkTools, describeRun } from "./environment.ts";
import { evaluateGoals, renderGoals } from "./goals.ts";
import { crashReason, isAlive, launch, restart, type Slot } from "./lineup.ts";
import { killAllNow, sampleRss, stopServer } from "./processes.ts";
import { type Cell, renderGroup, type Results } from "./report.ts";
import { measureRssGrowth, renderRssGrowth, type RssGrowth } from "./rss_growth.ts";
import {
  type FirstCompression,
  measureFirstCompression,
  renderFirstCompression,
} from "./first_compression.ts";
import { renderScaling } from "./scaling.ts";
import { FRAMEWORK_GROUPS, GROUPS, ROOT, selectServers } from "./servers.ts";
import { makeSite } from "./site.ts";
import { anomalies, type Plan, verify } from "./verify.ts";
import { runWrk, type WrkRun } from "./wrk.ts";

interface Context {
  options: BenchOptions;
  loadAtStart: number;
  results: Results;
  /** Plans by server name, then scenario id. */
  plans: Map<string, Map<string, Plan>>;
  /** The 1 GiB probe's results. */
  growths: RssGrowth[];
  /** The first-request compression probe's rows. */
  firstCompressions: FirstCompression[];
}

function cellOf(context: Context, server: string, scenario: string): Cell {
  let row = context.results.get(server);
  if (row === undefined) context.results.set(server, row = new Map());
  let cell = row.get(scenario);
  if (cell === undefined) row.set(scenario, cell = { runs: [], notes: [] });
  return cell;
}

function note(cell: Cell, text: string): void {
  if (!cell.notes.includes(text)) cell.notes.push(text);
}

async function verifySlot(slot: Slot, context: Context): Promise<void> {
  const plans = new Map<string, Plan>();
  context.plans.set(slot.spec.name, plans);
  for (const scenario of context.options.scenarios) {
    const cell = cellOf(context, slot.spec.name, scenario.id);
    const plan: Plan = slot.server === null
      ? { ok: false, note: "did not start" }
      : await verify(slot.server.url, scenario);
    if (!plan.ok) cell.excluded = plan.note;
    else if (plan.note) note(cell, plan.note);
    plans.set(scenario.id, plan);
    console.log(`verify ${slot.spec.name} ${scenario.id}: ${plan.ok ? "ok" : plan.note}`);
  }
}

function wrkRun(slot: Slot, scenario: Scenario, plan: Plan, duration: string): WrkRun {
  return {
    url: new URL(scenario.path, slot.server!.url),
    connections: scenario.connections,
    duration,
    durationSeconds: Number.parseInt(duration) * (duration.endsWith("m") ? 60 : 1),
    headers: plan.ok ? plan.headers : {},
    dir: slot.dir,
  };
}

/** A run during which the server died is dropped: its numbers are the crash's. */
async function measureOnce(slot: Slot, scenario: Scenario, plan: Plan, context: Context) {
  const cell = cellOf(context, slot.spec.name, scenario.id);
  if (!isAlive(slot) && !await restart(slot)) return "server down";
  const sampler = sampleRss(slot.server!.pids);
  try {
    const wrk = await runWrk(wrkRun(slot, scenario, plan, context.options.duration));
    const peakRssKiB = sampler.stop();
    if (!isAlive(slot)) {
      note(cell, `crashed: ${crashReason(slot)}`);
      return "crashed";
    }
    cell.runs.push({ wrk, peakRssKiB });
    for (const text of anomalies(scenario, wrk)) note(cell, text);
    return `${Math.round(wrk.requestsPerSec)} req/s, ${(peakRssKiB / 1024).toFixed(1)} MiB`;
  } catch (error) {
    sampler.stop();
    note(cell, `a run failed: ${(error as Error).message.split("\n")[0]}`);
    return "failed";
  }
}

/** One unrecorded 1 s run per server, so that no server is measured cold (JIT, caches). */
async function warmUp(slots: Slot[], scenario: Scenario, context: Context): Promise<void> {
  for (const slot of slots) {
    const plan = context.plans.get(slot.spec.name)?.get(scenario.id);
    if (plan === undefined || !plan.ok || !isAlive(slot)) continue;
    await runWrk(wrkRun(slot, scenario, plan, "1s")).catch(() => {});
  }
}

/** Round-robin: each repeat runs every server once, starting one further along. */
async function measureAll(slots: Slot[], context: Context): Promise<void> {
  const { repeats, scenarios } = context.options;
  const total = scenarios.length * repeats * slots.length;
  let done = 0;
  for (const scenario of scenarios) {
    await warmUp(slots, scenario, context);
    for (let repeat = 0; repeat < repeats; repeat++) {
      const order = slots.map((_, i) => slots[(i + repeat) % slots.length]);
      for (const slot of order) {
        done++;
        const plan = context.plans.get(slot.spec.name)?.get(scenario.id);
        if (plan === undefined || !plan.ok) continue;
        const outcome = await measureOnce(slot, scenario, plan, context);
        console.log(
          `[${done}/${total}] ${scenario.id} ${slot.spec.name} #${repeat + 1}: ${outcome}`,
        );
      }
    }
  }
}

function noteMissingRuns(context: Context): void {
  const { repeats } = context.options;
  for (const row of context.results.values()) {
    for (const cell of row.values()) {
      if (cell.excluded === undefined && cell.runs.length < repeats) {
        note(cell, `${cell.runs.length} of ${repeats} runs valid`);
      }
    }
  }
}

function report(context: Context): string {
  const groups = [...GROUPS, ...FRAMEWORK_GROUPS].map((group) =>
    renderGroup(group, context.options.scenarios, context.results) +
    renderScaling(group, context.options.scenarios, context.results)
  ).filter(Boolean);
  return [
    renderGoals(evaluateGoals(context.results, context.growths)),
    "## Results",
    "",
    ...describeRun(context.options, context.loadAtStart),
    "",
    groups.join("\n"),
    renderRssGrowth(context.growths),
    renderFirstCompression(context.firstCompressions),
  ].join("\n");
}

/** Writes `bench/results/latest.md`, formatted as `deno fmt --check` wants it. */
function writeReport(markdown: string): string {
  const path = join(ROOT, "bench", "results", "latest.md");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, markdown);
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  spawnSync(deno, ["fmt", "--quiet", path], { cwd: ROOT, timeout: 60_000 });
  return readFileSync(path, "utf8");
}

async function main(): Promise<void> {
  const options = readOptions(process.env);
  const specs = selectServers(options.only);
  checkTools();
  const tmp = mkdtempSync(join(tmpdir(), "fileserver-bench-"));
  // nginx's worker runs as nobody when started by root: it must traverse.
  chmodSync(tmp, 0o711);
  const onSignal = () => {
    killAllNow();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", killAllNow);
  const context: Context = {
    options,
    loadAtStart: loadavg()[0],
    results: new Map(),
    plans: new Map(),
    growths: [],
    firstCompressions: [],
  };
  const slots: Slot[] = [];
  try {
    const site = makeSite(join(tmp, "site"));
    for (const spec of specs) {
      console.log(`start ${spec.name}: ${spec.description}`);
      slots.push(await launch(spec, { dir: join(tmp, spec.name), site }));
    }
    for (const slot of slots) await verifySlot(slot, context);
    const runs = options.scenarios.length * (options.repeats * options.durationSeconds + 1) *
      slots.length;
    console.log(`measuring ${slots.length} servers, about ${(runs / 60).toFixed(1)} min`);
    await measureAll(slots, context);
    noteMissingRuns(context);
    // After the runs, so that the download leaves no trace in their peak RSS.
    context.growths = await measureRssGrowth(slots);
    context.firstCompressions = await measureFirstCompression(slots);
  } finally {
    for (const slot of slots) if (slot.server !== null) await stopServer(slot.server);
    rmSync(tmp, { recursive: true, force: true });
  }
  const markdown = writeReport(report(context));
  // The goal table heads the file; repeated last, it is what the terminal shows.
  console.log(`\n${markdown}\n${markdown.slice(0, markdown.indexOf("## Results")).trimEnd()}`);
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
