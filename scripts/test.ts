/**
 * The whole test command: the Deno checks (fmt, lint, type check, doc lint,
 * publish dry run), then the same `*.test.ts` files on Deno, Bun and Node.
 *
 * ```sh
 * npm test                                 # npm puts node_modules/.bin (node 24) first on PATH
 * node_modules/.bin/node scripts/test.ts   # the same
 * node_modules/.bin/node scripts/test.ts --skip-checks /tmp/probe
 * ```
 *
 * Options: `--skip-checks` runs only the three test runners; a positional
 * argument or `TEST_DIR` names the folder searched for `*.test.ts` (default
 * `tests/`); `STEP_TIMEOUT_MS` bounds each step (default 20 minutes).
 *
 * Each child's output streams through live and is also kept for parsing. The
 * last line printed is `N passed, N failed`: the tests counted on the three
 * runtimes, plus one failure for each failed check and for each runner whose
 * counts cannot be read or that exited non-zero with no failed test counted.
 * The exit code is 0 only when that failed count is 0. Importing this module
 * runs nothing.
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
  /** Tests that failed, including those a runner reports as cancelled. */
  failed: number;
}

interface StepResult {
  code: number | null;
  /** Why the step did not exit by itself: a timeout or a signal. */
  stopped?: string;
  /** stdout and stderr interleaved as they arrived, colours stripped. */
  output: string;
}

interface Runner {
  name: string;
  args: string[];
  parse: (output: string) => Counts | undefined;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_STEP_TIMEOUT_MS = 20 * 60 * 1000;
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

function last(text: string, pattern: RegExp): number | undefined {
  let found: string | undefined;
  for (const match of text.matchAll(pattern)) found = match[1];
  return found === undefined ? undefined : Number(found);
}

/**
 * Reads `deno test`'s closing line, such as `ok | 12 passed | 0 failed` or
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
 * const counts = parseDenoCounts("FAILED | 1 passed | 1 failed (9ms)");
 * assert.deepEqual(counts, { passed: 1, failed: 1 });
 * ```
 */
export function parseDenoCounts(output: string): Counts | undefined {
  const line = /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm;
  const match = [...output.matchAll(line)].at(-1);
  return match && { passed: Number(match[1]), failed: Number(match[2]) };
}

/**
 * Reads `bun test`'s closing lines ` 12 pass` and ` 1 fail`. Its ` 1 error`
 * line is not added: a file that throws while loading is already one `fail`,
 * and an error with no failed test still makes the exit code non-zero.
 *
 * @param output The runner's output without colours.
 * @returns The counts, or `undefined` when neither line is present.
 *
 * @example A run with one failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBunCounts } from "./test.ts";
 *
 * const counts = parseBunCounts(" 2 pass\n 1 fail\nRan 3 tests across 2 files.");
 * assert.deepEqual(counts, { passed: 2, failed: 1 });
 * ```
 */
export function parseBunCounts(output: string): Counts | undefined {
  const passed = last(output, /^\s*(\d+) pass$/gm);
  const failed = last(output, /^\s*(\d+) fail$/gm);
  if (passed === undefined && failed === undefined) return undefined;
  return { passed: passed ?? 0, failed: failed ?? 0 };
}

/**
 * Reads the closing lines of `node --test` with the spec reporter:
 * `ℹ pass 12`, `ℹ fail 0` and `ℹ cancelled 0`. A cancelled test counts as
 * failed, as it does for node's exit code.
 *
 * @param output The runner's output without colours.
 * @returns The counts, or `undefined` when neither line is present.
 *
 * @example A clean run
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNodeCounts } from "./test.ts";
 *
 * const counts = parseNodeCounts("ℹ tests 2\nℹ pass 2\nℹ fail 0\nℹ cancelled 0");
 * assert.deepEqual(counts, { passed: 2, failed: 0 });
 * ```
 */
export function parseNodeCounts(output: string): Counts | undefined {
  const passed = last(output, /^(?:ℹ )?pass (\d+)$/gm);
  const failed = last(output, /^(?:ℹ )?fail (\d+)$/gm);
  if (passed === undefined && failed === undefined) return undefined;
  const cancelled = last(output, /^(?:ℹ )?cancelled (\d+)$/gm) ?? 0;
  return { passed: passed ?? 0, failed: (failed ?? 0) + cancelled };
}

// The installed binary, never a bare name from PATH: the system node (v20
// on CI) cannot run .ts files.
function bin(name: string): string {
  const local = join(ROOT, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

let running: number | undefined;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group the detached child leads, so that servers
    // and workers it started go too.
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
  console.log(`\n$ ${command} ${args.join(" ")}`);
  // deno turns colours on whenever FORCE_COLOR is set, even to 0.
  const { FORCE_COLOR: _, ...env } = process.env;
  const child = spawn(bin(command), args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, NO_COLOR: "1" },
  });
  running = child.pid;
  const chunks: string[] = [];
  const tee = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
    sink.write(chunk);
    chunks.push(chunk.toString("utf8"));
  };
  child.stdout.on("data", tee(process.stdout));
  child.stderr.on("data", tee(process.stderr));
  let stopped: string | undefined;
  const timer = setTimeout(() => {
    stopped = `timed out after ${timeoutMs} ms`;
    console.error(`\n${command} ${stopped}; stopping it.`);
    killGroup(child.pid!, "SIGTERM");
    setTimeout(() => killGroup(child.pid!, "SIGKILL"), 5_000).unref();
  }, timeoutMs);
  return new Promise((done) => {
    const finish = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      running = undefined;
      stopped ??= signal === null ? undefined : `killed by ${signal}`;
      done({ code, stopped, output: stripAnsi(chunks.join("")) });
    };
    child.on("error", (error) => {
      console.error(`Cannot run ${command}: ${error.message}`);
      finish(127, null);
    });
    child.on("close", finish);
  });
}

function walk(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) =>
      keep(path) &&
      !path.split(/[\\/]/).some((part) => part === "node_modules" || part.startsWith("."))
    )
    .map((path) => join(dir, path))
    .sort();
}

function checks(): Array<[string, string[]]> {
  const config = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const entryPoints = typeof config.exports === "string"
    ? [config.exports]
    : Object.values(config.exports ?? {}).map(String);
  const typed = (path: string) => /\.(?:m?ts|tsx)$/.test(path);
  const checkTargets = ["mod.ts", "src", "tests", "scripts", "examples"].filter(
    (path) => typed(path) ? existsSync(join(ROOT, path)) : walk(join(ROOT, path), typed).length > 0,
  );
  return [
    ["fmt", ["fmt", "--check"]],
    ["lint", ["lint"]],
    ["check", ["check", ...checkTargets]],
    ["doc", ["doc", "--lint", ...entryPoints]],
    // The runnable @example blocks of every public module, run as written.
    ["examples", ["test", "--allow-all", "--doc", ...entryPoints]],
    ["publish", ["publish", "--dry-run", "--allow-dirty"]],
  ];
}

function runners(files: string[]): Runner[] {
  // "./" in front: bun reads an argument without a slash in front as a name
  // filter, not a path.
  const paths = files.map((file) => {
    const path = relative(ROOT, file).split(sep).join("/");
    return path.startsWith("../") ? file : `./${path}`;
  });
  return [
    { name: "deno", args: ["test", "-A", ...paths], parse: parseDenoCounts },
    {
      name: "bun",
      args: ["test", `--timeout=${BUN_TEST_TIMEOUT_MS}`, ...paths],
      parse: parseBunCounts,
    },
    // The reporter is named because older nodes pick TAP when stdout is not
    // a TTY, and parseNodeCounts reads the spec reporter's summary.
    {
      name: "node",
      args: ["--test", "--test-reporter=spec", ...paths],
      parse: parseNodeCounts,
    },
  ];
}

/** One runner's counts, with one failure added when its result cannot be trusted. */
function judge(
  counts: Counts | undefined,
  result: StepResult,
): [Counts, string] {
  const exit = result.stopped ?? `exit ${result.code}`;
  if (counts === undefined) {
    return [
      { passed: 0, failed: 1 },
      ` (no counts in its output, ${exit}: 1 failure)`,
    ];
  }
  if (result.code !== 0 && counts.failed === 0) {
    return [
      { ...counts, failed: 1 },
      ` (${exit} with no failed test: 1 failure)`,
    ];
  }
  return [counts, result.code === 0 ? "" : ` (${exit})`];
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const skipChecks = argv.includes("--skip-checks");
  const dirArg = argv.find((arg) => !arg.startsWith("--")) ??
    process.env.TEST_DIR;
  const testDir = resolve(ROOT, dirArg || "tests");
  const timeoutMs = Number(process.env.STEP_TIMEOUT_MS) ||
    DEFAULT_STEP_TIMEOUT_MS;
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;

  if (!skipChecks) {
    const failedChecks: string[] = [];
    for (const [name, args] of checks()) {
      const result = await run("deno", args, timeoutMs);
      if (result.code !== 0) failedChecks.push(name);
    }
    failed += failedChecks.length;
    lines.push(
      failedChecks.length === 0
        ? "checks: fmt, lint, check, doc, examples, publish ok"
        : `checks: ${failedChecks.join(", ")} failed (1 failure each)`,
    );
  }

  const files = walk(testDir, (path) => path.endsWith(".test.ts"));
  for (const runner of runners(files)) {
    let counts: Counts = { passed: 0, failed: 1 };
    let note = ` (no *.test.ts under ${testDir}: 1 failure)`;
    if (files.length > 0) {
      const result = await run(runner.name, runner.args, timeoutMs);
      [counts, note] = judge(runner.parse(result.output), result);
    }
    lines.push(
      `${runner.name}: ${counts.passed} passed, ${counts.failed} failed${note}`,
    );
    passed += counts.passed;
    failed += counts.failed;
  }

  console.log(`\n--- summary ---\n${lines.join("\n")}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.on(signal, () => {
      if (running !== undefined) killGroup(running, "SIGKILL");
      process.exit(code);
    });
  }
  process.exitCode = await main();
}
