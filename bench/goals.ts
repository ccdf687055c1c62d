/**
 * The performance goals of issues 6 and 13, judged from one run: each goal's ratio
 * of this run's medians (or, for memory under a 1 GiB download, its
 * growth) and whether it holds.
 *
 * @module
 */

import { SCENARIOS } from "./config.ts";
import { type Results, summarise, type Summary } from "./report.ts";
import { growthMiB, RSS_GROWTH_LIMIT_MIB, type RssGrowth } from "./rss_growth.ts";
import { type Group, GROUPS, REFERENCE } from "./servers.ts";

/** One row of the goal table. */
export interface GoalRow {
  /** The goal, as its issue states it. */
  goal: string;
  /** What was divided by what, with the medians; or why it could not be. */
  measured: string;
  /** The ratio (or the figure), formatted; `—` when not measured. */
  value: string;
  /** The bound the value must meet, e.g. `≥ 1.50`. */
  target: string;
  /** `✅`, `❌`, `not measured`, or `comparison only`. */
  holds: string;
}

type Metric = "rps" | "mibps" | "p99Ms" | "rssMiB";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

const METRICS: Record<Metric, { label: string; format(value: number): string }> = {
  rps: { label: "req/s", format: (value) => integer.format(value) },
  mibps: { label: "MiB/s", format: (value) => value.toFixed(1) },
  p99Ms: { label: "p99", format: (value) => `${value.toFixed(2)} ms` },
  rssMiB: { label: "peak RSS", format: (value) => `${value.toFixed(1)} MiB` },
};

/** A goal that divides ours's median by a peer's. */
interface RatioGoal {
  goal: string;
  ours: string;
  peer: string;
  /** The scenario id of both cells. */
  scenario: string;
  /** The peer's scenario, when it differs (only for a comparison). */
  peerScenario?: string;
  /** What is divided. @default "rps" */
  metric?: Metric;
  /** ours ÷ peer must be at least this (rates) … */
  atLeast?: number;
  /** … or at most this (latency, memory). */
  atMost?: number;
  /** Shown for scale only: no goal is judged by it. */
  comparisonOnly?: boolean;
}

/**
 * The goals, in the order: a ratio to compute, or a row that this
 * bench cannot measure.
 */
const GOALS: Array<RatioGoal | GoalRow> = [
  ...(["deno", "bun", "node"] as const).map((runtime): RatioGoal => ({
    goal: `${title(runtime)}: cached 1 KiB at ≥ 80% of the runtime's ceiling`,
    ours: `ours-${runtime}`,
    peer: `ceiling-${runtime}`,
    scenario: "1k",
    atLeast: 0.8,
  })),
  {
    goal: "Deno: 1 KiB ≥ 1.5× Hono",
    ours: "ours-deno",
    peer: "hono-deno",
    scenario: "1k",
    atLeast: 1.5,
  },
  {
    goal: "Deno: 304 ≥ 2× Hono",
    ours: "ours-deno",
    peer: "hono-deno",
    scenario: "304",
    atLeast: 2,
  },
  {
    goal: "Deno 304, closest comparison (not the goal): ours's 304 ÷ Hono's 1 KiB 200",
    ours: "ours-deno",
    peer: "hono-deno",
    scenario: "304",
    peerScenario: "1k",
    atLeast: 2,
    comparisonOnly: true,
  },
  {
    goal: "Deno: 4× @std/http `serveDir`",
    measured: "no `serveDir` server in the lineup: @std/http is on JSR, which the bench machine" +
      " cannot reach",
    value: "—",
    target: "≥ 4.00",
    holds: "not measured",
  },
  { goal: "Bun: 1 KiB ≥ nginx", ours: "ours-bun", peer: REFERENCE, scenario: "1k", atLeast: 1 },
  { goal: "Bun: 1 KiB ≥ 2× Hono", ours: "ours-bun", peer: "hono-bun", scenario: "1k", atLeast: 2 },
  {
    goal: "Node: 1 KiB ≥ 1.5× sirv",
    ours: "ours-node",
    peer: "sirv",
    scenario: "1k",
    atLeast: 1.5,
  },
  { goal: "Node: 304 ≥ 1.5× sirv", ours: "ours-node", peer: "sirv", scenario: "304", atLeast: 1.5 },
  // wrk's Transfer/sec counts headers too: under 1 ‰ of a 10 MiB body.
  ...([["deno", REFERENCE, 0.9], ["bun", REFERENCE, 0.9], ["node", "sirv", 1]] as const).map(
    ([runtime, peer, atLeast]): RatioGoal => ({
      goal: `${title(runtime)}: 10 MiB ≥ ${atLeast}× ${peer}'s MB/s`,
      ours: `ours-${runtime}`,
      peer,
      scenario: "10m",
      metric: "mibps",
      atLeast,
    }),
  ),
  // Compression costs nothing per request once a version is cached: br
  // requests at least 0.9× the rate of the same file sent as it is.
  ...(["deno", "bun", "node"] as const).map((runtime): RatioGoal => ({
    goal: `${title(runtime)}: 64 KiB JS as br ≥ 0.9× as it is`,
    ours: `ours-${runtime}`,
    peer: `ours-${runtime}`,
    scenario: "js-br",
    peerScenario: "js",
    atLeast: 0.9,
  })),
];

/**
 * Issue 13's goals: in the same framework app, ours as its middleware
 * answers cached small files at least as fast as the framework's usual one.
 */
const FRAMEWORK_GOALS: RatioGoal[] = ([
  ["Hono on Deno", "ours-hono-deno", "hono-deno", "Hono's `serveStatic`"],
  ["Hono on Bun", "ours-hono-bun", "hono-bun", "Hono's `serveStatic`"],
  ["Hono on Node", "ours-hono-node", "hono-node", "Hono's `serveStatic`"],
  ["Express", "ours-express", "serve-static", "serve-static"],
  ["Express", "ours-express", "sirv-express", "sirv"],
] as const).map(([where, ours, peer, label]) => ({
  goal: `${where}: 1 KiB, ours ≥ ${label}`,
  ours,
  peer,
  scenario: "1k",
  atLeast: 1,
}));

function title(runtime: string): string {
  return runtime[0].toUpperCase() + runtime.slice(1);
}

function scenarioTitle(id: string): string {
  return SCENARIOS.find((scenario) => scenario.id === id)?.title ?? id;
}

/** A cell's summary, or a sentence saying why there is none. */
function lookup(
  results: Results,
  { server, scenario }: { server: string; scenario: string },
): Summary | string {
  const cell = results.get(server)?.get(scenario);
  const summary = summarise(cell);
  if (summary !== null) return summary;
  const why = cell === undefined ? "not in this run" : cell.excluded ?? "no valid run";
  return `no ${server} ${scenarioTitle(scenario)} cell (${why})`;
}

function notMeasured(row: Pick<GoalRow, "goal" | "measured" | "target">): GoalRow {
  return { ...row, value: "—", holds: "not measured" };
}

/** ours ÷ peer, judged unrounded: 0.799 shows as 0.80 and fails ≥ 0.80. */
function judgeRatio(spec: RatioGoal, results: Results): GoalRow {
  const bound = spec.atLeast ?? spec.atMost!;
  const target = spec.comparisonOnly
    ? `(${bound.toFixed(2)}: the 304 goal, for scale)`
    : `${spec.atLeast !== undefined ? "≥" : "≤"} ${bound.toFixed(2)}`;
  const peerScenario = spec.peerScenario ?? spec.scenario;
  const ours = lookup(results, { server: spec.ours, scenario: spec.scenario });
  const peer = lookup(results, { server: spec.peer, scenario: peerScenario });
  if (typeof ours === "string") return notMeasured({ goal: spec.goal, measured: ours, target });
  if (typeof peer === "string") return notMeasured({ goal: spec.goal, measured: peer, target });
  const metric = spec.metric ?? "rps";
  const { label, format } = METRICS[metric];
  const [oursValue, peerValue] = [ours[metric], peer[metric]];
  if (peerValue === 0) {
    return notMeasured({
      goal: spec.goal,
      measured: `${spec.peer}'s median ${label} is 0`,
      target,
    });
  }
  const where = peerScenario === spec.scenario
    ? `${label}, ${scenarioTitle(spec.scenario)}`
    : `${label}; ${scenarioTitle(spec.scenario)} ÷ ${scenarioTitle(peerScenario)}`;
  const ratio = oursValue / peerValue;
  const holds = spec.atLeast !== undefined ? ratio >= spec.atLeast : ratio <= spec.atMost!;
  return {
    goal: spec.goal,
    measured: `${spec.ours} ${format(oursValue)} ÷ ${spec.peer} ${format(peerValue)} (${where})`,
    value: ratio.toFixed(2),
    target,
    holds: spec.comparisonOnly ? "comparison only" : holds ? "✅" : "❌",
  };
}

/**
 * A group's peers for the p99 and RSS goals: the reference (nginx) is a
 * fixed point, not a peer; a `ceiling-*` server answers a constant body
 * from memory and serves no file, so it is a bound, not a peer; an `ours-*`
 * entry is a variant of ours.
 */
function peersOf(group: Group): string[] {
  return group.peers.filter((name) =>
    name !== REFERENCE && !name.startsWith("ceiling-") && !name.startsWith("ours-")
  );
}

/**
 * The peer with the lowest median p99 in a scenario, among those measured
 * there; or, when none was, a sentence saying why.
 */
function bestPeer(
  results: Results,
  { group, scenario }: { group: Group; scenario: string },
): string | { why: string } {
  let best: { name: string; p99Ms: number } | null = null;
  const missing: string[] = [];
  for (const name of peersOf(group)) {
    const found = lookup(results, { server: name, scenario });
    if (typeof found === "string") missing.push(found);
    else if (best === null || found.p99Ms < best.p99Ms) best = { name, p99Ms: found.p99Ms };
  }
  return best?.name ?? { why: missing.join("; ") || "no peer in this group" };
}

/**
 * p99 no worse than the best peer's, per runtime and 50-connection
 * scenario; peak RSS compared with that same peer (issue 6: "no higher than
 * that peer's"), so that both numbers come from one comparison.
 */
function latencyRows(results: Results): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const group of GROUPS) {
    if (!results.has(group.ours)) {
      // One row, not eight, for a runtime left out by BENCH_ONLY.
      const goal = `${group.title}: p99 and peak RSS ≤ the best peer's`;
      rows.push(notMeasured({ goal, measured: `${group.ours} not in this run`, target: "≤ 1.00" }));
      continue;
    }
    for (const scenario of SCENARIOS.filter((s) => s.connections === 50)) {
      const goals = [
        { goal: `${group.title}: p99 ≤ best peer's, ${scenario.title}`, metric: "p99Ms" },
        { goal: `${group.title}: peak RSS ≤ that peer's, ${scenario.title}`, metric: "rssMiB" },
      ] as const;
      const peer = bestPeer(results, { group, scenario: scenario.id });
      for (const { goal, metric } of goals) {
        rows.push(
          typeof peer !== "string"
            ? notMeasured({ goal, measured: peer.why, target: "≤ 1.00" })
            : judgeRatio(
              { goal, ours: group.ours, peer, scenario: scenario.id, metric, atMost: 1 },
              results,
            ),
        );
      }
    }
  }
  return rows;
}

function growthRows(growths: RssGrowth[]): GoalRow[] {
  const target = `≤ ${RSS_GROWTH_LIMIT_MIB} MiB`;
  return GROUPS.map((group) => {
    const goal = `${group.title}: RSS flat while serving a 1 GiB file`;
    const growth = growths.find((probed) => probed.server === group.ours);
    if (growth === undefined) {
      return notMeasured({ goal, measured: `${group.ours} not in this run`, target });
    }
    const mib = growthMiB(growth);
    if (mib === null) {
      return notMeasured({ goal, measured: `${group.ours}: ${growth.error}`, target });
    }
    return {
      goal,
      measured: `${group.ours} peak ${(growth.peakKiB / 1024).toFixed(1)} − before ` +
        `${(growth.beforeKiB / 1024).toFixed(1)} MiB (client at ${
          growth.clientMiBps.toFixed(0)
        } MiB/s)`,
      value: `${mib.toFixed(1)} MiB`,
      target,
      holds: mib <= RSS_GROWTH_LIMIT_MIB ? "✅" : "❌",
    };
  });
}

/**
 * Judges every goal of issues 6 and 13 against one run.
 *
 * @param results The run's cells.
 * @param growths The 1 GiB probe's results (empty when it did not run).
 * @returns The goal table's rows: issue 6's in its order, then issue 13's.
 */
export function evaluateGoals(results: Results, growths: RssGrowth[]): GoalRow[] {
  const rows = GOALS.map((spec) => "holds" in spec ? spec : judgeRatio(spec, results));
  return [
    ...rows,
    ...latencyRows(results),
    ...growthRows(growths),
    ...FRAMEWORK_GOALS.map((spec) => judgeRatio(spec, results)),
  ];
}

/**
 * Renders the goal table, with a count of goals held.
 *
 * @param rows From {@linkcode evaluateGoals}.
 * @returns Markdown.
 */
export function renderGoals(rows: GoalRow[]): string {
  const judged = rows.filter((row) => row.holds === "✅" || row.holds === "❌");
  const held = judged.filter((row) => row.holds === "✅").length;
  const unmeasured = rows.filter((row) => row.holds === "not measured").length;
  return [
    "## Goals (issues 6 and 13)",
    "",
    `${held} of ${judged.length} measured goals hold; ${unmeasured} not measured.`,
    "",
    "Every ratio is ours ÷ peer from this run's medians (the tables below), judged unrounded:" +
    " req/s and MiB/s must reach the target; p99 and peak RSS must not exceed the best peer's," +
    " the best peer being the runtime's file server with the lowest median p99 in that scenario" +
    " (nginx, the reference, and the `ceiling-*` servers, which serve no files, are not peers)." +
    " Peak RSS is compared with that same peer.",
    "",
    "| goal | measured | value | target | holds |",
    "| --- | --- | ---: | --- | --- |",
    ...rows.map((row) =>
      `| ${row.goal} | ${row.measured} | ${row.value} | ${row.target} | ${row.holds} |`
    ),
    "",
  ].join("\n");
}
