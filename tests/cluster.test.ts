/**
 * Beyond one machine (issue 15): three replicas (Deno, Bun, Node) behind
 * haproxy (deploy/haproxy.cfg) and Varnish (deploy/varnish.vcl), started by
 * deploy/cluster.ts as `npm run cluster` starts them, all real processes on
 * 127.0.0.1. It starts all three runtimes itself, so it runs once, under
 * node --test; deno test and bun test report it as skipped.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  acceptsContentEtag,
  type Cluster,
  missingTools,
  type Replica,
  startCluster,
} from "../deploy/cluster.ts";
import { killGroup, startProcess, waitForOutput } from "./_helpers/cli.ts";
import { pattern } from "./_helpers/fixture.ts";
import { sha256, steadyLoad } from "./_helpers/steady_load.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ONCE = process.versions.bun || process.versions.deno
  ? "runs once, under node --test (it starts all three runtimes itself)"
  : false;
const missing = ONCE ? [] : missingTools();
// CI sets FILESERVER_SYSTEM_TOOLS=1 after installing them: there a missing
// haproxy or varnishd fails the test instead of skipping it.
const skip = ONCE ||
  (missing.length > 0 && process.env.FILESERVER_SYSTEM_TOOLS !== "1" &&
    `${missing.join(" and ")} not installed (bash .ci/run installs haproxy and varnish)`);
const contentEtag = !skip && acceptsContentEtag();
const sameEtagSkip = skip ||
  (!contentEtag &&
    "fileserver has no --etag content yet: replicas with different mtimes send different ETags");

const RATE = 200;
const LOAD_MS = 15_000;
const NAMES = ["deno", "bun", "node"];
const site = mkdtempSync(join(tmpdir(), "cluster-site-"));
const SMALL = new Uint8Array(1024).fill(97);
const MEDIUM = pattern(256 * 1024);
const BIG_A = pattern(2 * 1024 * 1024);
const BIG_B = BIG_A.map((byte) => 255 - byte);
writeFileSync(join(site, "index.html"), "<!doctype html><title>cluster</title>\n");
writeFileSync(join(site, "small.txt"), SMALL);
writeFileSync(join(site, "medium.bin"), MEDIUM);
writeFileSync(join(site, "big.bin"), BIG_A);
writeFileSync(join(site, "short.txt"), "fresh for one second\n");
const EXPECTED = {
  "/small.txt": sha256(SMALL),
  "/medium.bin": sha256(MEDIUM),
  "/index.html": sha256(new TextEncoder().encode("<!doctype html><title>cluster</title>\n")),
};

let cluster: Cluster;
before(async () => {
  if (skip) return;
  cluster = await startCluster({ dir: site, serverArgs: ["--cache", "short.txt=max-age=1"] });
});
after(async () => {
  await cluster?.stop();
  rmSync(site, { recursive: true, force: true });
});

async function get(url: URL, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

function replica(name: string): Replica {
  return cluster.replicas.find((r) => r.name === name)!;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

test("haproxy sends one path to every replica, each with the whole body", { skip }, async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 9; i++) {
    const answer = await get(new URL("/small.txt", cluster.haproxyUrl));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, SMALL);
    seen.add(answer.headers.get("x-replica")!);
  }
  assert.deepEqual([...seen].sort(), [...NAMES].sort());
});

test("every replica sends the same ETag, and answers another's with 304", {
  skip: sameEtagSkip,
}, async () => {
  const tags = new Map<string, string>();
  for (let i = 0; i < 9; i++) {
    const answer = await get(new URL("/medium.bin", cluster.haproxyUrl));
    tags.set(answer.headers.get("x-replica")!, answer.headers.get("etag")!);
  }
  assert.equal(new Set(tags.values()).size, 1, JSON.stringify([...tags]));
  for (const [from, tag] of tags) {
    const answered = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await get(new URL("/medium.bin", cluster.haproxyUrl), {
        "if-none-match": tag,
      });
      assert.equal(answer.status, 304, `${from}'s tag`);
      answered.add(answer.headers.get("x-replica")!);
    }
    assert.equal(answered.size, 3);
  }
});

/**
 * Runs `body` against a cluster whose replicas agree on ETags: the shared
 * one with --etag content; without it, a cluster of one replica, since
 * round robin would send each conditional fetch to a replica whose mtime,
 * and so ETag, differs.
 */
async function withAgreeingEtags(body: (c: Cluster) => Promise<void>): Promise<void> {
  if (contentEtag) return body(cluster);
  const one = await startCluster({
    dir: site,
    runtimes: ["node"],
    serverArgs: ["--cache", "short.txt=max-age=1"],
  });
  try {
    await body(one);
  } finally {
    await one.stop();
  }
}

test(
  "Varnish revalidates an expired file with If-None-Match: a replica answers 304, the cache the body",
  {
    skip,
  },
  async () => {
    await withAgreeingEtags(async (c) => {
      const url = new URL("/short.txt", c.url);
      const first = await get(url);
      assert.equal(first.status, 200);
      await sleep(1500);
      // Within Varnish's grace the stale copy is served while it revalidates
      // in the background; the next answers carry the refreshed object.
      let by: string | null = null;
      for (let i = 0; i < 40 && by === null; i++) {
        const answer = await get(url);
        assert.equal(answer.status, 200);
        assert.equal(new TextDecoder().decode(answer.body), "fresh for one second\n");
        by = answer.headers.get("x-revalidated-by");
        if (by === null) await sleep(100);
      }
      const replica = c.replicas.find((r) => r.name === by);
      assert.ok(replica !== undefined, String(by));
      await logged(replica, /"GET \/short\.txt HTTP\/1\.1" 304 /);
    });
  },
);

test(
  "Varnish stores a no-cache file and revalidates it on each request (304, body from the cache)",
  {
    skip,
  },
  async () => {
    await withAgreeingEtags(async (c) => {
      const url = new URL("/index.html", c.url);
      const first = await get(url);
      assert.match(first.headers.get("cache-control") ?? "", /no-cache/);
      for (let i = 0; i < 3; i++) {
        const again = await get(url);
        assert.equal(again.status, 200);
        assert.equal(sha256(again.body), EXPECTED["/index.html"]);
        const by = again.headers.get("x-revalidated-by");
        const replica = c.replicas.find((r) => r.name === by);
        assert.ok(replica !== undefined, `not revalidated: ${[...again.headers]}`);
        await logged(replica, /"GET \/index\.html HTTP\/1\.1" 304 /);
      }
    });
  },
);

test("a Range request through Varnish gets the right bytes, cached or not", { skip }, async () => {
  const url = new URL("/big.bin", cluster.url);
  for (const [range, start, end] of [["bytes=1000-1999", 1000, 2000], ["bytes=-100", -100, 0]]) {
    for (let i = 0; i < 2; i++) {
      const answer = await get(url, { range: String(range) });
      assert.equal(answer.status, 206, `${range} #${i}`);
      const want = BIG_A.slice(Number(start), Number(end) || undefined);
      assert.deepEqual(answer.body, want, `${range} #${i}`);
    }
  }
});

/**
 * Waits (up to 2 s) for `line` in a replica's access log: the replica logs
 * an exchange once its response is over, which can be just after the
 * client has the answer.
 */
async function logged(replica: { log(): string }, line: RegExp): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!line.test(replica.log()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.match(replica.log(), line);
}

/** Waits until `name` answers through haproxy again (bounded). */
async function backInRotation(name: string): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 300; i++) {
    const answer = await get(new URL("/small.txt", cluster.haproxyUrl));
    if (answer.headers.get("x-replica") === name) return performance.now() - start;
    await sleep(50);
  }
  throw new Error(`${name} not back in rotation after 300 tries (15 s or more)`);
}

test("rolling restart under 200 requests/s: SIGTERM and restart each replica, no request fails", {
  skip,
}, async (t) => {
  const stop = new AbortController();
  const load = steadyLoad(cluster.haproxyUrl, EXPECTED, { rate: RATE, stop: stop.signal });
  const start = performance.now();
  await sleep(1000);
  for (const name of NAMES) {
    const r = replica(name);
    const stopping = performance.now();
    assert.equal(await r.stop("SIGTERM"), 0, r.log().slice(-2000));
    const stopped = performance.now();
    await r.start();
    const back = await backInRotation(name);
    t.diagnostic(
      `${name}: exited ${Math.round(stopped - stopping)} ms after SIGTERM, ` +
        `back in rotation ${Math.round(back)} ms after it listened again`,
    );
  }
  await sleep(Math.max(1000, LOAD_MS - (performance.now() - start)));
  stop.abort();
  const result = await load;
  // How haproxy learnt of each polite shutdown: a failed health check
  // ("Layer4 connection problem") or live traffic refused (observe layer4).
  for (const line of cluster.proxyLog().split("\n")) {
    if (/is DOWN/.test(line)) t.diagnostic(`haproxy: ${line.replace(/^.*?Server /, "")}`);
  }
  t.diagnostic(
    `${result.sent} requests in ${Math.round(performance.now() - start)} ms, ${result.ok} ok, ` +
      `${result.failures.length} failed; per replica ${JSON.stringify(result.replicas)}`,
  );
  assert.deepEqual(result.failures, []);
  assert.equal(result.ok, result.sent);
});

test("a replica lost (SIGKILL) under 200 requests/s: haproxy's retries hide it", {
  skip,
}, async (t) => {
  const stop = new AbortController();
  const load = steadyLoad(cluster.haproxyUrl, EXPECTED, { rate: RATE, stop: stop.signal });
  const start = performance.now();
  await sleep(2000);
  const r = replica("bun");
  const killedAt = performance.now() - start;
  await r.stop("SIGKILL");
  await sleep(3000);
  const restartAt = performance.now();
  await r.start();
  const back = await backInRotation("bun");
  t.diagnostic(
    `bun back in rotation ${Math.round(performance.now() - restartAt)} ms after the restart ` +
      `began (${Math.round(back)} ms after it listened)`,
  );
  await sleep(1000);
  stop.abort();
  const result = await load;
  const late = result.failures.filter((f) => f.at >= killedAt);
  const lastFailure = late.length === 0 ? 0 : Math.max(...late.map((f) => f.at)) - killedAt;
  t.diagnostic(
    `${result.sent} requests, ${result.ok} ok, ${result.failures.length} failed ` +
      `(last ${Math.round(lastFailure)} ms after the kill): ${
        JSON.stringify(result.failures.slice(0, 5))
      }; per replica ${JSON.stringify(result.replicas)}`,
  );
  const down = cluster.proxyLog().split("\n").findLast((line) =>
    /replicas\/bun is DOWN/.test(line)
  );
  t.diagnostic(`haproxy: ${down ?? "never marked bun down"}`);
  assert.deepEqual(result.failures, []);
});

/**
 * Fetches `path` in `piece`-byte ranges, each after the first with
 * If-Range: the first piece's ETag; a 200 (the file changed) is taken whole.
 */
async function fetchInPieces(url: URL, size: number, piece: number): Promise<Uint8Array> {
  const first = await get(url, { range: `bytes=0-${piece - 1}` });
  assert.equal(first.status, 206);
  const tag = first.headers.get("etag")!;
  const parts = [first.body];
  for (let offset = piece; offset < size; offset += piece) {
    const answer = await get(url, {
      range: `bytes=${offset}-${offset + piece - 1}`,
      "if-range": tag,
    });
    if (answer.status === 200) return answer.body;
    assert.equal(answer.status, 206);
    assert.equal(answer.headers.get("etag"), tag);
    parts.push(answer.body);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

test(
  "a file replaced on one replica only is never served as a mix of versions (Range + If-Range)",
  {
    skip,
  },
  async (t) => {
    const url = new URL("/big.bin", cluster.haproxyUrl);
    const versions = new Map([[sha256(BIG_A), "A"], [sha256(BIG_B), "B"]]);
    const seen: Record<string, number> = { A: 0, B: 0 };
    let done = false;
    const client = async () => {
      while (!done) {
        const body = await fetchInPieces(url, BIG_A.length, 256 * 1024);
        const version = versions.get(sha256(body));
        assert.ok(version !== undefined, `a body of ${body.length} bytes that is neither version`);
        seen[version]++;
      }
    };
    const clients = [client(), client(), client(), client()];
    await sleep(1000);
    // A deploy in progress: the new version lands on the node replica only,
    // written beside the old one and renamed over it.
    const target = join(replica("node").root, "big.bin");
    writeFileSync(`${target}.new`, BIG_B);
    renameSync(`${target}.new`, target);
    await sleep(2000);
    done = true;
    await Promise.all(clients);
    t.diagnostic(`bodies: ${JSON.stringify(seen)}`);
    assert.ok(seen.A > 0 && seen.B > 0, JSON.stringify(seen));
    writeFileSync(target, BIG_A);
  },
);

test(
  "deploy/local.sh (npm run cluster) prints the URL, serves it, and stops everything on SIGINT",
  {
    skip,
    // Bounded: a script that does not stop on the signal fails the test.
    timeout: 90_000,
  },
  async () => {
    // The one command of the README: bash, which execs npm, which runs the
    // script; the signal goes to the pid that was started.
    const script = startProcess("bash", [join(ROOT, "deploy", "local.sh"), site, "--port", "0"], {
      cwd: ROOT,
      env: { npm_config_update_notifier: "false" },
      detached: true,
    });
    try {
      await waitForOutput(script, /Ctrl\+C/, 60_000);
      const urls = [...script.stdout().matchAll(/http:\/\/127\.0\.0\.1:\d+\//g)].map((m) => m[0]);
      assert.equal(urls.length, 5, script.stdout());
      const temp = /temp:\s+(\S+)/.exec(script.stdout())![1];
      const answer = await get(new URL("/small.txt", urls[0]));
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("x-cache") !== null, true);
      process.kill(script.child.pid!, "SIGINT");
      const exited = await Promise.race([
        script.exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve("still running after 20 s"), 20_000)
        ),
      ]);
      assert.equal(exited, 0, script.stderr());
      assert.equal(existsSync(temp), false);
      for (const url of urls) {
        await assert.rejects(fetch(url, { signal: AbortSignal.timeout(2000) }), url);
      }
    } finally {
      // Whatever happened, nothing of the chain is left running.
      killGroup(script);
    }
  },
);

test("deploy/fileserver.service passes systemd-analyze verify", {
  skip: ONCE ||
    (spawnSync("systemd-analyze", ["--version"]).status !== 0 &&
      "systemd-analyze is not installed"),
}, () => {
  // verify insists that ExecStart's binary exists: the unit's /usr/bin/deno
  // is swapped for the clone's, in a copy.
  const dir = mkdtempSync(join(tmpdir(), "cluster-unit-"));
  try {
    const unit = join(dir, "fileserver.service");
    const deno = join(ROOT, "node_modules", ".bin", "deno");
    const text = readFileSync(join(ROOT, "deploy", "fileserver.service"), "utf8");
    assert.match(text, /^ExecStart=\/usr\/bin\/deno /m);
    writeFileSync(unit, text.replace(/^ExecStart=\/usr\/bin\/deno /m, `ExecStart=${deno} `));
    const result = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
