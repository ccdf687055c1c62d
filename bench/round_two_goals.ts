/**
 * Issue 16's goals ("Speed, round two"), judged from one run's medians:
 * the never-stale bound, 404s against each runtime's fastest peer, 304s
 * and 10 MiB files again, peak memory against one named peer, and what the
 * newer features cost a cached hit.
 *
 * @module
 */

import { SCENARIOS } from "./config.ts";
import {
  type GoalRow,
  judgeRatio,
  lookup,
  METRICS,
  notMeasured,
  type RatioGoal,
  scenarioTitle,
  title,
} from "./judge.ts";
import type { Results } from "./report.ts";

const ISSUE = 16;
const RUNTIMES = ["deno", "bun", "node"] as const;

/**
 * Ours ÷ the never-stale bound (`bound-<runtime>`: one `lstat`, then a
 * constant answer with ours's header fields), GET 1 KiB: what our logic
 * costs beyond the one call no never-stale server can skip. Shown beside
 * issue 6's ceiling rows.
 */
export const BOUND_GOALS: RatioGoal[] = RUNTIMES.map((runtime) => ({
  issue: ISSUE,
  goal: `${title(runtime)}: cached 1 KiB ≥ 0.9× the never-stale bound`,
  ours: `ours-${runtime}`,
  peer: `bound-${runtime}`,
  scenario: "1k",
  atLeast: 0.9,
}));

/** The peer each runtime's 404 (and its peak RSS) is held against. */
const PEERS = [
  { runtime: "deno", peer: "hono-deno", label: "Hono", notFound: 1.5 },
  { runtime: "bun", peer: "bun-file", label: "Bun.file", notFound: 1 },
  { runtime: "node", peer: "sirv", label: "sirv", notFound: 1 },
] as const;

const RATIO_GOALS: RatioGoal[] = ([
  ...PEERS.map(({ runtime, peer, label, notFound }): RatioGoal => ({
    goal: `${title(runtime)}: 404 ≥ ${notFound === 1 ? "" : `${notFound}× `}${label}`,
    ours: `ours-${runtime}`,
    peer,
    scenario: "404",
    atLeast: notFound,
  })),
  // The ceiling answers no 404: its GET 1 KiB rate is the runtime's
  // fastest answer, so the 404 rate is divided by that.
  ...RUNTIMES.map((runtime): RatioGoal => ({
    goal: `${title(runtime)}: 404 ≥ 0.5× the ceiling's 1 KiB rate`,
    ours: `ours-${runtime}`,
    peer: `ceiling-${runtime}`,
    scenario: "404",
    peerScenario: "1k",
    atLeast: 0.5,
  })),
  ...PEERS.map(({ runtime, peer, label }): RatioGoal => ({
    goal: `${title(runtime)}: 404 p99 ≤ ${label}'s`,
    ours: `ours-${runtime}`,
    peer,
    scenario: "404",
    metric: "p99Ms",
    atMost: 1,
  })),
  // Issue 6 asked 1.5×; issue 16 lowers it to 1× (both rows are shown).
  { goal: "Node: 304 ≥ sirv", ours: "ours-node", peer: "sirv", scenario: "304", atLeast: 1 },
  // Issue 6's row against nginx (≥ 0.9×) stays as it is.
  {
    goal: "Deno: 10 MiB ≥ Hono's MiB/s (the best Deno peer)",
    ours: "ours-deno",
    peer: "hono-deno",
    scenario: "10m",
    metric: "mibps",
    atLeast: 1,
  },
  // §5: the SPA shell for a deep link at the rate of the shell asked for by
  // name, both from the same server (ours with every feature on).
  ...RUNTIMES.map((runtime): RatioGoal => ({
    goal: `${title(runtime)}: SPA deep link ≥ 0.9× the shell by name`,
    ours: `ours-${runtime}-full`,
    peer: `ours-${runtime}-full`,
    scenario: "spa",
    peerScenario: "shell",
    atLeast: 0.9,
  })),
  // §5: no feature slows the plain cached hit by more than 5%.
  ...RUNTIMES.map((runtime): RatioGoal => ({
    goal: `${title(runtime)}: cached 1 KiB with every feature on ≥ 0.95× all off`,
    ours: `ours-${runtime}-full`,
    peer: `ours-${runtime}-bare`,
    scenario: "1k",
    atLeast: 0.95,
  })),
] satisfies RatioGoal[]).map((spec) => ({ ...spec, issue: ISSUE }));

/**
 * Peak RSS of ours ÷ the peer's, on every scenario both ran: holds when
 * the highest ratio is at most 1; the row names that scenario and lists
 * every ratio.
 */
function rssRow(results: Results, { runtime, peer, label }: (typeof PEERS)[number]): GoalRow {
  const ours = `ours-${runtime}`;
  const goal = `${title(runtime)}: peak RSS ≤ ${label}'s, every scenario both ran`;
  const target = "≤ 1.00";
  const ratios: Array<{ id: string; ratio: number; ours: number; peer: number }> = [];
  for (const scenario of SCENARIOS) {
    const [a, b] = [ours, peer].map((server) => lookup(results, { server, scenario: scenario.id }));
    if (typeof a === "string" || typeof b === "string" || b.rssMiB === 0) continue;
    ratios.push({ id: scenario.id, ratio: a.rssMiB / b.rssMiB, ours: a.rssMiB, peer: b.rssMiB });
  }
  if (ratios.length === 0) {
    const absent = [ours, peer].filter((server) => !results.has(server));
    const measured = absent.length > 0
      ? `${absent.join(" and ")} not in this run`
      : "no scenario measured for both";
    return notMeasured({ issue: ISSUE, goal, measured, target });
  }
  const worst = ratios.reduce((a, b) => b.ratio > a.ratio ? b : a);
  const { format } = METRICS.rssMiB;
  const all = ratios.map(({ id, ratio }) => `${id} ${ratio.toFixed(2)}`).join(", ");
  return {
    issue: ISSUE,
    goal,
    measured: `highest: ${ours} ${format(worst.ours)} ÷ ${peer} ${format(worst.peer)} ` +
      `(${scenarioTitle(worst.id)}); all: ${all}`,
    value: worst.ratio.toFixed(2),
    target,
    holds: worst.ratio <= 1 ? "✅" : "❌",
  };
}

/**
 * Judges issue 16's goals, but for the bound rows ({@linkcode BOUND_GOALS},
 * which sit beside issue 6's ceiling rows).
 *
 * @param results The run's cells.
 * @returns The rows, in the issue's order.
 */
export function roundTwoGoals(results: Results): GoalRow[] {
  const rows = RATIO_GOALS.map((spec) => judgeRatio(spec, results));
  // After the 10 MiB row: peak RSS (Deno and Bun), then §5's rows.
  const at = RATIO_GOALS.findIndex((spec) => spec.scenario === "10m") + 1;
  const rss = PEERS.filter(({ runtime }) => runtime !== "node").map((peer) =>
    rssRow(results, peer)
  );
  return [...rows.slice(0, at), ...rss, ...rows.slice(at)];
}
