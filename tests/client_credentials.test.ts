import { test } from "node:test";
import assert from "node:assert/strict";
import { type AuthChallenge, chainOf, createClient } from "../src/client/mod.ts";
import { TooManyChallengesError } from "../src/client/errors.ts";
import { CredentialStore, type Space } from "../src/client/credential_store.ts";
import { echo, startOrigin } from "./_helpers/client_servers.ts";
import { basicGate, digestGate, unauthorized } from "./_helpers/client_digest.ts";

const statuses = (response: Response) => chainOf(response).map((hop) => hop.status);
const USER = { username: "ada", password: "lovelace" };

test("createClient() sends Digest to the same space before any 401, counting nc up", async () => {
  const gate = digestGate({ ...USER, realm: "r", algorithm: "SHA-256", qop: "auth" });
  const a = await startOrigin({ "/a": gate.route(echo), "/b/c": gate.route(echo) });
  try {
    const client = createClient({ credentials: { origin: a.origin, ...USER } });
    const first = await client(a.at("/a"));
    await first.body?.cancel();
    const second = await client(a.at("/b/c"));
    await second.body?.cancel();
    assert.deepEqual(statuses(first), [401, 200]);
    assert.deepEqual(statuses(second), [200]);
    const [one, two] = gate.attempts;
    assert.equal(one.params.get("nonce"), two.params.get("nonce"));
    assert.deepEqual([one.params.get("nc"), two.params.get("nc")], ["00000001", "00000002"]);
    assert.deepEqual(gate.attempts.map((attempt) => attempt.refused), [null, null]);
  } finally {
    await a.stop();
  }
});

test("createClient() answers stale=true on a pre-emptive Digest without asking again", async () => {
  const gate = digestGate({ ...USER, realm: "r", algorithm: "MD5-sess", qop: "auth" });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    let asked = 0;
    const client = createClient({ credentials: () => (asked++, USER) });
    await (await client(a.at("/"))).body?.cancel();
    gate.expireNonces();
    const again = await client(a.at("/"));
    await again.body?.cancel();
    assert.deepEqual(statuses(again), [401, 200]);
    assert.equal(asked, 1);
  } finally {
    await a.stop();
  }
});

test("createClient() keeps Digest pre-emptive within the challenge's domain", async () => {
  const gate = digestGate({
    ...USER,
    realm: "r",
    qop: "auth",
    domain: "/api/ http://elsewhere.test/",
  });
  const a = await startOrigin({
    "/api/a": gate.route(echo),
    "/api/b": gate.route(echo),
    "/web": gate.route(echo),
  });
  try {
    const client = createClient({ credentials: { origin: a.origin, ...USER } });
    for (const path of ["/api/a", "/api/b", "/web"]) {
      await (await client(a.at(path))).body?.cancel();
    }
    const sent = a.seen.map((seen) => `${seen.url.pathname} ${seen.headers.has("authorization")}`);
    assert.deepEqual(sent, [
      "/api/a false",
      "/api/a true",
      "/api/b true",
      "/web false",
      "/web true",
    ]);
  } finally {
    await a.stop();
  }
});

test("createClient() sends Basic before any 401 under the folder that succeeded, not above it", async () => {
  const gate = basicGate("ada", "lovelace", "docs");
  const a = await startOrigin({
    "/docs/a": gate.route(echo),
    "/docs/sub/b": gate.route(echo),
    "/other": gate.route(echo),
  });
  try {
    const client = createClient({ credentials: { origin: a.origin, ...USER } });
    const runs: number[][] = [];
    for (const path of ["/docs/a", "/docs/sub/b", "/other"]) {
      const response = await client(a.at(path));
      await response.body?.cancel();
      runs.push(statuses(response));
    }
    assert.deepEqual(runs, [[401, 200], [200], [401, 200]]);
  } finally {
    await a.stop();
  }
});

test("createClient() forgets a space whose remembered credentials are refused", async () => {
  const before = basicGate("ada", "lovelace", "r");
  const after = basicGate("ada", "changed", "r");
  let gate = before;
  const a = await startOrigin({ "/": (seen) => gate.route(echo)(seen) });
  try {
    const client = createClient({ credentials: { origin: a.origin, ...USER } });
    await (await client(a.at("/"))).body?.cancel();
    gate = after;
    const refused = await client(a.at("/"));
    await refused.body?.cancel();
    assert.deepEqual(statuses(refused), [401, 401]);
    const next = await client(a.at("/"));
    await next.body?.cancel();
    // Sent before the 401, then answering it; nothing up front afterwards.
    assert.deepEqual(after.attempts.map((value) => value === null), [false, false, true, false]);
  } finally {
    await a.stop();
  }
});

test("createClient() asks a credentials callback with the challenge, once per space", async () => {
  const gate = basicGate("ada", "lovelace", "Files");
  const a = await startOrigin({ "/x": gate.route(echo) });
  try {
    const asked: AuthChallenge[] = [];
    const client = createClient({
      credentials: async (challenge) => {
        asked.push(challenge);
        return await Promise.resolve(challenge.realm === "Files" ? USER : null);
      },
    });
    const response = await client(a.at("/x?y"));
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.equal(asked.length, 1);
    assert.equal(asked[0].url.href, a.at("/x?y"));
    assert.equal(asked[0].origin, a.origin);
    assert.equal(asked[0].scheme, "Basic");
    assert.equal(asked[0].challenge.params.get("charset"), "UTF-8");
  } finally {
    await a.stop();
  }
});

test("createClient() returns the 401 when the callback has no credentials", async () => {
  const gate = basicGate("ada", "lovelace", "r");
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await createClient({ credentials: () => undefined })(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401]);
  } finally {
    await a.stop();
  }
});

test("createClient() takes credentials from a plain object keyed by origin", async () => {
  const gate = digestGate({ ...USER, realm: "r", qop: "auth" });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const client = createClient({ credentials: { [`${a.origin}/ignored/path`]: USER } });
    const response = await client(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
  } finally {
    await a.stop();
  }
});

test("createClient() leaves a refused Authorization of the caller's own alone", async () => {
  const gate = basicGate("ada", "lovelace", "r");
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    let asked = 0;
    const client = createClient({ credentials: () => (asked++, USER) });
    const response = await client(a.at("/"), { headers: { authorization: "Bearer mine" } });
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401]);
    assert.equal(asked, 0);
  } finally {
    await a.stop();
  }
});

test("createClient() rejects with the callback's error and cancels the 401 body", async () => {
  const a = await startOrigin({ "/": () => unauthorized('Basic realm="r"') });
  try {
    const client = createClient({
      credentials: () => {
        throw new Error("no keychain");
      },
    });
    await assert.rejects(client(a.at("/")), /no keychain/);
  } finally {
    await a.stop();
  }
});

test("createClient() throws TooManyChallengesError when every answer meets a new realm", async () => {
  let n = 0;
  const a = await startOrigin({ "/": () => unauthorized(`Basic realm="realm ${n++}"`) });
  try {
    const error = await createClient({ credentials: () => USER })(a.at("/")).catch((e) => e);
    assert.ok(error instanceof TooManyChallengesError, String(error));
    assert.equal(error.limit, 20);
    assert.equal(error.chain.length, 21);
    assert.equal(error.response?.status, 401);
  } finally {
    await a.stop();
  }
});

// Found by tests/properties/client_headers.test.ts: a space met again was
// merged with the known one path by path, each against every other, so a
// Digest domain of 32,000 paths took seconds the second time.
test("CredentialStore.remember() merges the paths of a space met again in linear time", () => {
  const paths = Array.from({ length: 50_000 }, (_, i) => `/p${i}/`);
  const space = (): Space => ({
    origin: "http://a.test",
    realm: "r",
    scheme: "Digest",
    credentials: USER,
    digest: null,
    paths: [...paths],
  });
  const store = new CredentialStore();
  store.remember(space(), new URL("http://a.test/p0/x"));
  const again = space();
  const start = performance.now();
  store.remember(again, new URL("http://a.test/p1/x"));
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `${ms} ms`);
  assert.equal(again.paths.length, paths.length);
  assert.equal(store.lookup(new URL("http://a.test/p7/z")), again);
  assert.equal(store.lookup(new URL("http://a.test/q/")), undefined);
});
