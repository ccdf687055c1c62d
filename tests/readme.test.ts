import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

// Every command in the README's ```sh blocks must be in this table, with the
// test that proves it, or `help: true` when it launches the CLI: then it is
// run here with --help appended, from the clone, so that its launcher
// (npx deno, npx bun, npm run …) resolves as written. A new command that is
// not in the table fails, so the README cannot drift. The machine's own
// `node` is 20 and runs no .ts: a bare deno, bun, node or fileserver fails.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

interface Coverage {
  /** The test file that runs this command (or its twin). */
  test: string;
  /** Run here with --help appended: a CLI launch. */
  help?: true;
}

const COMMANDS: Record<string, Coverage> = {
  "npm ci": { test: "tests/dependencies.test.ts" },
  "npm start": { test: "tests/examples.test.ts" },
  "npx deno run -A examples/hono.ts": { test: "tests/examples.test.ts" },
  "npx node examples/express.ts": { test: "tests/examples.test.ts" },
  "npx deno run --allow-net --allow-read examples/std.ts": { test: "tests/examples.test.ts" },
  "npm test": { test: "tests/readme.test.ts" },
  "npm install ../fileserver/seed-fileserver-0.1.0.tgz": { test: "tests/npm_package.test.ts" },
  "npm pack": { test: "tests/npm_package.test.ts" },
  "npx fileserver ./public": { test: "tests/npm_package.test.ts" },
  "npx deno run -A --unstable-net src/cli.ts ./public --reuse-port": {
    test: "tests/multicore.test.ts",
    help: true,
  },
  "npx bun src/cli.ts ./public --reuse-port": { test: "tests/multicore.test.ts", help: true },
  "npm run fileserver -- ./public --reuse-port": { test: "tests/multicore.test.ts", help: true },
  "npx deno serve --parallel --allow-read --host 127.0.0.1 --port 8000 examples/deno_parallel.ts": {
    test: "tests/examples.test.ts",
  },
  "npx deno run -A src/cli.ts ./public": { test: "tests/cli_serve.test.ts", help: true },
  "npx deno task fileserver ./public": { test: "tests/cli_serve.test.ts", help: true },
  "npx deno run -A src/cli.ts ./dist --spa --clean-urls": {
    test: "tests/cli_routing.test.ts",
    help: true,
  },
  "npx vite build": { test: "tests/cli_web_apps.test.ts" },
  "npm run fileserver -- dist --spa": { test: "tests/cli_web_apps.test.ts", help: true },
  "npm run fileserver -- build --clean-urls --spa=200.html": {
    test: "tests/cli_web_apps.test.ts",
    help: true,
  },
  "npm run fileserver -- site --clean-urls": { test: "tests/cli_web_apps.test.ts", help: true },
  "npm run fileserver -- dist --cache-explain /assets/index-BxT3k9Qa.js --cache-explain /index.html":
    { test: "tests/cli_web_apps.test.ts", help: true },
  "curl -I -H 'accept-encoding: br' http://127.0.0.1:8000/assets/index-BxT3k9Qa.js": {
    test: "tests/cli_web_apps.test.ts",
  },
  "npm run fileserver -- ./public --zip": { test: "tests/cli_zip.test.ts", help: true },
  "curl -OJ 'http://127.0.0.1:8000/photos/?download=zip'": { test: "tests/cli_zip.test.ts" },
  "npx bun src/cli.ts ./public": { test: "tests/cli_serve.test.ts", help: true },
  "npm run fileserver -- ./public": { test: "tests/cli_serve.test.ts", help: true },
  "apt-get install -y wrk nginx curl": { test: "tests/dependencies.test.ts" },
  "BENCH_DURATION=5s BENCH_REPEATS=3 npm run bench": { test: "tests/dependencies.test.ts" },
  "npm run soak": { test: "tests/soak.test.ts" },
  "bash deploy/local.sh": { test: "tests/cluster.test.ts" },
  "SOAK_SECONDS=60 node_modules/.bin/node scripts/soak.ts bun node": {
    test: "tests/soak.test.ts",
  },
};

/** The commands of every ```sh block: comments, `&` and `&&` taken apart. */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const line of block.split("\n")) {
      const code = line.replace(/(^|\s)#.*$/, "").trim().replace(/\s*&$/, "");
      for (const part of code.split("&&")) if (part.trim()) commands.push(part.trim());
    }
  }
  return commands;
}

const commands = readmeCommands(README);

test("README: every ```sh command is listed with the test that covers it", () => {
  const unknown = commands.filter((command) => !(command in COMMANDS));
  assert.deepEqual(unknown, [], "add these to COMMANDS in tests/readme.test.ts");
  for (const [command, { test }] of Object.entries(COMMANDS)) {
    assert.ok(existsSync(join(ROOT, test)), `${command}: ${test} does not exist`);
  }
});

test("README: no command starts a bare deno, bun, node or fileserver", () => {
  const bare = commands.filter((command) =>
    /^(?:[A-Z_]+=\S+\s+)*(?:deno|bun|node|fileserver)\b/.test(command)
  );
  assert.deepEqual(bare, []);
});

test("README: each command that launches the CLI runs from the clone", {
  skip: process.versions.bun || process.versions.deno ? "runs once, under node --test" : false,
}, () => {
  const launches = commands.filter((command) => COMMANDS[command]?.help);
  assert.ok(launches.length >= 4, "the README launches the CLI on three runtimes");
  for (const command of launches) {
    // The machine's PATH, not node_modules/.bin first: as a reader runs it.
    const result = spawnSync("sh", ["-c", `${command} --help`], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(result.status, 0, `${command} --help: ${result.stderr}`);
    assert.match(result.stdout, /fileserver \[serve\]/, command);
  }
});

test("README: every link and image into the repository names a file that exists", () => {
  const local = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target)
    .filter((target) => !/^[a-z]+:|^#/.test(target));
  assert.ok(local.includes("docs/screenshots/vite-deep-link.png"), "the browser test's screenshot");
  for (const target of local) assert.ok(existsSync(join(ROOT, target)), target);
});
