import { test } from "node:test";
import assert from "node:assert/strict";
import { withBasicAuth } from "../src/core/basic_auth.ts";
import { runtimeServe } from "./_helpers/adapter.ts";

const users = [
  { username: "ada", password: "lovelace" },
  { username: "zoë", password: "pässwörd:with:colons" },
];
const protectedHandler = withBasicAuth(() => new Response("secret"), { users, realm: "files" });

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return "Basic " + btoa(String.fromCharCode(...bytes));
}

async function statusWith(authorization?: string, method = "GET"): Promise<number> {
  const headers = authorization === undefined ? undefined : { authorization };
  const response = await protectedHandler(new Request("http://localhost/x", { headers, method }));
  await response.body?.cancel();
  return response.status;
}

test("withBasicAuth() answers 401 with a Basic challenge when credentials are missing", async () => {
  const response = await protectedHandler(new Request("http://localhost/x"));
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("www-authenticate"), 'Basic realm="files", charset="UTF-8"');
  assert.equal(await response.text(), "Unauthorized\n");
});

test("withBasicAuth() lets each listed user in", async () => {
  assert.equal(await statusWith(basic("ada", "lovelace")), 200);
  assert.equal(await statusWith(basic("zoë", "pässwörd:with:colons")), 200);
});

test("withBasicAuth() refuses a wrong password, a wrong user and a swapped pair", async () => {
  assert.equal(await statusWith(basic("ada", "lovelac")), 401);
  assert.equal(await statusWith(basic("ada", "lovelacee")), 401);
  assert.equal(await statusWith(basic("bob", "lovelace")), 401);
  assert.equal(await statusWith(basic("zoë", "lovelace")), 401);
});

test("withBasicAuth() refuses malformed Authorization fields", async () => {
  for (
    const value of ["Basic", "Basic !!!", "Bearer abc", "Basic " + btoa("adalovelace"), "basic"]
  ) {
    assert.equal(await statusWith(value), 401, value);
  }
});

test("withBasicAuth() accepts the scheme name in any case", async () => {
  assert.equal(await statusWith(basic("ada", "lovelace").replace("Basic", "bAsIc")), 200);
});

// Found by tests/properties/basic_credentials.test.ts: the UTF-8 decoder
// dropped a leading U+FEFF as a byte order mark, so "\ufeffada" could not
// get in and "ada" got in with it.
test("withBasicAuth() keeps a leading U+FEFF in the user-id", async () => {
  const handler = withBasicAuth(() => new Response("in"), {
    users: [{ username: "\ufeffada", password: "" }],
  });
  const status = async (authorization: string) => {
    const response = await handler(
      new Request("http://localhost/", { headers: { authorization } }),
    );
    await response.body?.cancel();
    return response.status;
  };
  assert.equal(await status("Basic 77u/YWRhOg=="), 200); // EF BB BF "ada:"
  assert.equal(await status(basic("ada", "")), 401);
  assert.equal(await statusWith("Basic " + btoa("\xef\xbb\xbfada:lovelace")), 401);
});

test("withBasicAuth() answers HEAD 401 without a body", async () => {
  const response = await protectedHandler(new Request("http://localhost/x", { method: "HEAD" }));
  assert.equal(response.status, 401);
  assert.equal(response.body, null);
});

test("withBasicAuth() throws TypeError for no users or a user name with a colon", () => {
  const ok = () => new Response();
  assert.throws(() => withBasicAuth(ok, { users: [] }), TypeError);
  assert.throws(
    () => withBasicAuth(ok, { users: [{ username: "a:b", password: "c" }] }),
    TypeError,
  );
});

test("serve() with auth protects the files over a real socket", async () => {
  const serve = await runtimeServe();
  const controller = new AbortController();
  const server = await serve({
    handler: () => new Response("inside"),
    port: 0,
    signal: controller.signal,
    auth: { users },
  });
  try {
    const denied = await fetch(server.url);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get("www-authenticate") ?? "", /^Basic realm="fileserver"/);
    await denied.body?.cancel();
    const allowed = await fetch(server.url, {
      headers: { authorization: basic("ada", "lovelace") },
    });
    assert.equal(await allowed.text(), "inside");
  } finally {
    controller.abort();
    await server.finished;
  }
});
