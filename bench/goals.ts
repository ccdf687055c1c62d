/**
 * The performance goals of issues 6, 13 and 16, judged from one run: each
 * goal's ratio of this run's medians (or, for memory under a 1 GiB
 * download, its growth) and whether it holds.
 *
 * @module
 */

import { SCENARIOS } from "./config.ts";
import { type GoalRow, judgeRatio, lookup, notMeasured, type RatioGoal, title } from "./judge.ts";
import type { Results } from "./report.ts";
import { BOUND_GOALS, roundTwoGoals } from "./round_two_goals.ts";
import { growthMiB, RSS_GROWTH_LIMIT_MIB, type RssGrowth } from "./rss_growth.ts";
import { type Group, GROUPS, REFERENCE } from "./servers.ts";

export type { GoalRow } from "./judge.ts";

/**
 * The goals, in the issue's order: a ratio to compute, or a row that this
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
  // Issue 16's, beside the ceiling's: the same hit ÷ what any never-stale
  // server must do per request.
  ...BOUND_GOALS,
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
    issue: 6,
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
  issue: 13,
  goal: `${where}: 1 KiB, ours ≥ ${label}`,
  ours,
  peer,
  scenario: "1k",
  atLeast: 1,
}));

/**
 * A group's peers for the p99 and RSS goals: the reference (nginx) is a
 * fixed point, not a peer; a `ceiling-*` or `bound-*` server answers a
 * constant body from memory and serves no file, so it is a bound, not a
 * peer; an `ours-*`
 * entry is a variant of ours.
 */
function peersOf(group: Group): string[] {
  return group.peers.filter((name) => name !== REFERENCE && !/^(ceiling|bound|ours)-/.test(name));
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
    for (const scenario of SCENARIOS.filter((s) => s.connections === 50 && !s.extra)) {
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
      issue: 6,
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
 * Judges every goal of issues 6, 13 and 16 against one run.
 *
 * @param results The run's cells.
 * @param growths The 1 GiB probe's results (empty when it did not run).
 * @returns The goal table's rows: issue 6's in its order (issue 16's bound
 * rows beside its ceiling rows), then issue 13's, then issue 16's.
 */
export function evaluateGoals(results: Results, growths: RssGrowth[]): GoalRow[] {
  const rows = GOALS.map((spec) => "holds" in spec ? spec : judgeRatio(spec, results));
  return [
    ...rows,
    ...latencyRows(results),
    ...growthRows(growths),
    ...FRAMEWORK_GOALS.map((spec) => judgeRatio(spec, results)),
    ...roundTwoGoals(results),
  ];
}

function tally(rows: GoalRow[]): string {
  const judged = rows.filter((row) => row.holds === "✅" || row.holds === "❌");
  const held = judged.filter((row) => row.holds === "✅").length;
  const unmeasured = rows.filter((row) => row.holds === "not measured").length;
  return `${held} of ${judged.length} measured goals hold; ${unmeasured} not measured`;
}

/**
 * Renders the goal table, with a count of goals held.
 *
 * @param rows From {@linkcode evaluateGoals}.
 * @returns Markdown.
 */
export function renderGoals(rows: GoalRow[]): string {
  const issues = [...new Set(rows.map((row) => row.issue))].sort((a, b) => a - b);
  const byIssue = issues.map((issue) =>
    `issue ${issue}: ${tally(rows.filter((row) => row.issue === issue)).replace(" goals", "")}`
  );
  return [
    `## Goals (issues ${issues.slice(0, -1).join(", ")} and ${issues.at(-1)})`,
    "",
    `${tally(rows)} (${byIssue.join("; ")}).`,
    "",
    "Every ratio is ours ÷ peer from this run's medians (the tables below), judged unrounded:" +
    " req/s and MiB/s must reach the target; p99 and peak RSS must not exceed the best peer's," +
    " the best peer being the runtime's file server with the lowest median p99 in that scenario" +
    " (nginx, the reference, and the `ceiling-*` and `bound-*` servers, which serve no files," +
    " are not peers). Peak RSS is compared with that same peer. Issue 16's p99 and peak RSS" +
    " rows name their peer instead.",
    "",
    "| issue | goal | measured | value | target | holds |",
    "| ---: | --- | --- | ---: | --- | --- |",
    ...rows.map((row) =>
      `| ${row.issue} | ${row.goal} | ${row.measured} | ${row.value} | ${row.target} | ${row.holds} |`
    ),
    "",
  ].join("\n");
}
