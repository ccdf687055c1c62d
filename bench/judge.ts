/**
 * Judging one goal: the ratio of two of the run's medians and the row that
 * shows it, with the lookups both goal modules share (`goals.ts`, issues 6
 * and 13; `round_two_goals.ts`, issue 16).
 *
 * @module
 */

import { SCENARIOS } from "./config.ts";
import { type Results, summarise, type Summary } from "./report.ts";

/** One row of the goal table. */
export interface GoalRow {
  /** The issue that sets the goal (6, 13 or 16). */
  issue: number;
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

/** A figure of a cell's summary that a goal divides. */
export type Metric = "rps" | "mibps" | "p99Ms" | "rssMiB";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** How each metric is named and shown. */
export const METRICS: Record<Metric, { label: string; format(value: number): string }> = {
  rps: { label: "req/s", format: (value) => integer.format(value) },
  mibps: { label: "MiB/s", format: (value) => value.toFixed(1) },
  p99Ms: { label: "p99", format: (value) => `${value.toFixed(2)} ms` },
  rssMiB: { label: "peak RSS", format: (value) => `${value.toFixed(1)} MiB` },
};

/** A goal that divides ours's median by a peer's. */
export interface RatioGoal {
  /** The issue that sets it. @default 6 */
  issue?: number;
  /** The goal, as its issue states it. */
  goal: string;
  /** The dividend's server. */
  ours: string;
  /** The divisor's server. */
  peer: string;
  /** The scenario id of both cells. */
  scenario: string;
  /** The peer's scenario, when it differs (the measured column names both). */
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
 * `deno` → `Deno`.
 *
 * @param runtime A runtime's id.
 * @returns Its name.
 */
export function title(runtime: string): string {
  return runtime[0].toUpperCase() + runtime.slice(1);
}

/**
 * A scenario's column title.
 *
 * @param id Its id.
 * @returns The title, or the id when unknown.
 */
export function scenarioTitle(id: string): string {
  return SCENARIOS.find((scenario) => scenario.id === id)?.title ?? id;
}

/**
 * A cell's summary, or a sentence saying why there is none.
 *
 * @param results The run's cells.
 * @param where The cell's server and scenario id.
 * @returns The summary, or why there is none.
 */
export function lookup(
  results: Results,
  { server, scenario }: { server: string; scenario: string },
): Summary | string {
  const cell = results.get(server)?.get(scenario);
  const summary = summarise(cell);
  if (summary !== null) return summary;
  const why = cell === undefined ? "not in this run" : cell.excluded ?? "no valid run";
  return `no ${server} ${scenarioTitle(scenario)} cell (${why})`;
}

/**
 * A row that could not be judged.
 *
 * @param row The goal, why, and its target (issue 6 unless given).
 * @returns The row, `not measured`.
 */
export function notMeasured(
  row: Pick<GoalRow, "goal" | "measured" | "target"> & { issue?: number },
): GoalRow {
  return { issue: 6, ...row, value: "—", holds: "not measured" };
}

/**
 * ours ÷ peer, judged unrounded: 0.799 shows as 0.80 and fails ≥ 0.80.
 *
 * @param spec The goal.
 * @param results The run's cells.
 * @returns Its row.
 */
export function judgeRatio(spec: RatioGoal, results: Results): GoalRow {
  const bound = spec.atLeast ?? spec.atMost!;
  const issue = spec.issue ?? 6;
  const target = spec.comparisonOnly
    ? `(${bound.toFixed(2)}: the 304 goal, for scale)`
    : `${spec.atLeast !== undefined ? "≥" : "≤"} ${bound.toFixed(2)}`;
  const peerScenario = spec.peerScenario ?? spec.scenario;
  const ours = lookup(results, { server: spec.ours, scenario: spec.scenario });
  const peer = lookup(results, { server: spec.peer, scenario: peerScenario });
  if (typeof ours === "string") {
    return notMeasured({ issue, goal: spec.goal, measured: ours, target });
  }
  if (typeof peer === "string") {
    return notMeasured({ issue, goal: spec.goal, measured: peer, target });
  }
  const metric = spec.metric ?? "rps";
  const { label, format } = METRICS[metric];
  const [oursValue, peerValue] = [ours[metric], peer[metric]];
  if (peerValue === 0) {
    return notMeasured({
      issue,
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
    issue,
    goal: spec.goal,
    measured: `${spec.ours} ${format(oursValue)} ÷ ${spec.peer} ${format(peerValue)} (${where})`,
    value: ratio.toFixed(2),
    target,
    holds: spec.comparisonOnly ? "comparison only" : holds ? "✅" : "❌",
  };
}
