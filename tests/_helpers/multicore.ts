/**
 * What the multi-core tests share: a free port to hand to several processes,
 * requests that each open a fresh connection (so the kernel chooses a
 * listener for every one), and the running of the test server script.
 */

import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { type CliProcess, scriptCommand, startProcess, waitForOutput } from "./cli.ts";
import { concat, indexOfHeadEnd, openSocket } from "./sockets.ts";

const SERVER_SCRIPT = fileURLToPath(new URL("./multicore_server.ts", import.meta.url));

/** Deno 2.9 allows `reusePort` only with this flag. */
export const DENO_REUSE_PORT_FLAGS = ["--unstable-net"];

/** A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * How many listening IPv4 TCP sockets the machine has on `port`, from
 * `/proc/net/tcp` (Linux): processes sharing a port with SO_REUSEPORT have
 * one each, while threads or cluster workers sharing one socket count once.
 */
export function listeningSockets(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1).filter((line) => {
    const [, local, , state] = line.trim().split(/\s+/);
    // State 0A is TCP_LISTEN.
    return local?.endsWith(`:${hexPort}`) && state === "0A";
  }).length;
}

/** A response read off its own connection. */
export interface FreshResponse {
  status: number;
  /** Header fields, names in lower case. */
  headers: Map<string, string>;
  body: Uint8Array;
}

/**
 * GETs `path` on a new connection that the request closes
 * (`Connection: close`), reading until the server closes it.
 */
export async function getFresh(url: URL, path: string): Promise<FreshResponse> {
  const socket = await openSocket(url);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Uint8Array) => {
      chunks.push(chunk);
      total += chunk.byteLength;
    });
    socket.once("error", reject);
    socket.once("close", () => resolve());
  });
  const all = concat(chunks, total);
  const end = indexOfHeadEnd(all);
  if (end < 0) throw new Error(`no response head for ${path} (${total} bytes)`);
  const [statusLine, ...lines] = new TextDecoder().decode(all.subarray(0, end)).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: all.subarray(end + 4) };
}

/**
 * Runs `count` fresh-connection GETs, `concurrency` at a time, cycling
 * through `paths`.
 */
export async function getMany(
  url: URL,
  paths: string[],
  count: number,
  concurrency = 8,
): Promise<Array<{ path: string; response: FreshResponse }>> {
  const results: Array<{ path: string; response: FreshResponse }> = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const path = paths[next++ % paths.length];
      results.push({ path, response: await getFresh(url, path) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** How many responses carried each value of header `name`. */
export function countBy(
  results: Array<{ response: FreshResponse }>,
  name: string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { response } of results) {
    const value = response.headers.get(name) ?? "(none)";
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/**
 * Starts `tests/_helpers/multicore_server.ts` on this runtime.
 *
 * @param options `reusePort` adds `--reuse-port`; `denoFlags` defaults to
 *   the flag Deno needs for it.
 */
export function startServerProcess(options: {
  root: string;
  port: number;
  name: string;
  reusePort: boolean;
  denoFlags?: string[];
}): CliProcess {
  const args = [options.root, String(options.port), options.name];
  if (options.reusePort) args.push("--reuse-port");
  const [command, argv] = scriptCommand(
    SERVER_SCRIPT,
    args,
    options.denoFlags ?? DENO_REUSE_PORT_FLAGS,
  );
  return startProcess(command, argv);
}

/** Waits for the `listening URL` line of a server process. */
export async function listening(server: CliProcess): Promise<URL> {
  const match = await waitForOutput(server, /^listening (\S+)$/m);
  return new URL(match[1]);
}

/** Resolves with `exited`, or rejects after `ms` (and SIGKILLs the process). */
export async function exitWithin(server: CliProcess, ms = 15_000): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      server.child.kill("SIGKILL");
      reject(new Error(`no exit within ${ms} ms; stderr: ${server.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `deno serve --parallel` arguments for `script` on 127.0.0.1:`port`, with
 * read access only (the examples and the multicore test start it alike).
 */
export function denoParallelArgs(port: number, script: string): string[] {
  return [
    "serve",
    "--parallel",
    "--allow-read",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    script,
  ];
}
