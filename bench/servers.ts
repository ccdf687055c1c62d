/**
 * The servers under test, how each is started, and how the report groups
 * them by runtime.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { join } from "node:path";
import type { Scenario } from "./config.ts";
import { hasNginx, nginxCommand } from "./nginx.ts";

/** The repository root (this file is `bench/servers.ts`). */
export const ROOT: string = join(import.meta.dirname ?? ".", "..");

/** What a server's command is built from. */
export interface StartContext {
  /** The port to listen on (127.0.0.1). */
  port: number;
  /** The site folder. */
  root: string;
  /** A scratch folder of this server's own. */
  dir: string;
}

/** A server under test. */
export interface ServerSpec {
  /** Its name in the tables and in `BENCH_ONLY`. */
  name: string;
  /** What it is, for the README. */
  description: string;
  /** The argv that runs it: the real binary, never an npm/bunx wrapper. */
  command(context: StartContext): string[];
  /**
   * The ids of the scenarios it runs (a variant of ours that exists for
   * one comparison runs only what that needs).
   * @default every scenario that is not `extra`
   */
  scenarios?: readonly string[];
}

/** A table of the report: ours on one runtime and its peers there. */
export interface Group {
  /** The heading. */
  title: string;
  /** Our server's name. */
  ours: string;
  /** The peers' names (nginx is added to every group but a framework's). */
  peers: string[];
  /**
   * Whether this is a framework's table: ours as that framework's
   * middleware next to the framework's own static middleware, in the same
   * app. nginx is left out of it, and issue 6's per-runtime goals (p99,
   * peak RSS, the 1 GiB probe) do not look at it.
   * @default {false}
   */
  framework?: boolean;
}

/** The reference server shown in every group. */
export const REFERENCE = "nginx";

/**
 * The real executable behind `node_modules/.bin/<name>`, so that the PID we
 * sample is the server and not a launcher.
 */
function bin(name: string): string {
  return realpathSync(join(ROOT, "node_modules", ".bin", name));
}

function script(name: string): string {
  return join(ROOT, "bench", "servers", name);
}

function deno(file: string, ...args: string[]) {
  return (
    { port, root }: StartContext,
  ) => [bin("deno"), "run", "-A", script(file), `${port}`, root, ...args];
}

function bun(file: string, ...args: string[]) {
  return ({ port, root }: StartContext) => [bin("bun"), script(file), `${port}`, root, ...args];
}

function node(file: string, ...args: string[]) {
  return ({ port, root }: StartContext) => [bin("node"), script(file), `${port}`, root, ...args];
}

/**
 * Issue 16's servers on `runtime`: the never-stale bound, and ours with
 * every feature off (`-bare`, GET 1 KiB only) and on (`-full`: GET 1 KiB
 * and the SPA rows), as FEATURES in `servers/_ours.ts` sets them.
 */
function issue16(runtime: "deno" | "bun" | "node"): ServerSpec[] {
  const start = { deno, bun, node }[runtime];
  const name = runtime[0].toUpperCase() + runtime.slice(1);
  return [
    {
      name: `bound-${runtime}`,
      description: `${name}'s never-stale bound: one \`lstat\`, then a constant 1 KiB answer` +
        " with ours's header fields (1 KiB row only)",
      command: start(`bound_${runtime}.ts`),
    },
    {
      name: `ours-${runtime}-bare`,
      description: `ours on ${name}, every feature off (GET 1 KiB only)`,
      command: start(`ours_${runtime}.ts`, "--features", "bare"),
      scenarios: ["1k"],
    },
    {
      name: `ours-${runtime}-full`,
      description: `ours on ${name}: compression, SPA, cache policy, content tags (1 KiB, SPA)`,
      command: start(`ours_${runtime}.ts`, "--features", "full"),
      scenarios: ["1k", "spa", "shell"],
    },
  ];
}

/** Processes in the multi-process variants of ours: one per core of this machine. */
const PROCESSES = 2;

/**
 * `runtime`'s command for `file` in PROCESSES processes, pinned to cores
 * 0 and 1: taskset, given the harness's `taskset -c 0` first, widens the
 * set again and execs, so the PID is still the runtime's.
 */
function multi(runtime: "deno" | "bun" | "node", file: string) {
  // Deno 2.9 allows reusePort only with --unstable-net.
  const flags = runtime === "deno" ? ["run", "-A", "--unstable-net"] : [];
  return ({ port, root }: StartContext) => [
    "taskset",
    "-c",
    "0,1",
    bin(runtime),
    ...flags,
    script(file),
    `${port}`,
    root,
    "--processes",
    `${PROCESSES}`,
  ];
}

/** Every server, in the order they are started and measured. */
export const SERVERS: ServerSpec[] = [
  {
    name: "ours-deno",
    description: "ours, `serve()` from `./deno`",
    command: deno("ours_deno.ts"),
  },
  {
    name: "ours-deno-2p",
    description: "ours on Deno, 2 processes with `reusePort`, on both cores",
    command: multi("deno", "ours_deno.ts"),
  },
  {
    name: "hono-deno",
    description: "Hono `serveStatic` (`hono/deno`) on `Deno.serve`",
    command: deno("hono_deno.ts"),
  },
  {
    name: "ours-hono-deno",
    description: "a Hono app with our `serveStatic` (`./hono`) on `Deno.serve`",
    command: deno("ours_hono_deno.ts"),
  },
  {
    name: "ceiling-deno",
    description: "Deno's ceiling: `Deno.serve` with one constant 1 KiB body (1 KiB row only)",
    command: deno("ceiling_deno.ts"),
  },
  ...issue16("deno"),
  { name: "ours-bun", description: "ours, `serve()` from `./bun`", command: bun("ours_bun.ts") },
  {
    name: "ours-bun-2p",
    description: "ours on Bun, 2 processes with `reusePort`, on both cores",
    command: multi("bun", "ours_bun.ts"),
  },
  {
    name: "ceiling-bun",
    description: "Bun's ceiling: `Bun.serve` with one constant 1 KiB body (1 KiB row only)",
    command: bun("ceiling_bun.ts"),
  },
  ...issue16("bun"),
  {
    name: "bun-file",
    description: "`Bun.serve` + `Bun.file` (path → file, 404 when missing)",
    command: bun("bun_file.ts"),
  },
  {
    name: "hono-bun",
    description: "Hono `serveStatic` (`hono/bun`) on `Bun.serve`",
    command: bun("hono_bun.ts"),
  },
  {
    name: "ours-hono-bun",
    description: "a Hono app with our `serveStatic` (`./hono`) on `Bun.serve`",
    command: bun("ours_hono_bun.ts"),
  },
  {
    name: "ours-node",
    description: "ours, `serve()` from `./node`",
    command: node("ours_node.ts"),
  },
  {
    name: "ours-node-2p",
    description: "ours on Node, 2 processes with `reusePort`, on both cores",
    command: multi("node", "ours_node.ts"),
  },
  {
    name: "ours-node-cluster",
    description: "ours on Node, 2 `node:cluster` workers (the primary accepts), on both cores",
    command: multi("node", "ours_node_cluster.ts"),
  },
  {
    name: "ceiling-node",
    description: "Node's ceiling: `node:http` with one constant 1 KiB body (1 KiB row only)",
    command: node("ceiling_node.ts"),
  },
  ...issue16("node"),
  {
    name: "sirv",
    description: "sirv on `node:http`, `etag: true`",
    command: node("sirv_node.ts"),
  },
  {
    name: "serve-static",
    description: "express + serve-static, defaults",
    command: node("serve_static_node.ts"),
  },
  {
    name: "serve-handler",
    description: "serve-handler on `node:http`, `etag: true`",
    command: node("serve_handler_node.ts"),
  },
  {
    name: "http-server",
    description: "http-server `createServer()`, defaults (listing off)",
    command: node("http_server_node.ts"),
  },
  {
    name: "ours-express",
    description: "an Express 5 app with our `serveFiles` (`./express`)",
    command: node("ours_express_node.ts"),
  },
  {
    name: "sirv-express",
    description: "an Express 5 app with sirv as its middleware, `etag: true`",
    command: node("sirv_express_node.ts"),
  },
  {
    name: "ours-hono-node",
    description: "a Hono app with our `serveStatic` (`./hono`) on `@hono/node-server`",
    command: node("ours_hono_node.ts"),
  },
  {
    name: "hono-node",
    description: "Hono `serveStatic` (`@hono/node-server/serve-static`) on `@hono/node-server`",
    command: node("hono_node.ts"),
  },
  {
    name: REFERENCE,
    description: "nginx, 1 worker, `sendfile on`, `access_log off`",
    command: ({ port, root, dir }) => nginxCommand({ port, root, dir }),
  },
];

/** The report's tables. */
export const GROUPS: Group[] = [
  // The variants of ours come first among the peers, so that their rows sit
  // under ours; renderScaling() divides the multi-process ones by ours.
  {
    title: "Deno",
    ours: "ours-deno",
    peers: [
      "ours-deno-2p",
      "ours-deno-bare",
      "ours-deno-full",
      "bound-deno",
      "ceiling-deno",
      "hono-deno",
    ],
  },
  {
    title: "Bun",
    ours: "ours-bun",
    peers: [
      "ours-bun-2p",
      "ours-bun-bare",
      "ours-bun-full",
      "bound-bun",
      "ceiling-bun",
      "bun-file",
      "hono-bun",
    ],
  },
  {
    title: "Node",
    ours: "ours-node",
    peers: [
      "ours-node-2p",
      "ours-node-cluster",
      "ours-node-bare",
      "ours-node-full",
      "bound-node",
      "ceiling-node",
      "sirv",
      "serve-static",
      "serve-handler",
      "http-server",
    ],
  },
];

/**
 * The framework tables (issue 13): ours as the framework's middleware ÷ the
 * framework's own static middleware, in the same app on the same runtime.
 */
export const FRAMEWORK_GROUPS: Group[] = [
  { title: "Hono on Deno", ours: "ours-hono-deno", peers: ["hono-deno"], framework: true },
  { title: "Hono on Bun", ours: "ours-hono-bun", peers: ["hono-bun"], framework: true },
  {
    title: "Hono on Node (`@hono/node-server`)",
    ours: "ours-hono-node",
    peers: ["hono-node"],
    framework: true,
  },
  {
    title: "Express 5 on Node",
    ours: "ours-express",
    peers: ["serve-static", "sirv-express"],
    framework: true,
  },
];

/**
 * The scenarios `spec` runs: its own list, or every scenario that is not
 * `extra`.
 *
 * @param spec The server.
 * @param scenarios Every scenario, in table order.
 * @returns Those it runs, in the same order.
 */
export function scenariosOf(spec: ServerSpec, scenarios: readonly Scenario[]): Scenario[] {
  return scenarios.filter((scenario) =>
    spec.scenarios === undefined ? !scenario.extra : spec.scenarios.includes(scenario.id)
  );
}

/**
 * The servers to run: all (nginx only when installed), or those `only` names.
 *
 * @param only Server names, or `null` for all.
 * @returns The specs, in `SERVERS` order.
 * @throws {RangeError} for an unknown name.
 */
export function selectServers(only: string[] | null): ServerSpec[] {
  const known = new Set(SERVERS.map((spec) => spec.name));
  const unknown = (only ?? []).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new RangeError(
      `Cannot bench: unknown server "${unknown.join(", ")}" (known: ${[...known].join(", ")})`,
    );
  }
  return SERVERS.filter((spec) =>
    (only === null || only.includes(spec.name)) && (spec.name !== REFERENCE || hasNginx())
  );
}
