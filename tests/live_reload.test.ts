// serve({ liveReload: true }) and `fileserver --watch` on the running
// runtime (issue 14 §3): the watcher, the event stream on the reserved
// path, debouncing, reconnection after a restart, polite shutdown with
// open streams, and the CLI flag (off by default).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeServe } from "./_helpers/adapter.ts";
import { openEvents, type ServerEvent } from "./_helpers/events.ts";
import { sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";
import {
  ignored,
  LIVE_PATH,
  LIVE_SCRIPT_PATH,
  LIVE_SNIPPET,
} from "../src/adapters/_live_reload.ts";
import { TreeWatcher } from "../src/adapters/_tree_watcher.ts";
import type { ServeOptions, Server } from "../src/adapters/_serve_options.ts";
import { parseCommandLine } from "../src/cli/args.ts";
import { HELP } from "../src/cli/help.ts";

const PAGE = "<!doctype html><html><body><h1>Hi</h1></body></html>\n";
const serve = await runtimeServe();
let root = "";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-live-")));
  writeFileSync(join(root, "index.html"), PAGE);
  writeFileSync(join(root, "style.css"), "h1 { color: teal }\n");
  mkdirSync(join(root, "sub"));
});
after(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withServer(
  options: Partial<ServeOptions>,
  run: (server: Server) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const server = await serve({
    root,
    port: 0,
    liveReload: true,
    signal: controller.signal,
    ...options,
  });
  try {
    await run(server);
  } finally {
    controller.abort();
    await server.finished;
  }
}

// The first event of a new stream, after which the watcher has had time to
// set its watches (Node's recursive watcher walks the tree asynchronously).
async function connected(server: Server, headers: HeadersInit = {}) {
  const events = await openEvents(new URL(LIVE_PATH, server.url), headers);
  const hello = await events.next();
  await sleep(250);
  return { events, hello };
}

async function nextChange(events: { next(ms?: number): Promise<ServerEvent> }) {
  const event = await events.next(5_000);
  assert.equal(event.event, "change", JSON.stringify(event));
  return JSON.parse(event.data).paths as string[];
}

test("serve() liveReload: the stream opens with retry, an id and a hello", async () => {
  await withServer({}, async (server) => {
    const { events, hello } = await connected(server);
    assert.equal(events.response.status, 200);
    assert.equal(events.response.headers.get("content-type"), "text/event-stream");
    assert.match(events.response.headers.get("cache-control") ?? "", /no-store/);
    assert.equal(hello.event, "hello");
    assert.ok(hello.retry !== null && hello.retry > 0);
    assert.match(hello.id ?? "", /^\w+-0$/);
    await events.close();
  });
});

test("serve() liveReload: file create, change and delete are pushed with their URL paths", async () => {
  await withServer({}, async (server) => {
    const { events } = await connected(server);
    writeFileSync(join(root, "sub", "new page.html"), "<p>new</p>");
    assert.deepEqual(await nextChange(events), ["/sub/new%20page.html"]);
    await sleep(150);
    writeFileSync(join(root, "style.css"), "h1 { color: red }\n");
    assert.deepEqual(await nextChange(events), ["/style.css"]);
    await sleep(150);
    unlinkSync(join(root, "sub", "new page.html"));
    assert.deepEqual(await nextChange(events), ["/sub/new%20page.html"]);
    await events.close();
  });
});

test("serve() liveReload: each of repeated atomic saves (write, rename over) is reported", async () => {
  await withServer({}, async (server) => {
    const { events } = await connected(server);
    for (const text of ["a", "b", "c"]) {
      // What editors do; the temporary name is a dotfile, left out.
      writeFileSync(join(root, "sub", ".saved.html.tmp"), text);
      renameSync(join(root, "sub", ".saved.html.tmp"), join(root, "sub", "saved.html"));
      assert.deepEqual(await nextChange(events), ["/sub/saved.html"], `save ${text}`);
      await sleep(150);
    }
    await events.close();
  });
});

test("serve() liveReload: a folder made after start is watched, a removed one forgotten", async () => {
  await withServer({}, async (server) => {
    const { events } = await connected(server);
    mkdirSync(join(root, "fresh"));
    assert.deepEqual(await nextChange(events), ["/fresh"]);
    await sleep(150);
    writeFileSync(join(root, "fresh", "x.txt"), "x");
    assert.deepEqual(await nextChange(events), ["/fresh/x.txt"]);
    await sleep(150);
    rmSync(join(root, "fresh"), { recursive: true });
    const gone = await nextChange(events);
    assert.ok(gone.includes("/fresh"), JSON.stringify(gone));
    assert.ok(gone.every((path) => path.startsWith("/fresh")), JSON.stringify(gone));
    await events.close();
  });
});

test("serve() liveReload: a burst of writes is one event; dotfiles and node_modules are left out", async () => {
  await withServer({}, async (server) => {
    const { events } = await connected(server);
    mkdirSync(join(root, "node_modules"), { recursive: true });
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(root, `burst-${i}.txt`), String(i));
      writeFileSync(join(root, `.burst-${i}.swp`), String(i));
      writeFileSync(join(root, "node_modules", `m${i}.js`), String(i));
    }
    const paths = await nextChange(events);
    assert.deepEqual(paths, [0, 1, 2, 3, 4].map((i) => `/burst-${i}.txt`));
    const more = await events.collect(400);
    assert.deepEqual(more.filter((e) => e.event === "change"), [], "one event for the burst");
    await events.close();
  });
});

test("serve() liveReload: a file written without pause gets news while the writes go on", async () => {
  await withServer({}, async (server) => {
    const { events } = await connected(server);
    const started = Date.now();
    let writes = 0;
    const writer = setInterval(() => writeFileSync(join(root, "log.txt"), String(writes++)), 20);
    try {
      const first = await events.next(3_000);
      assert.equal(first.event, "change");
      assert.ok(Date.now() - started < 1_000, `first news after ${Date.now() - started} ms`);
      assert.equal((await events.next(3_000)).event, "change");
    } finally {
      clearInterval(writer);
    }
    await events.close();
  });
});

test("serve() liveReload: many streams at once each get the event", async () => {
  await withServer({}, async (server) => {
    const tabs = await Promise.all([1, 2, 3].map(() => connected(server)));
    writeFileSync(join(root, "index.html"), PAGE.replace("Hi", "Hello"));
    for (const { events } of tabs) assert.deepEqual(await nextChange(events), ["/index.html"]);
    await Promise.all(tabs.map(({ events }) => events.close()));
  });
});

test("serve() liveReload: a stream reconnecting from another server start gets reload", async () => {
  let oldId = "";
  await withServer({}, async (server) => {
    const { events, hello } = await connected(server);
    oldId = hello.id!;
    await events.close();
  });
  await withServer({}, async (server) => {
    const url = new URL(LIVE_PATH, server.url);
    const again = await openEvents(url, { "last-event-id": oldId });
    assert.equal((await again.next()).event, "reload");
    await again.close();
    // The same server and no change since: no reload.
    const { events, hello } = await connected(server);
    await events.close();
    const same = await openEvents(url, { "last-event-id": hello.id! });
    assert.equal((await same.next()).event, "hello");
    await same.close();
  });
});

test("serve() liveReload: an event stream outlives idleTimeoutMs", async () => {
  // Bun 1.4.5 ends a streamed response at its idle timeout (on a 4 s
  // clock) even while it sends, unless exempted.
  await withServer({ idleTimeoutMs: 1_000 }, async (server) => {
    const { events } = await connected(server);
    assert.equal(await events.ended(6_000), false, "the stream was ended");
    writeFileSync(join(root, "sub", "late.txt"), "late");
    assert.deepEqual(await nextChange(events), ["/sub/late.txt"]);
    await events.close();
  });
});

test("serve() liveReload: paths in events are under urlRoot", async () => {
  await withServer({ urlRoot: "/static/" }, async (server) => {
    const { events } = await connected(server);
    writeFileSync(join(root, "sub", "under.css"), "p {}");
    assert.deepEqual(await nextChange(events), ["/static/sub/under.css"]);
    await events.close();
    const page = await fetch(new URL("/static/", server.url));
    assert.ok((await page.text()).includes(LIVE_SNIPPET));
  });
});

test("serve() liveReload: HTML gets the script tag, the script is served, other files untouched", async () => {
  await withServer({}, async (server) => {
    const page = await fetch(server.url);
    const body = await page.text();
    assert.ok(body.includes(LIVE_SNIPPET + "</body>"), body);
    assert.equal(page.headers.get("content-length"), String(new TextEncoder().encode(body).length));
    const script = await fetch(new URL(LIVE_SCRIPT_PATH, server.url));
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.match(await script.text(), /new EventSource\("\/\.fileserver\/live"\)/);
    const css = await fetch(new URL("/style.css", server.url));
    assert.doesNotMatch(await css.text(), /script/);
    const post = await fetch(new URL(LIVE_PATH, server.url), { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});

test("serve() liveReload: abort ends open streams at once, not after gracePeriodMs", async () => {
  const controller = new AbortController();
  const server = await serve({
    root,
    port: 0,
    liveReload: true,
    signal: controller.signal,
    gracePeriodMs: 10_000,
  });
  const tabs = await Promise.all([1, 2].map(() => connected(server)));
  const started = Date.now();
  controller.abort();
  await server.finished;
  const took = Date.now() - started;
  assert.ok(took < 1_000, `finished after ${took} ms`);
  for (const { events } of tabs) {
    assert.ok(await events.ended(1_000), "stream still open");
    await events.close();
  }
});

test("serve() without liveReload: no script tag, and the reserved path is a normal 404", async () => {
  await withServer({ liveReload: false }, async (server) => {
    const body = await (await fetch(server.url)).text();
    assert.equal(body, await (await fetch(new URL("/index.html", server.url))).text());
    assert.doesNotMatch(body, /fileserver/);
    for (const path of [LIVE_PATH, LIVE_SCRIPT_PATH]) {
      const response = await fetch(new URL(path, server.url));
      assert.equal(response.status, 404);
      await response.body?.cancel();
    }
  });
});

test("serve() liveReload: refused with a handler, or when not a boolean", async () => {
  const handler = () => new Response("x");
  await assert.rejects(() => serve({ handler, port: 0, liveReload: true }), TypeError);
  await assert.rejects(
    () => serve({ root, port: 0, liveReload: "yes" as unknown as boolean }),
    TypeError,
  );
});

test("TreeWatcher reports a root it cannot watch once, through onError", async () => {
  for (const recursive of [false, true]) {
    const errors: string[] = [];
    const watcher = new TreeWatcher(join(root, "no-such-folder"), {
      onChange: () => {},
      ignored: () => false,
      onError: (error, folder) => errors.push(`${(error as { code?: string }).code} "${folder}"`),
      recursive,
    });
    // Some runtimes report it at once, others a moment later.
    await sleep(200);
    watcher.close();
    assert.deepEqual(errors, ['ENOENT ""'], `recursive: ${recursive}`);
  }
});

test("ignored() leaves out dotfiles, node_modules and ~ backups", () => {
  assert.equal(ignored(".git/index"), true);
  assert.equal(ignored("a/.b.swp"), true);
  assert.equal(ignored("node_modules/x/y.js"), true);
  assert.equal(ignored("index.html~"), true);
  assert.equal(ignored("a/b.css"), false);
});

test("parseCommandLine() reads --watch and -w, off by default; HELP documents it", () => {
  const watch = (args: string[]) => {
    const parsed = parseCommandLine(args);
    return parsed.command === "serve" && parsed.watch;
  };
  assert.equal(watch([]), false);
  assert.equal(watch(["--watch"]), true);
  assert.equal(watch(["-w", "site"]), true);
  assert.match(HELP, /-w, --watch\s+live reload/);
});

test("fileserver --watch: pages get the script, the stream outlives --idle-timeout and reports a change", async () => {
  const cli = startCli(["--watch", "--port", "0", "--idle-timeout", "1", root]);
  try {
    const url = await waitForUrl(cli);
    assert.match(cli.stdout(), /Live reload/);
    assert.ok((await (await fetch(url)).text()).includes(LIVE_SNIPPET));
    const events = await openEvents(new URL(LIVE_PATH, url));
    assert.equal((await events.next()).event, "hello");
    // Past the idle timeout (Bun's 4 s clock included), the stream is open.
    assert.equal(await events.ended(5_500), false, "the stream was ended");
    writeFileSync(join(root, "sub", "cli.txt"), "changed");
    assert.deepEqual(await nextChange(events), ["/sub/cli.txt"]);
    // With the access log on (its wrapper counts the stream's bytes), the
    // stream still ends at once, and the grace period (10 s) is not waited.
    const stopping = Date.now();
    sendSignal(cli, "SIGTERM");
    assert.ok(await events.ended(2_000), "the stream outlived the server");
    await events.close();
    assert.equal(await cli.exited, 0);
    assert.ok(Date.now() - stopping < 3_000, `stopped after ${Date.now() - stopping} ms`);
    assert.match(cli.stdout(), /GET \/\.fileserver\/live HTTP\/1\.1" 200/);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  }
});

test("fileserver without --watch: no script tag, the reserved path is a normal 404", async () => {
  const cli = startCli(["--port", "0", "--quiet", root]);
  try {
    const url = await waitForUrl(cli);
    assert.doesNotMatch(cli.stdout(), /Live reload/);
    assert.doesNotMatch(await (await fetch(url)).text(), /fileserver/);
    const response = await fetch(new URL(LIVE_PATH, url));
    assert.equal(response.status, 404);
    await response.body?.cancel();
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  }
});
