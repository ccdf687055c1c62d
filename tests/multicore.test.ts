/**
 * One process per core: `serve({ reusePort })` and `fileserver --reuse-port`
 * in two processes of the running runtime on one port, and the examples
 * that use every core (node:cluster, `deno serve --parallel`). Everything
 * goes through real processes and real sockets: whether a runtime shares
 * a port is checked here, not taken from its docs.
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { runtimeServe } from "./_helpers/adapter.ts";
import {
  cliCommand,
  type CliProcess,
  scriptCommand,
  sendSignal,
  startProcess,
  waitForOutput,
  waitForUrl,
} from "./_helpers/cli.ts";
import { buildFixture, RUNTIME } from "./_helpers/fixture.ts";
import {
  countBy,
  DENO_REUSE_PORT_FLAGS,
  denoParallelArgs,
  exitWithin,
  freePort,
  type FreshResponse,
  getFresh,
  getMany,
  listening,
  listeningSockets,
  startServerProcess,
} from "./_helpers/multicore.ts";

const fixture = buildFixture();
after(() => fixture.remove());

const serve = await runtimeServe();
const EXPECTED: Record<string, string> = {
  "/hello.txt": "hello world\n",
  "/data.json": '{"ok":true}\n',
  "/docs/readme.md": "# docs\n",
};
const PATHS = Object.keys(EXPECTED);
const REQUESTS = 200;
const EXAMPLES = fileURLToPath(new URL("../examples/", import.meta.url));

function assertBodies(results: Array<{ path: string; response: FreshResponse }>): void {
  for (const { path, response } of results) {
    assert.equal(response.status, 200, path);
    assert.equal(new TextDecoder().decode(response.body), EXPECTED[path], path);
  }
}

/**
 * Asserts that every one of `names` answered a fair share: SO_REUSEPORT
 * picks the listener by a hash of each connection's addresses and ports, so
 * with 200 fresh connections each of two gets about half; under a fifth
 * would mean the kernel is not spreading them.
 */
function assertSpread(counts: Map<string, number>, names: string[], total: number): void {
  assert.deepEqual([...counts.keys()].sort(), [...names].sort(), `answered by ${[...counts]}`);
  for (const name of names) {
    assert.ok(counts.get(name)! >= total / 5, `uneven: ${JSON.stringify([...counts])}`);
  }
}

/** SIGTERM, then exit status 0 after the `stopped` line (serve()'s finished). */
async function stopPolitely(server: CliProcess, stoppedLine: RegExp): Promise<void> {
  sendSignal(server, "SIGTERM");
  assert.equal(await exitWithin(server), 0, server.stderr());
  assert.match(server.stdout(), stoppedLine);
}

async function assertRefused(url: URL): Promise<void> {
  await assert.rejects(getFresh(url, "/hello.txt"), /ECONNREFUSED|refused/i);
}

test("serve() rejects a reusePort that is not a boolean with a TypeError", async () => {
  await assert.rejects(
    async () => await serve({ root: fixture.root, port: 0, reusePort: "yes" as never }),
    (error: Error) =>
      error instanceof TypeError && /"reusePort" must be a boolean/.test(error.message),
  );
});

test(
  "serve({ reusePort: true }) in two processes shares one port: both answer, bodies intact, each stops politely (Deno with --unstable-net)",
  async () => {
    const port = await freePort();
    const a = startServerProcess({ root: fixture.root, port, name: "a", reusePort: true });
    const b = startServerProcess({ root: fixture.root, port, name: "b", reusePort: true });
    try {
      const url = await listening(a);
      assert.equal((await listening(b)).href, url.href);
      // Two sockets: the kernel, not a process, picks who accepts.
      assert.equal(listeningSockets(port), 2);
      const results = await getMany(url, PATHS, REQUESTS);
      assertBodies(results);
      assertSpread(countBy(results, "x-served-by"), ["a", "b"], REQUESTS);

      // One process stopping leaves the port served: new connections all go
      // to the other one.
      await stopPolitely(a, /^stopped$/m);
      const rest = await getMany(url, PATHS, 50);
      assertBodies(rest);
      assert.deepEqual([...countBy(rest, "x-served-by")], [["b", 50]]);
      await stopPolitely(b, /^stopped$/m);
      await assertRefused(url);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGKILL");
    }
  },
);

test("serve() in a second process on a taken port fails with EADDRINUSE unless both set reusePort", async () => {
  for (const [first, second] of [[false, false], [true, false], [false, true]]) {
    const port = await freePort();
    const a = startServerProcess({ root: fixture.root, port, name: "a", reusePort: first });
    try {
      const url = await listening(a);
      const b = startServerProcess({ root: fixture.root, port, name: "b", reusePort: second });
      assert.equal(await exitWithin(b), 1, `reusePort ${first}, ${second}: ${b.stdout()}`);
      // serve() rejects with the runtime's error, which carries the same
      // code on all three.
      assert.match(b.stderr(), /^failed b EADDRINUSE /m);
      assert.doesNotMatch(b.stdout(), /listening/);
      const response = await getFresh(url, "/hello.txt");
      assert.equal(response.headers.get("x-served-by"), "a");
      await stopPolitely(a, /^stopped$/m);
    } finally {
      a.child.kill("SIGKILL");
    }
  }
});

test(
  "serve({ reusePort: true }) needs no flag on Bun and Node; on Deno 2.9 it needs --unstable-net, and without it serve() rejects with a TypeError naming the flag",
  async () => {
    const port = await freePort();
    const server = startServerProcess({
      root: fixture.root,
      port,
      name: "a",
      reusePort: true,
      denoFlags: [],
    });
    try {
      if (RUNTIME === "deno") {
        // Deno itself would end the process with exit 70 and a note on
        // stderr; the adapter refuses first, so the caller can handle it.
        assert.equal(await exitWithin(server), 1);
        assert.match(server.stderr(), /^failed a TypeError .*"reusePort" needs .*--unstable-net/m);
        return;
      }
      const url = await listening(server);
      assert.equal((await getFresh(url, "/hello.txt")).status, 200);
      await stopPolitely(server, /^stopped$/m);
    } finally {
      server.child.kill("SIGKILL");
    }
  },
);

test(
  "Deno.serve({ reusePort: true }) without --unstable-net ends the process with exit 70, which is why the Deno adapter checks first (Deno 2.9 only: Bun and Node have no such flag)",
  { skip: RUNTIME !== "deno" && "pins Deno's own behaviour" },
  async () => {
    const code = "Deno.serve({ port: 0, reusePort: true, onListen() {} }, () => new Response(''));";
    const deno = startProcess(process.execPath, ["eval", code]);
    assert.equal(await exitWithin(deno), 70);
    assert.match(deno.stderr(), /--unstable-net/);
  },
);

test(
  "Bun.serve() with development false and no reusePort lets a second process share the port, which is why the Bun adapter always passes reusePort (Bun 1.4.5 only)",
  { skip: RUNTIME !== "bun" && "pins Bun's own behaviour" },
  async () => {
    const port = await freePort();
    const code = `Bun.serve({ hostname: "127.0.0.1", port: ${port}, development: false, ` +
      'fetch: () => new Response("") }); console.log("listening"); setInterval(() => {}, 1000);';
    const [a, b] = [0, 1].map(() => startProcess(process.execPath, ["-e", code]));
    try {
      await waitForOutput(a, /^listening$/m);
      await waitForOutput(b, /^listening$/m);
      assert.equal(listeningSockets(port), 2);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGKILL");
    }
  },
);

function startCliWith(args: string[], denoFlags: string[]): CliProcess {
  const [command, argv] = cliCommand(args, denoFlags);
  return startProcess(command, argv);
}

test(
  "fileserver --reuse-port run twice shares the port: both answer, each exits 0 on SIGTERM (Deno with --unstable-net)",
  async () => {
    const port = String(await freePort());
    const common = [fixture.root, "--port", port, "--reuse-port", "--quiet"];
    const a = startCliWith([...common, "-H", "X-Served-By: a"], DENO_REUSE_PORT_FLAGS);
    const b = startCliWith([...common, "-H", "X-Served-By: b"], DENO_REUSE_PORT_FLAGS);
    try {
      const url = await waitForUrl(a);
      assert.equal((await waitForUrl(b)).href, url.href);
      assert.equal(listeningSockets(Number(port)), 2);
      const results = await getMany(url, PATHS, REQUESTS);
      assertBodies(results);
      assertSpread(countBy(results, "x-served-by"), ["a", "b"], REQUESTS);
      await stopPolitely(a, /^Stopped/m);
      await stopPolitely(b, /^Stopped/m);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGKILL");
    }
  },
);

test(
  "fileserver --reuse-port needs no flag on Bun and Node; on Deno 2.9 without --unstable-net it exits 2 naming the flag",
  async () => {
    const port = String(await freePort());
    const cli = startCliWith([fixture.root, "--port", port, "--reuse-port", "--quiet"], []);
    try {
      if (RUNTIME === "deno") {
        assert.equal(await exitWithin(cli), 2);
        assert.match(cli.stderr(), /^fileserver: .*--unstable-net/m);
        assert.doesNotMatch(cli.stderr(), /\bat .+:\d+:\d+/);
        return;
      }
      const url = await waitForUrl(cli);
      assert.equal((await getFresh(url, "/hello.txt")).status, 200);
      await stopPolitely(cli, /^Stopped/m);
    } finally {
      cli.child.kill("SIGKILL");
    }
  },
);

test("fileserver --reuse-port on a port held without SO_REUSEPORT exits 1 saying every process needs the flag", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
  const { port } = blocker.address() as { port: number };
  try {
    const cli = startCliWith(
      [fixture.root, "--port", String(port), "--reuse-port"],
      DENO_REUSE_PORT_FLAGS,
    );
    assert.equal(await exitWithin(cli), 1);
    assert.match(
      cli.stderr(),
      /^fileserver: .*in use \(every process sharing it needs --reuse-port\)$/m,
    );
  } finally {
    blocker.close();
  }
});

test(
  "examples/multicore_node.ts: node:cluster workers share the primary's socket without reusePort, each answers, SIGTERM to the primary stops all with 0 (Node only: the example is for Node)",
  { skip: RUNTIME !== "node" && "examples/multicore_node.ts runs under node only" },
  async () => {
    const port = await freePort();
    const [command, argv] = scriptCommand(`${EXAMPLES}multicore_node.ts`, [String(port)]);
    const primary = startProcess(command, argv);
    try {
      // One line per worker; os.availableParallelism() of them.
      const { availableParallelism } = await import("node:os");
      const workers = availableParallelism();
      const pattern = new RegExp(`(?:^worker \\d+ serving .*\\n){${workers}}`, "m");
      await waitForOutput(primary, pattern);
      const url = new URL(`http://127.0.0.1:${port}/`);
      // The primary's one socket: it accepts and hands each connection over.
      assert.equal(listeningSockets(port), 1);
      const results = await getMany(url, ["/style.css"], REQUESTS);
      for (const { response } of results) assert.equal(response.status, 200);
      const pids = [...primary.stdout().matchAll(/^worker (\d+) serving /gm)].map((m) => m[1]);
      assertSpread(countBy(results, "x-worker"), pids, REQUESTS);
      sendSignal(primary, "SIGTERM");
      assert.equal(await exitWithin(primary), 0, primary.stderr());
      await assertRefused(url);
    } finally {
      primary.child.kill("SIGKILL");
    }
  },
);

test(
  "examples/deno_parallel.ts under `deno serve --parallel`: two workers on one port, each answers (Deno only: deno serve is Deno's command)",
  { skip: RUNTIME !== "deno" && "`deno serve` exists on Deno only" },
  async () => {
    const port = await freePort();
    const server = startProcess(
      process.execPath,
      denoParallelArgs(port, `${EXAMPLES}deno_parallel.ts`),
      { env: { DENO_JOBS: "2" } },
    );
    try {
      // deno serve writes its banner on stderr.
      await waitForOutput(server, /Listening on \S+ with 2 threads/, 15_000, "stderr");
      const url = new URL(`http://127.0.0.1:${port}/`);
      // One socket that the worker threads accept from in turn, so the share
      // depends on which thread is idle: in 200 fresh connections the smaller
      // share was 4 to 93. Batches go on until both have answered.
      assert.equal(listeningSockets(port), 1);
      const workers = new Map<string, number>();
      for (let batch = 0; batch < 10 && workers.size < 2; batch++) {
        const results = await getMany(url, ["/style.css"], REQUESTS);
        for (const { response } of results) assert.equal(response.status, 200);
        for (const [worker, count] of countBy(results, "x-worker")) {
          workers.set(worker, (workers.get(worker) ?? 0) + count);
        }
      }
      assert.equal(workers.size, 2, JSON.stringify([...workers]));
      sendSignal(server, "SIGTERM");
      assert.equal(await exitWithin(server), 0, server.stderr());
      await assertRefused(url);
    } finally {
      server.child.kill("SIGKILL");
    }
  },
);
