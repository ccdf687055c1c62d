/**
 * The `fileserver` command: serve a folder, or fetch a URL, on Deno, Bun or
 * Node.
 *
 * ```sh
 * deno run -A jsr:@seed/fileserver/cli ./public --port 8080
 * npx fileserver get http://127.0.0.1:8080/ -o index.html
 * ```
 *
 * @example Running the command line in-process
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli.ts";
 *
 * const lines: string[] = [];
 * const io = {
 *   out: (line: string) => void lines.push(line),
 *   err: (line: string) => void lines.push(line),
 *   onSignals: () => {},
 *   exit: (status: number): never => {
 *     throw new Error(`exit ${status}`);
 *   },
 * };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(lines[0], /^fileserver \d+\.\d+\.\d+/);
 * assert.equal(await main(["--no-such-flag"], io), 2);
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseCommandLine, UsageError } from "./cli/args.ts";
import { CliError, type Io } from "./cli/io.ts";
import { missingPermission } from "./cli/missing_permission.ts";

export type { Io } from "./cli/io.ts";
import { loadAdapter } from "./cli/runtime.ts";
import { serveCommand } from "./cli/serve_command.ts";
import { HELP, VERSION } from "./cli/help.ts";

/**
 * Runs the command line `argv` (without the program name) and resolves with
 * the exit status. Failures print one line on stderr, never a stack trace.
 *
 * @param argv The arguments.
 * @param io Output and process control.
 * @returns The exit status: 0 success, 1 failure, 2 usage error (and for
 *   `get`: 3 HTTP error status, 4 network error).
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === "help") return (io.out(HELP), 0);
    if (args.command === "version") return (io.out(`fileserver ${VERSION}`), 0);
    if (args.command === "get") {
      // Loaded only for get, so that serving never loads the user agent.
      const { getCommand } = await import("./cli/get_command.ts");
      return await getCommand(args, io);
    }
    return await serveCommand(args, await loadAdapter(), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`fileserver: ${error.message}`);
      io.err(error.hint);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(`fileserver: ${error.message}`);
      return error.status;
    }
    const denied = missingPermission(error);
    if (denied !== null) {
      io.err(`fileserver: ${denied}`);
      return 1;
    }
    io.err(`fileserver: unexpected failure: ${(error as Error)?.name ?? "error"}`);
    return 1;
  }
}

function processIo(): Io {
  return {
    out: (line) => void process.stdout.write(line + "\n"),
    err: (line) => void process.stderr.write(line + "\n"),
    onSignals: (handler) => {
      let count = 0;
      const on = () => handler(++count);
      process.on("SIGINT", on);
      process.on("SIGTERM", on);
    },
    exit: (status) => process.exit(status),
  };
}

/**
 * Ends the process with one line, never a stack trace, when an error
 * escapes every handler: thrown from an event listener inside the runtime
 * (Node 24's fetch can throw such an AssertionError, nodejs/undici#5360),
 * or a promise rejected with no one to catch it.
 */
export function exitOnStrayErrors(): void {
  const stray = (error: unknown) => {
    process.stderr.write(`fileserver: unexpected failure: ${(error as Error)?.name ?? "error"}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", stray);
  process.on("unhandledRejection", stray);
}

if (import.meta.main) {
  exitOnStrayErrors();
  const status = await main(process.argv.slice(2));
  // Signal listeners keep Deno's event loop alive: exit explicitly.
  process.exit(status);
}
