import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

// Node does not strip types inside node_modules, so the npm package must run
// as compiled JavaScript: pack it, install the tarball into an empty
// project, and run its `fileserver` with Node 24.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE_BIN = join(ROOT, "node_modules", ".bin");
const env = { ...process.env, PATH: NODE_BIN + delimiter + process.env.PATH, NO_COLOR: "1" };
let project = "";

before(() => {
  project = mkdtempSync(join(tmpdir(), "fileserver-npm-"));
  const packed = join(project, "packed");
  mkdirSync(packed);
  execFileSync("npm", ["pack", "--silent", "--pack-destination", packed], {
    cwd: ROOT,
    env,
    stdio: "pipe",
  });
  const tarball = join(packed, readdirSync(packed).find((name) => name.endsWith(".tgz"))!);
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
});
after(() => rmSync(project, { recursive: true, force: true }));

function run(command: string, args: string[]): string {
  return execFileSync(command, args, {
    cwd: join(project, "app"),
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
}

test("npm package runs its fileserver bin with Node 24", () => {
  const version = run(join(project, "app", "node_modules", ".bin", "fileserver"), ["--version"]);
  assert.match(version, /^fileserver \d+\.\d+\.\d+/);
  const nodeVersion = run("node", ["--version"]);
  assert.match(nodeVersion, /^v24\./);
});

test("npm package serves a folder from its compiled bin", () => {
  const app = join(project, "app");
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
  const output = run("node", ["probe.mjs"]);
  assert.match(output, /^200 from the package\n/);
  assert.match(output, /exit 0/);
});

test("npm package exports the core and the Node adapter as JavaScript", () => {
  const app = join(project, "app");
  writeFileSync(
    join(app, "import.mjs"),
    `import { createFileHandler } from "@seed/fileserver";
import { serve, nodeFileSystem } from "@seed/fileserver/node";
import { follow } from "@seed/fileserver/client";
const handler = createFileHandler({ root: process.cwd(), fs: nodeFileSystem() });
const response = await handler(new Request("http://localhost/hello.txt"));
console.log(response.status, typeof serve, typeof follow);
`,
  );
  assert.equal(run("node", ["import.mjs"]).trim(), "200 function function");
});
