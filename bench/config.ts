/**
 * What the bench measures (the scenarios) and how long (the environment
 * variables `BENCH_DURATION`, `BENCH_REPEATS`, `BENCH_ONLY`,
 * `BENCH_SCENARIOS`).
 *
 * @module
 */

/** One kind of request, measured against every server. */
export interface Scenario {
  /** Short id, used in the tables. */
  id: string;
  /** The column title. */
  title: string;
  /** The path requested. */
  path: string;
  /** wrk's `-c`. */
  connections: number;
  /** The status every answer must have. */
  status: 200 | 304 | 404;
  /** The body length a 200 must have. */
  size?: number;
  /** Request headers wrk sends (and the check before it). */
  headers?: Record<string, string>;
  /**
   * The Content-Encoding the check before wrk must see; a server that
   * answers otherwise (most peers do not compress) is left out of the row.
   */
  encoding?: string;
}

/** The files of the temp site, by name and size in bytes. */
export const SITE_FILES: Record<string, number> = {
  "1k.bin": 1024,
  "64k.bin": 64 * 1024,
  "10m.bin": 10 * 1024 * 1024,
  // JavaScript-like text, so that it compresses (see makeSite()).
  "64k.js": 64 * 1024,
};

/** The scenarios, in the order the tables show them. */
export const SCENARIOS: Scenario[] = [
  { id: "1k", title: "GET 1 KiB", path: "/1k.bin", connections: 50, status: 200, size: 1024 },
  { id: "64k", title: "GET 64 KiB", path: "/64k.bin", connections: 50, status: 200, size: 65536 },
  {
    id: "10m",
    title: "GET 10 MiB",
    path: "/10m.bin",
    connections: 4,
    status: 200,
    size: 10 * 1024 * 1024,
  },
  { id: "304", title: "304 (1 KiB)", path: "/1k.bin", connections: 50, status: 304 },
  { id: "404", title: "404", path: "/missing.bin", connections: 50, status: 404 },
  // A built app's script: as it is, and as br to a browser's
  // Accept-Encoding (compressed once per file version, then cached).
  { id: "js", title: "64 KiB JS", path: "/64k.js", connections: 50, status: 200, size: 65536 },
  {
    id: "js-br",
    title: "64 KiB JS as br",
    path: "/64k.js",
    connections: 50,
    status: 200,
    headers: { "Accept-Encoding": "gzip, deflate, br, zstd" },
    encoding: "br",
  },
];

/** The run's settings, read from the environment. */
export interface BenchOptions {
  /** wrk's `-d`, e.g. `5s`. */
  duration: string;
  /** The same, in seconds. */
  durationSeconds: number;
  /** Runs per cell; the tables show the median. */
  repeats: number;
  /** The server names to run, or `null` for all. */
  only: string[] | null;
  /** The scenarios to run, in the tables' order. */
  scenarios: Scenario[];
}

/**
 * Reads `BENCH_DURATION` (default `5s`; `s` or `m` suffix), `BENCH_REPEATS`
 * (default 3, at most 20), `BENCH_ONLY` (comma list of server names) and
 * `BENCH_SCENARIOS` (comma list of scenario ids, default all).
 *
 * @param env The environment.
 * @returns The settings.
 * @throws {RangeError} for a malformed value or an unknown scenario id.
 */
export function readOptions(env: Record<string, string | undefined>): BenchOptions {
  const duration = env.BENCH_DURATION?.trim() || "5s";
  const match = /^(\d{1,4})([sm]?)$/.exec(duration);
  if (match === null || Number(match[1]) === 0) {
    throw new RangeError(`Cannot bench: BENCH_DURATION "${duration}" is not like 5s or 1m`);
  }
  const durationSeconds = Number(match[1]) * (match[2] === "m" ? 60 : 1);
  const repeats = Number(env.BENCH_REPEATS?.trim() || "3");
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) {
    throw new RangeError(`Cannot bench: BENCH_REPEATS "${repeats}" is not an integer 1-20`);
  }
  const only = env.BENCH_ONLY?.trim()
    ? env.BENCH_ONLY.split(",").map((name) => name.trim()).filter(Boolean)
    : null;
  return {
    duration: match[2] ? duration : `${duration}s`,
    durationSeconds,
    repeats,
    only,
    scenarios: readScenarios(env.BENCH_SCENARIOS),
  };
}

// An unknown id is refused rather than skipped, so that a typo cannot
// produce a report with an empty row.
function readScenarios(list: string | undefined): Scenario[] {
  if (!list?.trim()) return SCENARIOS;
  const ids = list.split(",").map((id) => id.trim()).filter(Boolean);
  for (const id of ids) {
    if (!SCENARIOS.some((scenario) => scenario.id === id)) {
      const known = SCENARIOS.map((scenario) => scenario.id).join(", ");
      throw new RangeError(`Cannot bench: BENCH_SCENARIOS has "${id}", not one of ${known}`);
    }
  }
  return SCENARIOS.filter((scenario) => ids.includes(scenario.id));
}
