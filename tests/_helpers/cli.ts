/** Runs the CLI as a child process under the running runtime. */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RUNTIME } from "./fixture.ts";

const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

/**
 * The command and arguments that run the CLI with `args` on this runtime;
 * `denoFlags` go before the script on Deno (e.g. `--unstable-net`).
 */
export function cliCommand(args: string[], denoFlags: string[] = []): [string, string[]] {
  return scriptCommand(CLI, args, denoFlags);
}

/** The command and arguments that run the script `file` on this runtime. */
export function scriptCommand(
  file: string,
  args: string[],
  denoFlags: string[] = [],
): [string, string[]] {
  const prefix = RUNTIME === "deno" ? ["run", "-A", ...denoFlags, file] : [file];
  return [process.execPath, [...prefix, ...args]];
}

/** A running CLI process with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit status (or 128 + signal number). */
  exited: Promise<number>;
}

/** Starts the CLI with `args`. */
export function startCli(args: string[], cwd?: string): CliProcess {
  const [command, argv] = cliCommand(args);
  return startProcess(command, argv, { cwd });
}

/** Starts `command` with `argv`, collecting its output. */
export function startProcess(
  command: string,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string>; detached?: boolean } = {},
): CliProcess {
  const child = spawn(command, argv, {
    cwd: options.cwd,
    // A process group of its own, so that killGroup() can end what the
    // process left behind (a launcher's orphaned child, cluster workers).
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk) => (err += chunk));
  const exited = new Promise<number>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 128)));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * SIGKILLs the process group of a process started with `detached: true`:
 * the process and whatever it started, even children it left orphaned.
 */
export function killGroup(cli: CliProcess): void {
  try {
    process.kill(-cli.child.pid!, "SIGKILL");
  } catch {
    // The group is gone already.
  }
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function runCli(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), timeoutMs);
  const status = await cli.exited;
  clearTimeout(timer);
  return { status, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Waits until the serve banner shows the URL, and returns it. */
export async function waitForUrl(cli: CliProcess, timeoutMs = 15_000): Promise<URL> {
  const match = await waitForOutput(cli, /Local:\s+(\S+)/, timeoutMs);
  return new URL(match[1]);
}

/**
 * Waits until the process's stdout (or `stream`) matches `pattern`, and
 * returns the match; kills the process and throws when it exits or the time
 * runs out first.
 */
export async function waitForOutput(
  cli: CliProcess,
  pattern: RegExp,
  timeoutMs = 15_000,
  stream: "stdout" | "stderr" = "stdout",
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(cli[stream]());
    if (match !== null) return match;
    if (cli.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  cli.child.kill("SIGKILL");
  throw new Error(`no ${pattern} in ${stream}; stdout: ${cli.stdout()} stderr: ${cli.stderr()}`);
}

/**
 * Sends `signal` to the CLI. Through process.kill rather than child.kill:
 * Deno 2.9's node:child_process reports a child killed by child.kill() as
 * ended by the signal even when it handled it and exited 0.
 */
export function sendSignal(cli: CliProcess, signal: "SIGINT" | "SIGTERM"): void {
  process.kill(cli.child.pid!, signal);
}
