/**
 * The whole test command: the Deno checks (fmt, lint, type check, doc lint,
 * publish dry run), then the same test files on Deno, Bun and Node.
 *
 * ```sh
 * npm test                                   # node here is node_modules/.bin/node (24)
 * node_modules/.bin/node scripts/test.ts     # the same, run directly
 * node_modules/.bin/node scripts/test.ts --skip-checks /tmp/some_tests
 * TEST_DIR=/tmp/some_tests npm test
 * ```
 *
 * Each child's output streams through live and is kept for parsing. The last
 * line printed is `N passed, N failed`: the tests counted on the three
 * runtimes, plus one failure for each failed check and for each runner whose
 * counts cannot be read or that exited non-zero without a counted failure.
 * The exit code is 0 only when that failed count is 0.
 *
 * Options: `--skip-checks` runs only the test runners; a positional argument
 * or `TEST_DIR` picks the folder searched for `*.test.ts` (default `tests/`);
 * `STEP_TIMEOUT_MS` bounds each step (default 20 minutes).
 *
 * Importing this module has no side effects: it runs only as the entry point.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Tests passed and failed, as one runner reported them. */
export interface Counts {
  /** Tests that passed. */
  passed: number;
  /** Tests that failed, including ones a runner reports as cancelled or errors. */
  failed: number;
}

/** How one child process ended, with everything it printed. */
interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** stdout and stderr interleaved as they arrived, colours stripped. */
  output: string;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const DEFAULT_TIMEOUT_MS = 20 * 60 * 1000;
// bun 1.4.5 ignores `[test] timeout` in bunfig.toml (oven-sh/bun#7789), and
// its 5 s default is short for tests that serve real files over sockets.
const BUN_TEST_TIMEOUT_MS = 30_000;

// CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks).
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/**
 * Removes ANSI escape sequences, so that counts parse even when a runner
 * colours its output despite `NO_COLOR`.
 *
 * @param text Output of a child process.
 * @returns The text without escape sequences.
 *
 * @example Stripping a colour
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripAnsi } from "./test.ts";
 *
 * assert.equal(stripAnsi("\x1b[32mok\x1b[0m | 1 passed"), "ok | 1 passed");
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

function lastMatch(text: string, pattern: RegExp): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(pattern)) last = match;
  return last;
}

/**
 * Reads `deno test`'s closing line, e.g. `ok | 12 passed | 0 failed` or
 * `FAILED | 1 passed (3 steps) | 1 failed | 2 ignored (40ms)`. Steps are not
 * counted: a step belongs to the test that holds it.
 *
 * @param output The runner's output without colours.
 * @returns The counts, or `undefined` when there is no closing line.
 *
 * @example A failed run
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDenoCounts } from "./test.ts";
 *
 * assert.deepEqual(
 *   parseDenoCounts("FAILED | 1 passed | 1 failed (9ms)"),
 *   { passed: 1, failed: 1 },
 * );
 * ```
 */
export function parseDenoCounts(output: string): Counts | undefined {
  const match = lastMatch(
    output,
    /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm,
  );
  if (match === undefined) return undefined;
  return { passed: Number(match[1]), failed: Number(match[2]) };
}

/**
 * Reads `bun test`'s closing lines ` 12 pass`, ` 1 fail` and, when code
 * threw outside any test, ` 1 error`, which counts as a failure.
 *
 * @param output The runner's output without colours.
 * @returns The counts, or `undefined` when neither line is present.
 *
 * @example A run with one failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBunCounts } from "./test.ts";
 *
 * assert.deepEqual(
 *   parseBunCounts(" 2 pass\n 1 fail\nRan 3 tests across 2 files."),
 *   { passed: 2, failed: 1 },
 * );
 * ```
 */
export function parseBunCounts(output: string): Counts | undefined {
  const pass = lastMatch(output, /^\s*(\d+) pass$/gm);
  const fail = lastMatch(output, /^\s*(\d+) fail$/gm);
  if (pass === undefined && fail === undefined) return undefined;
  const errors = lastMatch(output, /^\s*(\d+) errors?$/gm);
  return {
    passed: Number(pass?.[1] ?? 0),
    failed: Number(fail?.[1] ?? 0) + Number(errors?.[1] ?? 0),
  };
}

/**
 * Reads the spec reporter's closing lines of `node --test`: `ℹ pass 12`,
 * `ℹ fail 0` and `ℹ cancelled 0`; a cancelled test counts as a failure, as
 * it does for node's exit code.
 *
 * @param output The runner's output without colours.
 * @returns The counts, or `undefined` when neither line is present.
 *
 * @example A clean run
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNodeCounts } from "./test.ts";
 *
 * assert.deepEqual(
 *   parseNodeCounts("ℹ tests 2\nℹ pass 2\nℹ fail 0\nℹ cancelled 0"),
 *   { passed: 2, failed: 0 },
 * );
 * ```
 */
export function parseNodeCounts(output: string): Counts | undefined {
  const pass = lastMatch(output, /^(?:ℹ )?pass (\d+)$/gm);
  const fail = lastMatch(output, /^(?:ℹ )?fail (\d+)$/gm);
  if (pass === undefined && fail === undefined) return undefined;
  const cancelled = lastMatch(output, /^(?:ℹ )?cancelled (\d+)$/gm);
  return {
    passed: Number(pass?.[1] ?? 0),
    failed: Number(fail?.[1] ?? 0) + Number(cancelled?.[1] ?? 0),
  };
}

/** The installed binary when there is one, so a bare `node` on PATH (v20 on CI) is never picked. */
function bin(name: string): string {
  const local = join(BIN, name);
  return existsSync(local) ? local : name;
}

let current: { pid: number } | undefined;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // The child leads its own process group (detached), so this also ends
    // the servers and workers it started.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<StepResult> {
  console.log(`\n$ ${[command, ...args].map(shown).join(" ")}`);
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const chunks: string[] = [];
    let timedOut = false;
    const forward = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
      sink.write(chunk);
      chunks.push(chunk.toString("utf8"));
    };
    child.stdout.on("data", forward(process.stdout));
    child.stderr.on("data", forward(process.stderr));
    if (child.pid !== undefined) current = { pid: child.pid };
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\nTimed out after ${timeoutMs} ms; stopping it.`);
      killGroup(child.pid!, "SIGTERM");
      setTimeout(() => killGroup(child.pid!, "SIGKILL"), 5_000).unref();
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      current = undefined;
      done({ code, signal, timedOut, output: stripAnsi(chunks.join("")) });
    };
    child.on("error", (error) => {
      chunks.push(String(error));
      console.error(`Cannot run ${command}: ${error.message}`);
      finish(127, null);
    });
    child.on("close", finish);
  });
}

function shown(arg: string): string {
  return /^[\w./:=@-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function relativeToRoot(path: string): string {
  return relative(ROOT, path).split(sep).join("/");
}

/** `*.test.ts` files under `dir`, sorted, skipping `node_modules` and dot folders. */
function findTestFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return entries
    .filter((entry) =>
      entry.endsWith(".test.ts") &&
      !entry.split(/[\\/]/).some((part) =>
        part === "node_modules" || part.startsWith(".")
      )
    )
    .map((entry) => join(dir, entry))
    .sort();
}

/** Whether `dir` holds a TypeScript file that `deno check` would take. */
function hasTypeScript(dir: string): boolean {
  const entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return entries.some((entry) =>
    /\.(?:ts|mts|tsx)$/.test(entry) &&
    !entry.split(/[\\/]/).includes("node_modules")
  );
}

function publicEntryPoints(): string[] {
  const config = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const exports = config.exports;
  if (typeof exports === "string") return [exports];
  return Object.values(exports ?? {}).filter((value) =>
    typeof value === "string"
  ) as string[];
}

/** Runs each check; returns the names of those that failed. */
async function runChecks(timeoutMs: number): Promise<string[]> {
  const deno = bin("deno");
  const checkTargets = ["mod.ts", "src", "tests", "scripts", "examples"].filter(
    (path) => {
      const full = join(ROOT, path);
      return path.endsWith(".ts")
        ? existsSync(full)
        : existsSync(full) && hasTypeScript(full);
    },
  );
  const checks: Array<[string, string[]]> = [
    ["fmt", ["fmt", "--check"]],
    ["lint", ["lint"]],
    ["check", ["check", ...checkTargets]],
    ["doc", ["doc", "--lint", ...publicEntryPoints()]],
    ["publish", ["publish", "--dry-run", "--allow-dirty"]],
  ];
  const failed: string[] = [];
  for (const [name, args] of checks) {
    const result = await run(deno, args, timeoutMs);
    if (result.code !== 0) failed.push(name);
  }
  return failed;
}

interface Runner {
  name: string;
  command: string;
  args: string[];
  parse: (output: string) => Counts | undefined;
}

function runners(files: string[]): Runner[] {
  // Explicit "./" paths: bun reads a bare argument as a name filter, not a path.
  const paths = files.map((file) => {
    const rel = relativeToRoot(file);
    return rel.startsWith("..") ? file : `./${rel}`;
  });
  return [
    {
      name: "deno",
      command: bin("deno"),
      args: ["test", "-A", ...paths],
      parse: parseDenoCounts,
    },
    {
      name: "bun",
      command: bin("bun"),
      args: ["test", `--timeout=${BUN_TEST_TIMEOUT_MS}`, ...paths],
      parse: parseBunCounts,
    },
    // The spec reporter is named because node picks TAP when stdout is not a TTY
    // in some versions; its summary lines are what parseNodeCounts reads.
    {
      name: "node",
      command: bin("node"),
      args: ["--test", "--test-reporter=spec", ...paths],
      parse: parseNodeCounts,
    },
  ];
}

/** Counts one runner's tests, adding a failure when its result cannot be trusted. */
function judge(
  runner: Runner,
  result: StepResult,
): { counts: Counts; note: string } {
  const counts = runner.parse(result.output);
  const exit = result.timedOut
    ? "timed out"
    : result.signal !== null
    ? `killed by ${result.signal}`
    : `exit ${result.code}`;
  if (counts === undefined) {
    return {
      counts: { passed: 0, failed: 1 },
      note: ` (no counts in its output, ${exit}; counted as 1 failure)`,
    };
  }
  if (result.code !== 0 && counts.failed === 0) {
    return {
      counts: { passed: counts.passed, failed: 1 },
      note: ` (${exit} with no failed test; counted as 1 failure)`,
    };
  }
  return { counts, note: result.code === 0 ? "" : ` (${exit})` };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const skipChecks = argv.includes("--skip-checks");
  const positional = argv.filter((arg) => !arg.startsWith("--"));
  const testDir = resolve(
    ROOT,
    positional[0] ?? process.env.TEST_DIR ?? "tests",
  );
  const timeoutMs = Number(process.env.STEP_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);

  const failedChecks = skipChecks ? [] : await runChecks(timeoutMs);

  const files = findTestFiles(testDir);
  const summary: string[] = [];
  let passed = 0;
  let failed = failedChecks.length;
  for (const runner of runners(files)) {
    if (files.length === 0) {
      summary.push(
        `${runner.name}: 0 passed, 1 failed (no *.test.ts under ${testDir})`,
      );
      failed += 1;
      continue;
    }
    const result = await run(runner.command, runner.args, timeoutMs);
    const { counts, note } = judge(runner, result);
    summary.push(
      `${runner.name}: ${counts.passed} passed, ${counts.failed} failed${note}`,
    );
    passed += counts.passed;
    failed += counts.failed;
  }

  console.log("\n--- summary ---");
  if (!skipChecks) {
    console.log(
      failedChecks.length === 0
        ? "checks: fmt, lint, check, doc, publish all ok"
        : `checks: failed ${failedChecks.join(", ")} (1 failure each)`,
    );
  }
  for (const line of summary) console.log(line);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (current !== undefined) killGroup(current.pid, "SIGKILL");
      process.exit(130);
    });
  }
  process.exitCode = await main();
}
