import { test } from "node:test";
import assert from "node:assert/strict";
import { chainOf, createClient, follow } from "../src/client/mod.ts";
import {
  ForbiddenSchemeError,
  InvalidLocationError,
  NetworkError,
  TooManyRedirectsError,
  UnexpectedRedirectError,
} from "../src/client/errors.ts";
import { echo, redirect, type Seen, startOrigin, stopAll } from "./_helpers/client_servers.ts";

const statuses = (response: Response) => chainOf(response).map((hop) => hop.status);

for (const status of [301, 302, 303, 307, 308]) {
  test(`follow() follows a ${status} with a Location to its target`, async () => {
    const a = await startOrigin({ "/from": () => redirect(status, "/to"), "/to": echo });
    try {
      const response = await follow(a.at("/from"));
      assert.equal(response.status, 200);
      assert.equal((await response.json()).path, "/to");
      assert.equal(response.redirected, true);
      assert.equal(response.url, a.at("/to"));
      assert.deepEqual(chainOf(response), [
        { url: a.at("/from"), method: "GET", status },
        { url: a.at("/to"), method: "GET", status: 200 },
      ]);
    } finally {
      await a.stop();
    }
  });
}

test("follow() returns 300, 304, 305 and 306 as results even with a Location", async () => {
  const a = await startOrigin({
    "/to": echo,
    "/300": () => redirect(300, "/to"),
    "/304": () => new Response(null, { status: 304, headers: { location: "/to" } }),
    "/305": () => redirect(305, "/to"),
    "/306": () => redirect(306, "/to"),
  });
  try {
    for (const status of [300, 304, 305, 306]) {
      const response = await follow(a.at(`/${status}`));
      await response.body?.cancel();
      assert.equal(response.status, status);
      assert.equal(response.redirected, false);
      assert.deepEqual(statuses(response), [status]);
    }
    assert.equal(a.seen.filter((seen) => seen.url.pathname === "/to").length, 0);
  } finally {
    await a.stop();
  }
});

test("follow() returns a 3xx without a Location as the result", async () => {
  const a = await startOrigin({ "/bare": () => new Response("no where", { status: 302 }) });
  try {
    const response = await follow(a.at("/bare"));
    assert.equal(response.status, 302);
    assert.equal(await response.text(), "no where");
    assert.deepEqual(statuses(response), [302]);
  } finally {
    await a.stop();
  }
});

test("follow() resolves a relative Location against the current URL", async () => {
  const b = await startOrigin({ "/e": echo });
  const a = await startOrigin({
    "/a/b/c": () => redirect(302, "../d?x=1"),
    // A query-only reference, then a scheme-relative one to another origin.
    "/a/d": (seen) =>
      redirect(302, seen.url.search === "?x=1" ? "?y=2" : `//${new URL(b.origin).host}/e`),
  });
  try {
    const response = await follow(a.at("/a/b/c"));
    assert.equal((await response.json()).path, "/e");
    assert.deepEqual(chainOf(response).map((hop) => hop.url), [
      a.at("/a/b/c"),
      a.at("/a/d?x=1"),
      a.at("/a/d?y=2"),
      b.at("/e"),
    ]);
  } finally {
    await stopAll(a, b);
  }
});

test("follow() keeps the request's fragment when the Location has none", async () => {
  const a = await startOrigin({
    "/1": () => redirect(301, "/2"),
    "/2": () => redirect(301, "/3#new"),
    "/3": () => redirect(301, "/4"),
    "/4": echo,
  });
  try {
    const response = await follow(a.at("/1#top"));
    await response.body?.cancel();
    assert.deepEqual(chainOf(response).map((hop) => hop.url), [
      a.at("/1#top"),
      a.at("/2#top"),
      a.at("/3#new"),
      a.at("/4#new"),
    ]);
    // Fragments never go on the wire.
    assert.deepEqual(a.seen.map((seen) => seen.url.pathname), ["/1", "/2", "/3", "/4"]);
  } finally {
    await a.stop();
  }
});

// Redirects /n to /n+1 up to /limit, which answers 200.
function ladder(limit: number) {
  return (seen: Seen) => {
    const n = Number(seen.url.pathname.slice(1));
    return n >= limit ? echo(seen) : redirect(302, `/${n + 1}`);
  };
}

test("follow() follows 20 redirects and fails on the 21st with TooManyRedirectsError", async () => {
  const routes: Record<string, (seen: Seen) => Response> = {};
  const a = await startOrigin(routes);
  try {
    for (let n = 0; n <= 21; n++) routes[`/${n}`] = ladder(20);
    const ok = await follow(a.at("/0"));
    assert.equal((await ok.json()).path, "/20");
    assert.equal(chainOf(ok).length, 21);

    for (let n = 0; n <= 21; n++) routes[`/${n}`] = ladder(21);
    const error = await follow(a.at("/0")).then(() => null, (error) => error);
    assert.ok(error instanceof TooManyRedirectsError, String(error));
    assert.ok(error instanceof TypeError);
    assert.equal(error.limit, 20);
    assert.equal(error.chain.length, 21);
    assert.equal(error.chain[20].url, a.at("/20"));
    assert.equal(error.response?.status, 302);
    assert.equal(error.request?.url, a.at("/20"));
    assert.match(
      error.message,
      /^Cannot fetch "http:\/\/127\.0\.0\.1:\d+\/0": more than 20 redirects/,
    );
    assert.ok(!a.seen.some((seen) => seen.url.pathname === "/21"));
  } finally {
    await a.stop();
  }
});

test("createClient() spends its own maxRedirects budget, 0 included", async () => {
  const routes: Record<string, (seen: Seen) => Response> = {};
  const a = await startOrigin(routes);
  try {
    for (let n = 0; n <= 3; n++) routes[`/${n}`] = ladder(3);
    await assert.rejects(createClient({ maxRedirects: 2 })(a.at("/0")), TooManyRedirectsError);
    const three = await createClient({ maxRedirects: 3 })(a.at("/0"));
    assert.equal((await three.json()).path, "/3");
    const none = await createClient({ maxRedirects: 0 })(a.at("/0")).catch((error) => error);
    assert.ok(none instanceof TooManyRedirectsError);
    assert.deepEqual(none.chain.map((hop: { status: number }) => hop.status), [302]);
  } finally {
    await a.stop();
  }
});

test("follow() refuses a redirect to any scheme but http: and https: with ForbiddenSchemeError", async () => {
  const targets = [
    "ftp://127.0.0.1/x",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "file:///etc/passwd",
    "blob:http://a/x",
  ];
  const a = await startOrigin({
    "/start": () => redirect(301, "/go"),
    "/go": (seen) => redirect(302, targets[Number(seen.url.searchParams.get("i") ?? 0)]),
  });
  try {
    for (let i = 0; i < targets.length; i++) {
      const error = await follow(a.at(`/go?i=${i}`)).catch((error) => error);
      assert.ok(error instanceof ForbiddenSchemeError, `${targets[i]}: ${error}`);
      assert.equal(error.location, new URL(targets[i]).href);
      assert.deepEqual(error.chain.map((hop: { status: number }) => hop.status), [302]);
    }
    const chained = await follow(a.at("/start")).catch((error) => error);
    assert.deepEqual(chained.chain.map((hop: { status: number }) => hop.status), [301, 302]);
  } finally {
    await a.stop();
  }
});

test("follow() rejects a Location that is not a URL with InvalidLocationError", async () => {
  const a = await startOrigin({ "/bad": () => redirect(302, "http://[::1") });
  try {
    const error = await follow(a.at("/bad")).catch((error) => error);
    assert.ok(error instanceof InvalidLocationError, String(error));
    assert.equal(error.location, "http://[::1");
    assert.equal(error.chain.length, 1);
  } finally {
    await a.stop();
  }
});

test("follow() returns the redirect with redirect: manual and rejects with redirect: error", async () => {
  const a = await startOrigin({ "/from": () => redirect(307, "/to"), "/to": echo });
  try {
    const manual = await follow(a.at("/from"), { redirect: "manual" });
    assert.equal(manual.status, 307);
    assert.equal(manual.headers.get("location"), "/to");
    assert.equal(await manual.text(), "moved\n");
    await assert.rejects(follow(a.at("/from"), { redirect: "error" }), UnexpectedRedirectError);
    assert.equal(a.seen.filter((seen) => seen.url.pathname === "/to").length, 0);
  } finally {
    await a.stop();
  }
});

test("follow() wraps a failed hop in NetworkError with the chain and the cause", async () => {
  const gone = await startOrigin({});
  const dead = gone.at("/nowhere");
  await gone.stop();
  const a = await startOrigin({ "/from": () => redirect(302, dead) });
  try {
    const error = await follow(a.at("/from")).catch((error) => error);
    assert.ok(error instanceof NetworkError, String(error));
    assert.ok(error.cause !== undefined);
    assert.equal(error.request?.url, dead);
    assert.deepEqual(error.chain.map((hop: { status: number }) => hop.status), [302]);
  } finally {
    await a.stop();
  }
});

test("follow() rejects with the caller's AbortError, unwrapped, when aborted between hops", async () => {
  const controller = new AbortController();
  const a = await startOrigin({
    "/from": () => {
      controller.abort();
      return redirect(302, "/to");
    },
    "/to": echo,
  });
  try {
    const error = await follow(a.at("/from"), { signal: controller.signal }).catch((e) => e);
    assert.equal(error.name, "AbortError");
    assert.equal(a.seen.filter((seen) => seen.url.pathname === "/to").length, 0);
  } finally {
    await a.stop();
  }
});

test("follow() rejects an invalid input URL as fetch() does, asynchronously", async () => {
  const pending = follow("not a url");
  await assert.rejects(pending, TypeError);
});

test("createClient() rejects malformed options at construction", () => {
  assert.throws(() => createClient({ maxRedirects: 1.5 }), RangeError);
  assert.throws(() => createClient({ maxRedirects: -1 }), RangeError);
  assert.throws(() => createClient({ fetch: "fetch" as never }), TypeError);
  assert.throws(() => createClient({ stripHeaders: ["bad header"] }), TypeError);
  assert.throws(() => createClient({ stripHeaders: "x-a" as never }), TypeError);
  assert.throws(() => createClient({ credentials: 42 as never }), TypeError);
  assert.throws(
    () => createClient({ credentials: { origin: "ftp://a", username: "u", password: "p" } }),
    TypeError,
  );
  assert.throws(
    () => createClient({ credentials: { "http://a.test": { username: "u" } as never } }),
    TypeError,
  );
  assert.throws(
    () => createClient({ credentials: { "not an origin": { username: "u", password: "p" } } }),
    TypeError,
  );
});
