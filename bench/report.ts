/**
 * The markdown report: per runtime group, one table of medians and one of
 * ours ÷ peer ratios.
 *
 * @module
 */

import type { Scenario } from "./config.ts";
import type { Group } from "./servers.ts";
import { REFERENCE } from "./servers.ts";
import type { WrkResult } from "./wrk.ts";

/** One measured run of a cell. */
export interface Measurement {
  /** wrk's numbers. */
  wrk: WrkResult;
  /** The server's peak RSS over the run, KiB. */
  peakRssKiB: number;
}

/** One server × scenario. */
export interface Cell {
  /** Its runs (none when excluded). */
  runs: Measurement[];
  /** Why it was not measured. */
  excluded?: string;
  /** Anything odd seen while verifying or measuring. */
  notes: string[];
}

/** The medians of a cell (peak RSS: the highest over its runs). */
export interface Summary {
  /** Median req/s. */
  rps: number;
  /** (max − min) ÷ median of req/s over the runs, percent: the noise. */
  spreadPct: number;
  /** Median MiB/s (wrk's Transfer/sec: headers and bodies). */
  mibps: number;
  /** Median p99 latency, ms. */
  p99Ms: number;
  /** Highest peak RSS over the runs, MiB. */
  rssMiB: number;
}

/** Cells by server name, then scenario id. */
export type Results = Map<string, Map<string, Cell>>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The medians of a cell, as the tables show them.
 *
 * @param cell The cell, if it was run.
 * @returns Its summary, or `null` when it was not run, was excluded or has no valid run.
 */
export function summarise(cell: Cell | undefined): Summary | null {
  if (cell === undefined || cell.excluded !== undefined || cell.runs.length === 0) return null;
  const pick = (f: (run: Measurement) => number) => median(cell.runs.map(f));
  const rates = cell.runs.map((run) => run.wrk.requestsPerSec);
  const rps = median(rates);
  return {
    rps,
    spreadPct: rps > 0 ? ((Math.max(...rates) - Math.min(...rates)) / rps) * 100 : 0,
    mibps: pick((run) => run.wrk.bytesPerSec / 1024 ** 2),
    p99Ms: pick((run) => run.wrk.p99Ms),
    rssMiB: Math.max(...cell.runs.map((run) => run.peakRssKiB)) / 1024,
  };
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function cellRow(scenario: Scenario, server: string, cell: Cell | undefined): string {
  const summary = summarise(cell);
  const notes = [cell?.excluded ? `excluded: ${cell.excluded}` : "", ...(cell?.notes ?? [])]
    .filter(Boolean).join("; ") || (cell === undefined ? "not run" : "");
  const values = summary === null ? ["—", "—", "—", "—", "—"] : [
    integer.format(summary.rps),
    `${summary.spreadPct.toFixed(0)}%`,
    summary.mibps.toFixed(1),
    `${summary.p99Ms.toFixed(2)} ms`,
    `${summary.rssMiB.toFixed(1)} MiB`,
  ];
  return `| ${scenario.title} | ${server} | ${values.join(" | ")} | ${notes} |`;
}

function ratio(ours: number | undefined, peer: number | undefined): string {
  return ours === undefined || peer === undefined || peer === 0 ? "—" : (ours / peer).toFixed(2);
}

function ratioRows(group: Group, scenarios: Scenario[], results: Results, peers: string[]) {
  const metrics: Array<[string, keyof Summary]> = [
    ["req/s", "rps"],
    ["p99", "p99Ms"],
    ["peak RSS", "rssMiB"],
  ];
  const rows: string[] = [];
  for (const peer of peers) {
    for (const [label, key] of metrics) {
      const cells = scenarios.map((scenario) =>
        ratio(
          summarise(results.get(group.ours)?.get(scenario.id))?.[key],
          summarise(results.get(peer)?.get(scenario.id))?.[key],
        )
      );
      rows.push(`| ${peer} | ${label} | ${cells.join(" | ")} |`);
    }
  }
  return rows;
}

/**
 * The scenarios that at least one of `group`'s servers ran: the `extra`
 * ones only where a variant of ours ran them.
 *
 * @param group The group.
 * @param scenarios Every scenario, in table order.
 * @param results Every cell measured.
 * @returns The group's columns.
 */
export function scenariosShown(
  group: Group,
  scenarios: Scenario[],
  results: Results,
): Scenario[] {
  const servers = [group.ours, ...group.peers, REFERENCE];
  return scenarios.filter((scenario) =>
    servers.some((server) => results.get(server)?.has(scenario.id))
  );
}

/**
 * Renders one group: the medians table and the ratios table.
 *
 * @param group The group.
 * @param scenarios The scenarios.
 * @param results Every cell measured.
 * @returns Markdown.
 */
export function renderGroup(group: Group, scenarios: Scenario[], results: Results): string {
  const peers = [...group.peers, ...(group.framework ? [] : [REFERENCE])]
    .filter((name) => results.has(name));
  const servers = [group.ours, ...peers].filter((name) => results.has(name));
  if (servers.length === 0) return "";
  const lines = [
    `### ${group.title}`,
    "",
    "| scenario | server | req/s | spread | MiB/s | p99 | peak RSS | note |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const scenario of scenarios) {
    for (const server of servers) {
      // A server that does not run the scenario (its own list) has no row.
      if (!results.get(server)?.has(scenario.id)) continue;
      lines.push(cellRow(scenario, server, results.get(server)?.get(scenario.id)));
    }
  }
  // Ratios only where ours has a cell (not the rows only a variant runs).
  const columns = scenarios.filter((scenario) => results.get(group.ours)?.has(scenario.id));
  if (columns.length > 0 && peers.length > 0) {
    lines.push(
      "",
      `${group.ours} ÷ peer (req/s: above 1 means ours is faster; p99 and peak RSS: below 1` +
        " means ours is lower):",
      "",
      `| peer | metric | ${columns.map((scenario) => scenario.title).join(" | ")} |`,
      `| --- | --- | ${columns.map(() => "---:").join(" | ")} |`,
      ...ratioRows(group, columns, results, peers),
    );
  }
  return lines.join("\n") + "\n";
}
