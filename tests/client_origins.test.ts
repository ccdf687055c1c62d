import { test } from "node:test";
import assert from "node:assert/strict";
import { chainOf, createClient, follow } from "../src/client/mod.ts";
import {
  echo,
  localhostAlias,
  redirect,
  type Route,
  type Seen,
  startOrigin,
  stopAll,
} from "./_helpers/client_servers.ts";
import { basicGate } from "./_helpers/client_digest.ts";

const SECRETS = {
  authorization: "Bearer caller-token",
  "proxy-authorization": "Basic cHJveHk6cHc=",
  cookie: "session=1",
};

const secretsOf = (seen: Seen) => Object.keys(SECRETS).filter((name) => seen.headers.has(name));

test("follow() drops Authorization, Proxy-Authorization and Cookie when the port changes", async () => {
  const b = await startOrigin({ "/land": echo });
  const a = await startOrigin({ "/go": () => redirect(302, b.at("/land")) });
  try {
    const response = await follow(a.at("/go"), { headers: { ...SECRETS, "x-other": "kept" } });
    await response.body?.cancel();
    assert.deepEqual(secretsOf(a.seen[0]), Object.keys(SECRETS));
    assert.deepEqual(secretsOf(b.seen[0]), []);
    assert.equal(b.seen[0].headers.get("x-other"), "kept");
  } finally {
    await stopAll(a, b);
  }
});

test("follow() keeps Authorization and Cookie on a same-origin redirect", async () => {
  const a = await startOrigin({ "/go": () => redirect(301, "/land"), "/land": echo });
  try {
    const response = await follow(a.at("/go"), { headers: SECRETS });
    await response.body?.cancel();
    assert.deepEqual(secretsOf(a.seen[1]), Object.keys(SECRETS));
  } finally {
    await a.stop();
  }
});

test("follow() never sends the dropped headers again when A → B → A returns to the first origin", async () => {
  const routesB: Record<string, Route> = {};
  const b = await startOrigin(routesB);
  const a = await startOrigin({ "/start": () => redirect(302, b.at("/b")), "/back": echo });
  routesB["/b"] = () => redirect(307, a.at("/back"));
  try {
    const response = await follow(a.at("/start"), { headers: SECRETS });
    await response.body?.cancel();
    assert.deepEqual(chainOf(response).map((hop) => new URL(hop.url).origin), [
      a.origin,
      b.origin,
      a.origin,
    ]);
    assert.deepEqual(secretsOf(a.seen[0]), Object.keys(SECRETS));
    assert.deepEqual(secretsOf(b.seen[0]), []);
    assert.deepEqual(secretsOf(a.seen[1]), []);
  } finally {
    await stopAll(a, b);
  }
});

test("follow() drops the headers when only the host changes (127.0.0.1 → localhost)", async () => {
  const routes: Record<string, Route> = { "/land": echo };
  const a = await startOrigin(routes);
  // localhost is another origin on the same server when it resolves to
  // 127.0.0.1 here; otherwise a second server stands in for it.
  const alias = await localhostAlias(a);
  const other = alias === null ? await startOrigin({ "/land": echo }) : null;
  const target = alias === null ? other!.at("/land") : `${alias}/land`;
  routes["/go"] = () => redirect(308, target);
  try {
    const response = await follow(a.at("/go"), { headers: SECRETS });
    const landed = (other ?? a).seen.at(-1)!;
    assert.equal(new URL(response.url).host, new URL(target).host);
    await response.body?.cancel();
    assert.equal(landed.url.pathname, "/land");
    assert.deepEqual(secretsOf(landed), []);
  } finally {
    await stopAll(a, other);
  }
});

// A stand-in network for a scheme change, which local servers without a
// trusted certificate cannot show on every runtime.
function network(log: Array<[string, Headers]>, routes: Record<string, () => Response>) {
  return (input: string | URL | Request, init?: RequestInit) => {
    log.push([String(input), new Headers(init?.headers)]);
    return Promise.resolve(routes[String(input)]?.() ?? new Response("ok"));
  };
}

test("createClient() drops the headers when https: redirects to http: on the same host", async () => {
  const log: Array<[string, Headers]> = [];
  const client = createClient({
    fetch: network(log, { "https://site.test/": () => redirect(301, "http://site.test/") }),
  });
  const response = await client("https://site.test/", { headers: SECRETS });
  assert.equal(await response.text(), "ok");
  assert.equal(log[0][1].has("authorization"), true);
  assert.deepEqual(log.map(([url]) => url), ["https://site.test/", "http://site.test/"]);
  assert.deepEqual(Object.keys(SECRETS).filter((name) => log[1][1].has(name)), []);
});

test("createClient() strips the extra stripHeaders names across origins only", async () => {
  const b = await startOrigin({ "/land": echo });
  const a = await startOrigin({
    "/go": () => redirect(302, "/same"),
    "/same": () => redirect(302, b.at("/land")),
  });
  try {
    const client = createClient({ stripHeaders: ["X-Api-Key"] });
    const response = await client(a.at("/go"), { headers: { "x-api-key": "k", "x-trace": "t" } });
    await response.body?.cancel();
    assert.equal(a.seen[1].headers.get("x-api-key"), "k");
    assert.equal(b.seen[0].headers.get("x-api-key"), null);
    assert.equal(b.seen[0].headers.get("x-trace"), "t");
  } finally {
    await stopAll(a, b);
  }
});

test("follow() never sends credentials from a Location's userinfo", async () => {
  const gate = basicGate("evil", "pw", "b");
  const b = await startOrigin({ "/land": gate.route(echo) });
  const a = await startOrigin({
    "/go": () => redirect(302, b.at("/land").replace("//", "//evil:pw@")),
  });
  try {
    const response = await follow(a.at("/go"));
    assert.equal(response.status, 401);
    await response.body?.cancel();
    assert.equal(new URL(chainOf(response)[1].url).username, "");
    assert.deepEqual(gate.attempts, [null]);
  } finally {
    await stopAll(a, b);
  }
});

test("follow() uses the input URL's credentials for that origin only", async () => {
  const gateB = basicGate("me", "secret", "b");
  const b = await startOrigin({ "/land": gateB.route(echo) });
  const gateA = basicGate("me", "secret", "a");
  const a = await startOrigin({ "/go": gateA.route(() => redirect(302, b.at("/land"))) });
  try {
    const response = await follow(a.at("/go").replace("//", "//me:secret@"));
    assert.equal(response.status, 401);
    await response.body?.cancel();
    assert.deepEqual(chainOf(response).map((hop) => hop.status), [401, 302, 401]);
    // Not sent before the challenge, and never to B.
    assert.equal(gateA.attempts[0], null);
    assert.match(gateA.attempts[1] ?? "", /^Basic /);
    assert.deepEqual(gateB.attempts, [null]);
    assert.ok(chainOf(response).every((hop) => !hop.url.includes("secret")));
  } finally {
    await stopAll(a, b);
  }
});

test("createClient() chooses stored credentials per hop by the new URL's origin", async () => {
  const gateB = basicGate("bob", "b-pass", "b");
  const b = await startOrigin({ "/land": gateB.route(echo) });
  const gateA = basicGate("alice", "a-pass", "a");
  const a = await startOrigin({ "/go": gateA.route(() => redirect(302, b.at("/land"))) });
  try {
    const credentials = new Map<string | URL, { username: string; password: string }>([
      [a.origin, { username: "alice", password: "a-pass" }],
      [new URL(b.origin), { username: "bob", password: "b-pass" }],
    ]);
    const client = createClient({ credentials });
    const response = await client(a.at("/go"));
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.deepEqual(chainOf(response).map((hop) => hop.status), [401, 302, 401, 200]);
    // B saw first nothing, then its own credentials, never A's.
    assert.deepEqual(gateB.attempts.map((value) => value?.slice(0, 6) ?? null), [null, "Basic "]);
    assert.notEqual(gateB.attempts[1], gateA.attempts[1]);

    // Pre-emptive on the next call, to each origin with its own credentials.
    const again = await client(a.at("/go"));
    await again.body?.cancel();
    assert.deepEqual(chainOf(again).map((hop) => hop.status), [302, 200]);
  } finally {
    await stopAll(a, b);
  }
});

test("createClient() never sends remembered credentials to another origin", async () => {
  const gate = basicGate("u", "p", "a");
  const a = await startOrigin({ "/x/page": gate.route(echo) });
  const b = await startOrigin({ "/x/page": echo });
  try {
    const client = createClient({
      credentials: { origin: a.origin, username: "u", password: "p" },
    });
    const first = await client(a.at("/x/page"));
    await first.body?.cancel();
    const other = await client(b.at("/x/page"));
    assert.equal((await other.json()).authorization, null);
  } finally {
    await stopAll(a, b);
  }
});
