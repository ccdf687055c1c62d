/**
 * The scaling table under a runtime's group: each multi-process variant of
 * ours (a peer named `<ours>-<n>p` or `<ours>-cluster`, e.g. `ours-node-2p`)
 * divided by ours in one process, per scenario.
 *
 * @module
 */

import type { Scenario } from "./config.ts";
import { type Results, summarise } from "./report.ts";
import type { Group } from "./servers.ts";

/**
 * Renders the scaling of `group`'s variants of ours: req/s of the variant ÷
 * req/s of ours, from the run's medians.
 *
 * @param group The group.
 * @param scenarios The scenarios (the columns: those ours ran).
 * @param results Every cell measured.
 * @returns Markdown, or `""` when ours or every variant is missing from the run.
 */
export function renderScaling(group: Group, scenarios: Scenario[], results: Results): string {
  // Not the one-process feature variants (`-bare`, `-full`): they differ
  // in options, not in processes.
  const multi = new RegExp(`^${group.ours}-(\\d+p|cluster)$`);
  const variants = group.peers.filter((name) => multi.test(name) && results.has(name));
  if (!results.has(group.ours) || variants.length === 0) return "";
  // Not the rows only a feature variant runs.
  const columns = scenarios.filter((scenario) => results.get(group.ours)?.has(scenario.id));
  const rps = (server: string, scenario: Scenario) =>
    summarise(results.get(server)?.get(scenario.id))?.rps;
  const rows = variants.map((variant) => {
    const cells = columns.map((scenario) => {
      const one = rps(group.ours, scenario);
      const many = rps(variant, scenario);
      return one === undefined || many === undefined || one === 0 ? "—" : (many / one).toFixed(2);
    });
    return `| ${variant} | ${cells.join(" | ")} |`;
  });
  return [
    "",
    `Scaling, req/s ÷ ${group.ours}'s (one process on core 0, wrk on core 1): the variants run` +
    " on cores 0 and 1 and share core 1 with wrk, so 2.00 is out of reach on this machine:",
    "",
    `| variant | ${columns.map((scenario) => scenario.title).join(" | ")} |`,
    `| --- | ${columns.map(() => "---:").join(" | ")} |`,
    ...rows,
    "",
  ].join("\n");
}
