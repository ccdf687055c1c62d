import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { RESOLUTIONS, writeConsumers } from "./_helpers/npm_consumer.ts";

// Node does not strip types inside node_modules, so the npm package must run
// as compiled JavaScript: pack it, install the tarball into an empty
// project, and run its `fileserver` and its library with Node 20, 22.1 (the
// lowest supported: URL.parse) and 24. The older Nodes come from the npm
// packages pinned in tests/node_versions/package.json, installed on first use
// into node_modules/.cache/node_versions (npm ci removes it, so a fresh clone
// installs them once, ~15 s). This costs a pack and two installs, so it runs
// once, under node --test; deno test and bun test report it as skipped.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE_BIN = join(ROOT, "node_modules", ".bin");
const CACHE = join(ROOT, "node_modules", ".cache", "node_versions");
const ONCE = process.versions.bun || process.versions.deno
  ? "runs once, under node --test (packing three times would triple the cost)"
  : false;
let project = "";
let tarball = "";
const nodes: Record<string, string> = {};

function installOlderNodes(): void {
  const manifest = join(ROOT, "tests", "node_versions", "package.json");
  const cached = join(CACHE, "package.json");
  const want = readFileSync(manifest, "utf8");
  const ready = existsSync(cached) && readFileSync(cached, "utf8") === want &&
    ["node20", "node22"].every((name) =>
      existsSync(join(CACHE, "node_modules", name, "bin", "node"))
    );
  if (!ready) {
    mkdirSync(CACHE, { recursive: true });
    copyFileSync(manifest, cached);
    const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save"], {
      cwd: CACHE,
      env: { ...process.env, PATH: NODE_BIN + delimiter + process.env.PATH },
      encoding: "utf8",
    });
    if (result.status !== 0) {
      throw new Error(
        `Cannot install Node 20 and 22 from npm into ${CACHE}: ${
          result.stderr.trim().split("\n").at(-1)
        }`,
      );
    }
  }
  nodes["20"] = join(CACHE, "node_modules", "node20", "bin", "node");
  nodes["22.1"] = join(CACHE, "node_modules", "node22", "bin", "node");
  nodes["24"] = join(NODE_BIN, "node");
}

before(() => {
  if (ONCE) return;
  installOlderNodes();
  project = mkdtempSync(join(tmpdir(), "fileserver-npm-"));
  const packed = join(project, "packed");
  mkdirSync(packed);
  const env = { ...process.env, PATH: NODE_BIN + delimiter + process.env.PATH };
  execFileSync("npm", ["pack", "--silent", "--pack-destination", packed], {
    cwd: ROOT,
    env,
    stdio: "pipe",
  });
  tarball = join(packed, readdirSync(packed).find((name) => name.endsWith(".tgz"))!);
  const app = join(project, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "app", version: "1.0.0", type: "module" }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", tarball], {
    cwd: app,
    env,
    stdio: "pipe",
  });
  writeFileSync(join(app, "hello.txt"), "from the package\n");
  writeFileSync(
    join(app, "probe.mjs"),
    `import { spawn } from "node:child_process";
const child = spawn("node_modules/.bin/fileserver", [".", "--port", "0", "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
child.stdout.on("data", async (chunk) => {
  out += chunk;
  const match = /Local:\\s+(\\S+)/.exec(out);
  if (!match || out.includes("DONE")) return;
  out += "DONE";
  const response = await fetch(new URL("/hello.txt", match[1]));
  console.log(response.status, await response.text());
  child.kill("SIGTERM");
});
child.on("exit", (code) => console.log("exit", code));
`,
  );
  writeFileSync(
    join(app, "import.mjs"),
    `import { createFileHandler } from "@seed/fileserver";
import { serve, nodeFileSystem } from "@seed/fileserver/node";
import { follow } from "@seed/fileserver/client";
import { serveStatic } from "@seed/fileserver/hono";
import { serveFiles } from "@seed/fileserver/express";
import { serveDir } from "@seed/fileserver/std";
const handler = createFileHandler({ root: process.cwd(), fs: nodeFileSystem() });
const response = await handler(new Request("http://localhost/hello.txt"));
// The Hono middleware, given the two members of Hono's Context it reads.
const files = serveStatic({ root: "." });
const raw = new Request("http://localhost/hello.txt");
const served = await files({ req: { raw, path: "/hello.txt" } }, async () => {});
const std = await serveDir(new Request("http://localhost/hello.txt"), { fsRoot: ".", quiet: true });
console.log(response.status, typeof serve, typeof follow, served.status, typeof serveFiles({ root: "." }), std.status);
`,
  );
  writeConsumers(app, ROOT, Object.keys(manifest().exports));
});
after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function manifest() {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
}

/** Runs `command` in the app with `node` on PATH being the Node of `version`. */
function run(version: string, command: string, args: string[]) {
  const path = dirname(nodes[version]) + delimiter + process.env.PATH;
  return spawnSync(command, args, {
    cwd: join(project, "app"),
    env: { ...process.env, PATH: path, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 30_000,
  });
}

const bin = () => join(project, "app", "node_modules", ".bin", "fileserver");

for (const version of ["22.1", "24"]) {
  test(
    `npm package's fileserver --help and --version run on Node ${version}`,
    { skip: ONCE },
    () => {
      assert.match(run(version, "node", ["--version"]).stdout, new RegExp(`^v${version}\\.`));
      const help = run(version, bin(), ["--help"]);
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /fileserver/);
      assert.match(help.stdout, /--port/);
      const shown = run(version, bin(), ["--version"]);
      assert.match(shown.stdout, /^fileserver \d+\.\d+\.\d+/);
    },
  );

  test(`npm package's fileserver serves a file and exits 0 on SIGTERM on Node ${version}`, {
    skip: ONCE,
  }, () => {
    const result = run(version, "node", ["probe.mjs"]);
    assert.match(result.stdout, /^200 from the package\n/, result.stderr);
    assert.match(result.stdout, /exit 0/);
  });

  test(
    `npm package exports the core, the Node adapter, the client, hono and express on Node ${version}`,
    {
      skip: ONCE,
    },
    () => {
      const result = run(version, "node", ["import.mjs"]);
      assert.equal(result.stdout.trim(), "200 function function 200 function 200", result.stderr);
    },
  );
}

test("npm package's fileserver on Node 20 names the Node it needs in one line, exit 1", {
  skip: ONCE,
}, () => {
  assert.match(run("20", "node", ["--version"]).stdout, /^v20\./);
  for (const args of [["--help"], ["."]]) {
    const result = run("20", bin(), args);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "fileserver: needs Node 22.1.0 or later; this is Node 20.9.0\n",
    );
  }
});

test("package.json engines names the lowest Node the bin accepts", () => {
  assert.equal(manifest().engines?.node, ">=22.1.0");
  assert.equal(manifest().bin?.fileserver, "./dist/src/bin.js");
});

test("README's supported versions are package.json's engines and the runtimes the tests pin", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const { devDependencies: pinned, engines } = manifest();
  const minor = (version: string) => version.split(".").slice(0, 2).join(".");
  const row = (runtime: string) =>
    new RegExp(`^\\| ${runtime} +\\| (.+?) +\\| (.+?) +\\|$`, "m").exec(readme)?.slice(1);
  assert.equal(engines.node, ">=22.1.0");
  assert.deepEqual(row("Node"), [
    "≥ 22.1 (`engines.node`)",
    `22.1 and ${pinned.node.split(".")[0]} (the \`node\` devDependency, ${minor(pinned.node)})`,
  ]);
  assert.deepEqual(row("Deno"), [
    minor(pinned.deno),
    `${pinned.deno} (the \`deno\` devDependency)`,
  ]);
  assert.deepEqual(row("Bun"), [minor(pinned.bun), `${pinned.bun} (the \`bun\` devDependency)`]);
});

/** Runs the repo's tsc (TypeScript 6) on Node 24 over a consumer project in the app. */
function tsc(project: string, config = "tsconfig.json", ...flags: string[]) {
  const compiler = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  return run("24", "node", [compiler, "-p", join(project, config), "--pretty", "false", ...flags]);
}

for (const resolution of Object.keys(RESOLUTIONS)) {
  test(
    `npm package's types pass a strict consumer's tsc, moduleResolution ${resolution}, with hono and express`,
    { skip: ONCE },
    () => {
      const result = tsc(`types-${resolution}`);
      assert.equal(result.stdout + result.stderr, "");
      assert.equal(result.status, 0);
    },
  );
}

test("npm package's types make a consumer's tsc fail on a mistyped option", { skip: ONCE }, () => {
  // Proves the declarations are read and are not `any`: root must be a string.
  // The libraries were checked above; skipping them here halves the run.
  const result = tsc("types-node16", "tsconfig.wrong.json", "--skipLibCheck");
  assert.equal(result.status, 2, result.stderr);
  assert.match(
    result.stdout,
    /^types-node16\/wrong\.ts\(3,21\): error TS2322: Type 'number' is not assignable to type 'string'\.\n$/,
  );
});

/** The paths in the packed tarball, without its `package/` prefix. */
function packedFiles(): string[] {
  const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" });
  return listing.trim().split("\n").map((path) => path.replace(/^package\//, ""));
}

test(
  "npm package holds dist/, src/, mod.ts, README, LICENSE and nothing the repo keeps for itself",
  {
    skip: ONCE,
  },
  () => {
    const files = packedFiles();
    const tops = [...new Set(files.map((path) => path.split("/")[0]))].sort();
    assert.deepEqual(tops, ["LICENSE", "README.md", "dist", "mod.ts", "package.json", "src"]);
    for (const path of files) {
      assert.doesNotMatch(
        path,
        /(?:^|\/)(?:tests|bench|examples|scripts|docs|\.ci)\/|fixture/,
        path,
      );
    }
    assert.ok(files.includes("dist/src/bin.js"));
  },
);

test("npm package holds every export map target, a .d.ts for each types condition first", {
  skip: ONCE,
}, () => {
  const files = new Set(packedFiles());
  for (const [subpath, conditions] of Object.entries(manifest().exports)) {
    const targets = conditions as Record<string, string>;
    assert.deepEqual(Object.keys(targets), ["types", "deno", "bun", "default"], subpath);
    assert.equal(targets.types, targets.default.replace(/\.js$/, ".d.ts"), subpath);
    for (const target of Object.values(targets)) {
      assert.ok(files.has(target.replace(/^\.\//, "")), `${subpath}: ${target}`);
    }
  }
});
