/**
 * The CI version of `npm run soak`: 20 s of mixed traffic against the
 * running runtime's server (our CLI in a child process), driven by Node 24
 * so that every runtime meets the same client. The figures are printed, so
 * that a run's log shows them.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RUNTIME } from "./_helpers/fixture.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const SECONDS = 20;

test(
  `soak: after ${SECONDS} s of mixed traffic the server has its descriptors back and bounded memory`,
  {
    timeout: 180_000,
    skip: !existsSync("/proc/self/fd") && "the soak reads /proc",
  },
  async () => {
    const child = spawn(NODE, [`${ROOT}scripts/soak.ts`, RUNTIME], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SOAK_SECONDS: String(SECONDS), NO_COLOR: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
    const status = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(timer);
    const line = out.split("\n").find((l) => l.startsWith("SOAK "));
    assert.ok(line !== undefined, `no SOAK line; status ${status}; stderr: ${err}`);
    const [result] = JSON.parse(line.slice(5));
    console.log(out.split("\n").filter((l) => l.startsWith("|")).join("\n"));
    assert.deepEqual(result.failures, [], err);
    assert.equal(result.fds.end, result.fds.base);
    assert.ok(result.tally.completed > 1000, `only ${result.tally.completed} responses completed`);
    assert.equal(status, 0, err);
  },
);
