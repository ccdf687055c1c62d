import { test } from "node:test";
import assert from "node:assert/strict";
import { chainOf, createClient, follow } from "../src/client/mod.ts";
import { echo, type Route, startOrigin } from "./_helpers/client_servers.ts";
import { basicGate, digestGate, unauthorized } from "./_helpers/client_digest.ts";

const statuses = (response: Response) => chainOf(response).map((hop) => hop.status);
const USER = { username: "ada", password: "lovelace" };

test("createClient() answers a Basic challenge with UTF-8 credentials", async () => {
  const gate = basicGate("j\u00f6rg", "p\u00e4ss \u20ac", "files");
  const a = await startOrigin({ "/private": gate.route(echo) });
  try {
    const client = createClient({
      credentials: { origin: a.origin, username: "j\u00f6rg", password: "p\u00e4ss \u20ac" },
    });
    const response = await client(a.at("/private"));
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.equal(response.redirected, false);
  } finally {
    await a.stop();
  }
});

test("createClient() returns the second 401 for the same space when the password is wrong", async () => {
  const gate = basicGate("ada", "right", "files");
  const a = await startOrigin({ "/private": gate.route(echo) });
  try {
    let asked = 0;
    const client = createClient({
      credentials: () => {
        asked++;
        return { username: "ada", password: "wrong" };
      },
    });
    const response = await client(a.at("/private"));
    assert.equal(response.status, 401);
    assert.equal(await response.text(), "who are you?\n");
    assert.deepEqual(statuses(response), [401, 401]);
    assert.equal(asked, 1);
    assert.equal(gate.attempts.length, 2);
  } finally {
    await a.stop();
  }
});

const ALGORITHMS = [
  "MD5",
  "MD5-sess",
  "SHA-256",
  "SHA-256-sess",
  "SHA-512-256",
  "SHA-512-256-sess",
];

for (const algorithm of ALGORITHMS) {
  const sess = algorithm.endsWith("-sess");
  const qops = sess ? ["auth", "auth-int"] : ["auth", "auth-int", undefined];
  const names = qops.map((qop) => qop ?? "none").join(", ");
  test(`createClient() answers Digest ${algorithm} with qop ${names}`, async () => {
    for (const qop of qops) {
      const gate = digestGate({ ...USER, realm: "lab", algorithm, qop, opaque: "op/aque" });
      const a = await startOrigin({ "/notes": gate.route(echo) });
      try {
        const client = createClient({ credentials: { origin: a.origin, ...USER } });
        const response = await client(a.at("/notes?n=1"), { method: "POST", body: "b\u00f6dy" });
        const label = `${algorithm} qop=${qop}`;
        assert.equal(response.status, 200, label);
        assert.equal((await response.json()).body, "b\u00f6dy", label);
        assert.deepEqual(statuses(response), [401, 200], label);
        assert.deepEqual(gate.attempts.map((attempt) => attempt.refused), [null], label);
        assert.equal(gate.attempts[0].params.get("qop"), qop, label);
      } finally {
        await a.stop();
      }
    }
  });
}

test("createClient() returns the 401 of a -sess challenge without qop, which has no cnonce", async () => {
  const gate = digestGate({ ...USER, realm: "r", algorithm: "SHA-256-sess" });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...USER } })(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401]);
  } finally {
    await a.stop();
  }
});

test("createClient() answers a Digest challenge without algorithm or qop as MD5 (RFC 2069)", async () => {
  const gate = digestGate({ ...USER, realm: "old" });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...USER } })(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.equal(gate.attempts[0].params.has("nc"), false);
  } finally {
    await a.stop();
  }
});

test("createClient() sends a hashed username when the challenge says userhash=true", async () => {
  const gate = digestGate({
    ...USER,
    realm: "api",
    algorithm: "SHA-256",
    qop: "auth",
    userhash: true,
  });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...USER } })(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.notEqual(gate.attempts[0].params.get("username"), "ada");
  } finally {
    await a.stop();
  }
});

test("createClient() sends a non-ASCII Digest username as username*", async () => {
  const user = { username: "J\u00e4s\u00f8n Doe", password: "Secret, or not?" };
  const gate = digestGate({ ...user, realm: "api", algorithm: "SHA-512-256", qop: "auth" });
  const a = await startOrigin({ "/doe.json": gate.route(echo) });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...user } })(
      a.at("/doe.json"),
    );
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.equal(gate.attempts[0].params.get("username*"), "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  } finally {
    await a.stop();
  }
});

test("createClient() hashes a FormData body for auth-int and sends those same bytes", async () => {
  const gate = digestGate({ ...USER, realm: "r", algorithm: "SHA-256", qop: "auth-int" });
  const a = await startOrigin({ "/upload": gate.route(echo) });
  try {
    const form = new FormData();
    form.append("name", "value");
    form.append("file", new Blob(["file content"]), "f.txt");
    const client = createClient({ credentials: { origin: a.origin, ...USER } });
    const response = await client(a.at("/upload"), { method: "POST", body: form });
    const seen = await response.json();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.match(seen.contentType, /^multipart\/form-data; boundary=/);
    assert.ok(seen.body.includes(seen.contentType.split("boundary=")[1]));
    assert.ok(seen.body.includes("file content"));
  } finally {
    await a.stop();
  }
});

test("createClient() prefers Digest SHA-256 to Digest MD5 and Basic offered beside it", async () => {
  const gate = digestGate({
    ...USER,
    realm: "r",
    algorithm: "SHA-256",
    qop: "auth",
    before: 'Basic realm="r", Digest realm="r", nonce="md5nonce", qop="auth"',
  });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...USER } })(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.equal(gate.attempts[0].params.get("algorithm"), "SHA-256");
  } finally {
    await a.stop();
  }
});

test("createClient() returns a 401 with only unknown schemes without asking for credentials", async () => {
  const a = await startOrigin({
    "/": () => unauthorized('Bearer realm="api", Negotiate, Mutual x=1'),
  });
  try {
    let asked = 0;
    const client = createClient({ credentials: () => (asked++, USER) });
    const response = await client(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401]);
    assert.equal(asked, 0);
  } finally {
    await a.stop();
  }
});

test("createClient() retries once with the new nonce when the server says stale=true", async () => {
  const gate = digestGate({
    ...USER,
    realm: "r",
    algorithm: "SHA-256",
    qop: "auth",
    staleOnce: true,
  });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    let asked = 0;
    const client = createClient({ credentials: () => (asked++, USER) });
    const response = await client(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 401, 200]);
    assert.equal(asked, 1);
    const [first, second] = gate.attempts;
    assert.notEqual(first.params.get("nonce"), second.params.get("nonce"));
  } finally {
    await a.stop();
  }
});

test("createClient() takes only one extra try for stale=true", async () => {
  const gate = digestGate({ ...USER, realm: "r", qop: "auth" });
  // Every nonce is stale by the time it comes back.
  const always: Route = (seen) => {
    gate.expireNonces();
    return gate.route(echo)(seen);
  };
  const a = await startOrigin({ "/": always });
  try {
    const response = await createClient({ credentials: { origin: a.origin, ...USER } })(a.at("/"));
    await response.body?.cancel();
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /stale=true/);
    assert.deepEqual(statuses(response), [401, 401, 401]);
  } finally {
    await a.stop();
  }
});

test("createClient() returns the 401 rather than send a Basic username with a colon", async () => {
  const gate = basicGate("a", "b:c", "r");
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const client = createClient({ credentials: () => ({ username: "a:b", password: "c" }) });
    const response = await client(a.at("/"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401]);
  } finally {
    await a.stop();
  }
});

test("follow() answers Digest with the credentials of the input URL", async () => {
  const gate = digestGate({ username: "me@home", password: "p:w", realm: "r", qop: "auth" });
  const a = await startOrigin({ "/": gate.route(echo) });
  try {
    const response = await follow(a.at("/").replace("//", "//me%40home:p%3Aw@"));
    await response.body?.cancel();
    assert.deepEqual(statuses(response), [401, 200]);
    assert.equal(chainOf(response)[0].url, a.at("/"));
  } finally {
    await a.stop();
  }
});
