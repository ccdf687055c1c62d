/**
 * `npm run cluster [DIR] [--port N]`: three `fileserver` replicas (Deno, Bun
 * and Node), haproxy balancing them and Varnish caching in front, all on
 * 127.0.0.1, each replica serving its own copy of DIR (default
 * `examples/site`) with its own modification times, as three machines
 * would. It prints the URL; SIGINT or SIGTERM stops every child, removes
 * the copies and exits 0. `startCluster()` does the same for the tests and
 * the bench.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** A runtime that runs one replica. */
export type Runtime = "deno" | "bun" | "node";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const LOG_CAP = 1 << 20;

/** One child process and what it printed (the last MiB). */
interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

function startChild(command: string, args: string[]): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    // A group of its own: Ctrl+C reaches only this script, which stops the
    // children in order (the cache first, the replicas last).
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  const keep = (chunk: string) => {
    output += chunk;
    if (output.length > LOG_CAP) output = output.slice(-LOG_CAP / 2);
  };
  child.stdout!.setEncoding("utf8").on("data", keep);
  child.stderr!.setEncoding("utf8").on("data", keep);
  const exited = new Promise<number>((done) => {
    child.once("close", (code, signal) => done(code ?? (signal === "SIGKILL" ? 137 : 128)));
    child.once("error", (error) => {
      keep(String(error));
      done(127);
    });
  });
  return { process: child, output: () => output, exited };
}

async function stopChild(child: Child, signal: NodeJS.Signals, timeoutMs: number): Promise<number> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  try {
    child.process.kill(signal);
  } catch {
    // Gone already.
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.process.pid!, "SIGKILL");
    } catch {
      // Gone already.
    }
  }, timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  return status;
}

/** Finds `name` on PATH or in /usr/sbin (where Debian puts haproxy and varnishd). */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  return dirs.map((dir) => join(dir, name)).find((path) => path !== name && existsSync(path));
}

/** The system tools the cluster needs that are not installed. */
export function missingTools(): string[] {
  return ["haproxy", "varnishd"].filter((name) => findTool(name) === undefined);
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The command that runs the CLI's `args` on `runtime`, from this clone. */
export function replicaCommand(runtime: Runtime, args: string[]): [string, string[]] {
  if (runtime === "deno") return [join(BIN, "deno"), ["run", "-A", "src/cli.ts", ...args]];
  if (runtime === "bun") return [join(BIN, "bun"), ["src/cli.ts", ...args]];
  return [join(BIN, "node"), ["src/bin.ts", ...args]];
}

/**
 * Whether the CLI accepts `--etag content` (ETags from the content, equal
 * on every replica), read from `fileserver --help`.
 */
export function acceptsContentEtag(): boolean {
  const [command, args] = replicaCommand("node", ["--help"]);
  const help = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" }).stdout ?? "";
  return help.includes("--etag");
}

/** One replica: a `fileserver` process on a fixed port over its own copy. */
export interface Replica {
  /** Its runtime, also its server name in haproxy (the `X-Replica` header). */
  name: Runtime;
  /** Its own copy of the folder. */
  root: string;
  /** Where it listens, directly. */
  url: URL;
  /** Its access log and errors so far (the last MiB), across restarts. */
  log: () => string;
  /** The running process's id. */
  pid: () => number | undefined;
  /** Sends `signal` and resolves with the exit status once it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<number>;
  /** Starts it again on the same port; resolves once it listens. */
  start: () => Promise<void>;
}

async function waitFor(child: Child, ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) break;
    if (await ready()) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  child.process.kill("SIGKILL");
  throw new Error(`${what} did not start: ${child.output().slice(-2000)}`);
}

async function answers(url: URL): Promise<boolean> {
  try {
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function makeReplica(name: Runtime, root: string, port: number, args: string[]): Replica {
  const url = new URL(`http://127.0.0.1:${port}/`);
  let child: Child | undefined;
  let before = "";
  const replica: Replica = {
    name,
    root,
    url,
    log: () => before + (child?.output() ?? ""),
    pid: () => child?.process.pid,
    stop: (signal = "SIGTERM") => child ? stopChild(child, signal, 15_000) : Promise.resolve(0),
    start: async () => {
      before = replica.log().slice(-LOG_CAP / 2);
      const [command, argv] = replicaCommand(name, [root, "--port", String(port), ...args]);
      const started = startChild(command, argv);
      child = started;
      await waitFor(started, () => Promise.resolve(/Local:\s+\S+/.test(started.output())), name);
    },
  };
  return replica;
}

/** Copies `dir` to `target`, and sets every file's times to `mtime` (seconds). */
function copyWithMtime(dir: string, target: string, mtime: number): void {
  cpSync(dir, target, { recursive: true });
  for (const path of readdirSync(target, { recursive: true, encoding: "utf8" })) {
    utimesSync(join(target, path), mtime, mtime);
  }
}

/** What `startCluster()` takes. */
export interface ClusterOptions {
  /** The folder each replica gets a copy of. */
  dir: string;
  /** Varnish's port (0, the default, picks a free one). */
  port?: number;
  /** The replicas, one per entry. @default ["deno", "bun", "node"] */
  runtimes?: Runtime[];
  /** More `fileserver` arguments for every replica (e.g. `--cache` rules). */
  serverArgs?: string[];
}

/** A running cluster. */
export interface Cluster {
  /** Varnish: the URL clients use. */
  url: URL;
  /** haproxy, without the cache. */
  haproxyUrl: URL;
  replicas: Replica[];
  /** Whether the replicas run with `--etag content`. */
  contentEtag: boolean;
  /** The temp folder holding the copies and the generated configs. */
  temp: string;
  /** Varnish's and haproxy's output so far. */
  proxyLog: () => string;
  /** Stops Varnish, haproxy and the replicas, and removes the temp folder. */
  stop: () => Promise<void>;
}

/** deploy/haproxy.cfg with its `bind` port and `server` lines replaced. */
export function haproxyConfig(port: number, replicas: Array<{ name: string; port: number }>) {
  const servers = replicas.map((r) => `    server ${r.name} 127.0.0.1:${r.port}`).join("\n");
  return readFileSync(join(HERE, "haproxy.cfg"), "utf8")
    .replace(/bind 127\.0\.0\.1:\d+/, `bind 127.0.0.1:${port}`)
    .replace(/( {4}server .*\n)+/, `${servers}\n`);
}

/** deploy/varnish.vcl with its backend's port replaced. */
export function varnishConfig(haproxyPort: number): string {
  return readFileSync(join(HERE, "varnish.vcl"), "utf8")
    .replace(/\.port = "\d+";/, `.port = "${haproxyPort}";`);
}

/**
 * Starts the replicas, then haproxy, then Varnish.
 *
 * @param options The folder, Varnish's port, the runtimes, extra arguments.
 * @returns The running cluster.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const temp = mkdtempSync(join(tmpdir(), "fileserver-cluster-"));
  const contentEtag = acceptsContentEtag();
  const args = [
    ...(contentEtag ? ["--etag", "content"] : []),
    ...(options.serverArgs ?? []),
  ];
  const runtimes = options.runtimes ?? ["deno", "bun", "node"];
  const now = Math.floor(Date.now() / 1000);
  const replicas: Replica[] = [];
  const others: Child[] = [];
  const stop = async () => {
    for (const child of others.reverse()) await stopChild(child, "SIGTERM", 5_000);
    await Promise.all(replicas.map((replica) => replica.stop("SIGTERM")));
    rmSync(temp, { recursive: true, force: true });
  };
  try {
    for (const [i, name] of runtimes.entries()) {
      const root = join(temp, name);
      // Three machines would not have written the files in the same second.
      copyWithMtime(options.dir, root, now - 3600 * (i + 1));
      replicas.push(makeReplica(name, root, await freePort(), args));
    }
    await Promise.all(replicas.map((replica) => replica.start()));

    const haproxyPort = await freePort();
    const haproxyCfg = join(temp, "haproxy.cfg");
    writeFileSync(
      haproxyCfg,
      haproxyConfig(haproxyPort, replicas.map((r) => ({ name: r.name, port: Number(r.url.port) }))),
    );
    const haproxy = startChild(findTool("haproxy")!, ["-db", "-f", haproxyCfg]);
    others.push(haproxy);
    const haproxyUrl = new URL(`http://127.0.0.1:${haproxyPort}/`);
    await waitFor(haproxy, () => answers(haproxyUrl), "haproxy");

    const port = options.port || await freePort();
    const vcl = join(temp, "varnish.vcl");
    writeFileSync(vcl, varnishConfig(haproxyPort));
    const work = join(temp, "varnish");
    mkdirSync(work);
    // -j none: no privilege separation, so that it runs as whoever starts
    // it and can write its work folder; -T none: no management port.
    const varnish = startChild(findTool("varnishd")!, [
      ...["-F", "-j", "none", "-T", "none", "-n", work, "-f", vcl],
      ...["-a", `127.0.0.1:${port}`, "-s", "malloc,256m"],
    ]);
    others.push(varnish);
    const url = new URL(`http://127.0.0.1:${port}/`);
    await waitFor(varnish, () => answers(url), "varnishd");
    const proxyLog = () => haproxy.output() + varnish.output();
    return { url, haproxyUrl, replicas, contentEtag, temp, proxyLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  const portAt = argv.findIndex((arg) => arg === "--port" || arg === "-p");
  const port = portAt < 0 ? 8000 : Number(argv[portAt + 1]);
  const dir = argv.find((arg, i) => !arg.startsWith("-") && (portAt < 0 || i !== portAt + 1)) ??
    join(ROOT, "examples", "site");
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(`cluster: ${missing.join(" and ")} not found (apt-get install haproxy varnish)`);
    process.exit(1);
  }
  const cluster = await startCluster({ dir: resolve(dir), port });
  console.log(`Cluster serving ${resolve(dir)}`);
  console.log(`  Local:    ${cluster.url.href}  (Varnish)`);
  console.log(`  haproxy:  ${cluster.haproxyUrl.href}`);
  for (const replica of cluster.replicas) {
    console.log(`  ${replica.name}:${" ".repeat(8 - replica.name.length)}${replica.url.href}`);
  }
  console.log(`  etag:     ${cluster.contentEtag ? "content (same on every replica)" : "default"}`);
  console.log(`  temp:     ${cluster.temp}`);
  console.log("Ctrl+C stops everything.");
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    console.log("Stopped: Varnish, haproxy and the replicas; temp folder removed.");
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (import.meta.main) await main(process.argv.slice(2));
