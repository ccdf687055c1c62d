import { after, test } from "node:test";
import assert from "node:assert/strict";
import { buildFixture, fixtureHandler, get, ODD_NAMES } from "./_helpers/fixture.ts";

const fixture = buildFixture();
after(() => fixture.remove());

async function statusOf(path: string, options = {}): Promise<number> {
  const response = await get(await fixtureHandler(fixture, options), path);
  await response.body?.cancel();
  return response.status;
}

test("createFileHandler() answers 400 to malformed percent-encoding", async () => {
  assert.equal(await statusOf("/hello%zz.txt"), 400);
  assert.equal(await statusOf("/%E0%A4%A"), 400);
});

test("createFileHandler() answers 400 to NUL, backslash and encoded separators", async () => {
  assert.equal(await statusOf("/hello.txt%00.html"), 400);
  assert.equal(await statusOf("/nested%2fdeeper%2ffile.txt"), 400);
  assert.equal(await statusOf("/nested%5cdeeper%5cfile.txt"), 400);
});

test("createFileHandler() never serves a file outside the root through dot-segments", async () => {
  const attempts = [
    "/../outside.txt",
    "/..%2foutside.txt",
    "/%2e%2e/outside.txt",
    "/%2E%2E/www-secret/secret.txt",
    "/nested/../../outside.txt",
    "/nested/%2e%2e/%2e%2e/outside.txt",
    "/..%5coutside.txt",
    "/.%2e/www-secret/secret.txt",
    "/%252e%252e/outside.txt",
    "//../outside.txt",
  ];
  for (const path of attempts) {
    const response = await get(await fixtureHandler(fixture), path);
    const body = await response.text();
    assert.ok(!body.includes("outside") && !body.includes("top secret"), path);
    assert.ok(response.status === 400 || response.status === 404, `${path}: ${response.status}`);
  }
});

test("createFileHandler() treats a sibling folder sharing the root's name prefix as outside", async () => {
  // www/link-outside-dir -> ../www-secret: "www-secret" starts with "www".
  assert.equal(await statusOf("/link-outside-dir/secret.txt"), 404);
  assert.equal(await statusOf("/link-outside-dir/"), 404);
});

test("createFileHandler() follows a symlink whose real path stays inside the root", async () => {
  const response = await get(await fixtureHandler(fixture), "/link-inside.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "deep\n");
  assert.equal(await statusOf("/link-inside-dir/deeper/file.txt"), 200);
});

test("createFileHandler() refuses a symlink that points out of the root", async () => {
  assert.equal(await statusOf("/link-outside.txt"), 404);
});

test("createFileHandler() with symlinks: 'never' follows no link", async () => {
  assert.equal(await statusOf("/link-inside.txt", { symlinks: "never" }), 404);
  assert.equal(await statusOf("/link-inside-dir/deeper/file.txt", { symlinks: "never" }), 404);
  assert.equal(await statusOf("/hello.txt", { symlinks: "never" }), 200);
});

test("createFileHandler() with symlinks: 'always' follows links out of the root", async () => {
  const response = await get(
    await fixtureHandler(fixture, { symlinks: "always" }),
    "/link-outside.txt",
  );
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "top secret\n");
});

test("createFileHandler() answers 404 to a dangling symlink", async () => {
  assert.equal(await statusOf("/dangling"), 404);
});

test("createFileHandler() ignores dotfiles by default (404)", async () => {
  assert.equal(await statusOf("/.env"), 404);
  assert.equal(await statusOf("/.git/config"), 404);
  assert.equal(await statusOf("/docs/.secret"), 404);
});

test("createFileHandler() with dotfiles: 'deny' answers 403", async () => {
  assert.equal(await statusOf("/.env", { dotfiles: "deny" }), 403);
  assert.equal(await statusOf("/.git/config", { dotfiles: "deny" }), 403);
});

test("createFileHandler() with dotfiles: 'allow' serves them", async () => {
  const response = await get(await fixtureHandler(fixture, { dotfiles: "allow" }), "/.git/config");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "[core]\n");
});

test("createFileHandler() always serves /.well-known/, but not dotfiles inside it", async () => {
  for (const dotfiles of ["ignore", "deny"] as const) {
    assert.equal(await statusOf("/.well-known/security.txt", { dotfiles }), 200);
  }
  assert.equal(await statusOf("/.well-known/.hidden"), 404);
});

test("createFileHandler() serves names with spaces, unicode, %, # and ?", async () => {
  const handler = await fixtureHandler(fixture);
  for (const name of Object.values(ODD_NAMES)) {
    const response = await get(handler, "/odd/" + encodeURIComponent(name));
    assert.equal(response.status, 200, name);
    assert.equal(await response.text(), `content of ${name}\n`);
  }
});

test("createFileHandler() serves under urlRoot and 404s outside it", async () => {
  const handler = await fixtureHandler(fixture, { urlRoot: "/static" });
  const response = await get(handler, "/static/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello world\n");
  assert.equal((await get(handler, "/hello.txt")).status, 404);
  assert.equal((await get(handler, "/staticx/hello.txt")).status, 404);
  const redirect = await get(handler, "/static");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/static/");
});

test("createFileHandler() serves under a urlRoot holding characters the URL parser keeps raw", async () => {
  const handler = await fixtureHandler(fixture, { urlRoot: "/a:b" });
  const response = await get(handler, "/a:b/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello world\n");
});

test("createFileHandler() answers 404 to FIFOs, sockets and devices without blocking", async () => {
  assert.equal(await statusOf("/fifo"), 404);
  assert.equal(await statusOf("/socket"), 404);
  assert.equal(await statusOf("/devnull", { symlinks: "always" }), 404);
});

test("createFileHandler() answers 404 to a file URL with a trailing slash", async () => {
  assert.equal(await statusOf("/hello.txt/"), 404);
  assert.equal(await statusOf("/hello.txt/x"), 404);
});

test("createFileHandler() answers 404 to a missing file", async () => {
  assert.equal(await statusOf("/nope.txt"), 404);
  assert.equal(await statusOf("/nope/deeper.txt"), 404);
});

test("createFileHandler() answers 404 to a very long path instead of failing", async () => {
  assert.equal(await statusOf("/" + "a".repeat(300)), 404);
  assert.equal(await statusOf("/" + "a/".repeat(3000)), 404);
});
