import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildFixture } from "./_helpers/fixture.ts";
import { runCli, sendSignal, startCli, waitForUrl } from "./_helpers/cli.ts";
import { openSocket, readResponse } from "./_helpers/sockets.ts";
import { VERSION } from "../src/cli/help.ts";
import { selfSignedCertificate } from "./_helpers/tls.ts";

const fixture = buildFixture();
after(() => fixture.remove());

function assertOneLineError(stderr: string): void {
  assert.ok(!/\bat .+:\d+:\d+/.test(stderr), `stack trace in: ${stderr}`);
  assert.match(stderr, /^fileserver: /);
}

test("fileserver --version prints the version and exits 0", async () => {
  const result = await runCli(["--version"]);
  assert.equal(result.status, 0);
  assert.equal(result.stdout.trim(), `fileserver ${VERSION}`);
});

test("fileserver --help documents every flag and exits 0", async () => {
  const result = await runCli(["--help"]);
  assert.equal(result.status, 0);
  for (
    const flag of [
      "--port",
      "--host",
      "--listing",
      "--dotfiles",
      "--index",
      "--header",
      "--cors",
      "--cert",
      "--key",
      "--auth",
      "--auth-file",
      "--quiet",
      "--log-format",
      "--grace",
      "--reuse-port",
      "--headers-timeout",
      "--idle-timeout",
      "--request-timeout",
      "--cache",
      "--cache-explain",
      "--etag",
      "--version",
      "--output",
      "--user",
      "--max-redirects",
      "--continue",
      "--verbose",
    ]
  ) {
    assert.ok(result.stdout.includes(flag), flag);
  }
});

test("fileserver rejects an unknown flag with exit 2 and a hint", async () => {
  const result = await runCli(["--prot", "80"]);
  assert.equal(result.status, 2);
  assertOneLineError(result.stderr);
  assert.match(result.stderr, /--prot/);
  assert.match(result.stderr, /fileserver --help/);
});

test("fileserver rejects a flag missing its value with exit 2", async () => {
  const result = await runCli([fixture.root, "--port"]);
  assert.equal(result.status, 2);
  assertOneLineError(result.stderr);
});

test("fileserver rejects a bad port, dotfiles mode and log format with exit 2", async () => {
  for (
    const args of [
      ["--port", "http"],
      ["--port", "70000"],
      ["--dotfiles", "show"],
      [
        "--log-format",
        "xml",
      ],
      ["--grace", "-1"],
      ["--idle-timeout", "-1"],
      ["--headers-timeout", "20", "--request-timeout", "10"],
    ]
  ) {
    const result = await runCli([fixture.root, ...args]);
    assert.equal(result.status, 2, args.join(" "));
    assertOneLineError(result.stderr);
  }
});

test("fileserver rejects a malformed --header with exit 2", async () => {
  const result = await runCli([fixture.root, "-H", "no colon here"]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Malformed header/);
});

test("fileserver reports a folder that does not exist with exit 1", async () => {
  const result = await runCli([join(fixture.base, "missing")]);
  assert.equal(result.status, 1);
  assertOneLineError(result.stderr);
  assert.match(result.stderr, /no such folder/);
});

test("fileserver reports a port in use with exit 1", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const result = await runCli([fixture.root, "--port", String(port)]);
    assert.equal(result.status, 1);
    assertOneLineError(result.stderr);
    assert.match(result.stderr, /in use/);
  } finally {
    blocker.close();
  }
});

test("fileserver reports an unreadable certificate with exit 1", async () => {
  const result = await runCli([
    fixture.root,
    "--cert",
    "/nonexistent.pem",
    "--key",
    "/nonexistent.key",
  ]);
  assert.equal(result.status, 1);
  assertOneLineError(result.stderr);
  assert.match(result.stderr, /certificate/);
});

test("fileserver serves the folder, prints a banner and logs each request", async () => {
  const cli = startCli([
    fixture.root,
    "--port",
    "0",
    "-H",
    "Cache-Control: max-age=60",
    "--listing",
  ]);
  try {
    const url = await waitForUrl(cli);
    assert.match(cli.stdout(), /Serving /);
    assert.match(cli.stdout(), /--host 0\.0\.0\.0/);
    const response = await fetch(new URL("/hello.txt", url));
    assert.equal(await response.text(), "hello world\n");
    assert.equal(response.headers.get("cache-control"), "max-age=60");
    const listing = await fetch(new URL("/docs/", url));
    assert.match(await listing.text(), /readme\.md/);
    await waitFor(() => /"GET \/hello\.txt HTTP\/1\.1" 200 12 "-" "/.test(cli.stdout()));
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("fileserver --log-format json writes one JSON object per request", async () => {
  const cli = startCli([fixture.root, "--port", "0", "--log-format", "json"]);
  try {
    const url = await waitForUrl(cli);
    await (await fetch(new URL("/nope", url))).body?.cancel();
    await waitFor(() => cli.stdout().includes('"target":"/nope"'));
    const line = cli.stdout().split("\n").find((l) => l.includes('"target":"/nope"'))!;
    const entry = JSON.parse(line);
    assert.equal(entry.method, "GET");
    assert.equal(entry.status, 404);
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
});

test("fileserver --quiet logs nothing per request", async () => {
  const cli = startCli([fixture.root, "--port", "0", "--quiet"]);
  try {
    const url = await waitForUrl(cli);
    await (await fetch(new URL("/hello.txt", url))).text();
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
  assert.ok(!cli.stdout().includes("/hello.txt"));
});

test("fileserver --dotfiles, --index and --cors change what is served", async () => {
  const cli = startCli([
    fixture.root,
    "--port",
    "0",
    "--dotfiles",
    "deny",
    "--index",
    "readme.md",
    "--cors",
  ]);
  try {
    const url = await waitForUrl(cli);
    const dot = await fetch(new URL("/.env", url));
    assert.equal(dot.status, 403);
    await dot.body?.cancel();
    const index = await fetch(new URL("/docs/", url));
    assert.equal(await index.text(), "# docs\n");
    assert.equal(index.headers.get("access-control-allow-origin"), "*");
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
});

test("fileserver --auth and --auth-file protect the folder with HTTP Basic", async () => {
  const file = join(fixture.base, "users.txt");
  writeFileSync(file, "# accounts\nbob:builder\n");
  const cli = startCli([
    fixture.root,
    "--port",
    "0",
    "--auth",
    "ada:lovelace",
    "--auth-file",
    file,
  ]);
  try {
    const url = await waitForUrl(cli);
    const denied = await fetch(new URL("/hello.txt", url));
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get("www-authenticate") ?? "", /^Basic /);
    await denied.body?.cancel();
    for (const pair of ["ada:lovelace", "bob:builder"]) {
      const ok = await fetch(new URL("/hello.txt", url), {
        headers: { authorization: `Basic ${btoa(pair)}` },
      });
      assert.equal(ok.status, 200, pair);
      await ok.body?.cancel();
    }
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
});

test("fileserver finishes a download in flight on SIGTERM and exits 0", async () => {
  const cli = startCli([fixture.root, "--port", "0", "--quiet"]);
  const url = await waitForUrl(cli);
  const socket = await openSocket(url);
  socket.write("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const download = readResponse(socket, {
    bodyLength: 5 * 1024 * 1024,
    slowMs: 2,
    onFirstData: () => sendSignal(cli, "SIGTERM"),
  });
  const { complete } = await download;
  socket.destroy();
  assert.ok(complete, "download cut short");
  assert.equal(await cli.exited, 0);
  assert.match(cli.stdout(), /Stopped/);
  assert.match(cli.stderr(), /Stopping/);
});

test("fileserver exits at once with 130 on a second signal", async () => {
  const cli = startCli([fixture.root, "--port", "0", "--quiet", "--grace", "60"]);
  const url = await waitForUrl(cli);
  const socket = await openSocket(url);
  socket.write("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.pause();
  sendSignal(cli, "SIGINT");
  await waitFor(() => cli.stderr().includes("Stopping"));
  sendSignal(cli, "SIGINT");
  assert.equal(await cli.exited, 130);
  socket.destroy();
});

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("fileserver names the --auth-file and line of a bad account, never the password", async () => {
  const file = join(fixture.base, "bad-users.txt");
  writeFileSync(file, "ada:lovelace\n# comment\nbobsecret\n");
  const result = await runCli([fixture.root, "--auth-file", file]);
  assert.equal(result.status, 1);
  assertOneLineError(result.stderr);
  assert.equal(result.stderr.trim(), `fileserver: ${file}:3: expected USER:PASS`);
  assert.ok(!result.stderr.includes("secret"));
});

test("fileserver suggests the nearest long option for a mistyped one", async () => {
  const serve = await runCli(["--listin"]);
  assert.equal(serve.status, 2);
  assert.match(serve.stderr, /^fileserver: Unknown option '--listin': did you mean --listing\?$/m);
  const get = await runCli(["get", "http://127.0.0.1:9/", "--contineu"]);
  assert.equal(get.status, 2);
  assert.match(get.stderr, /did you mean --continue\?$/m);
});

test("fileserver asks 'did you mean serve/get?' for a mistyped command that is not a folder", async () => {
  for (
    const [args, command] of [
      [["serv", fixture.root], "serve"],
      [["gte", "http://127.0.0.1:9/"], "get"],
    ] as const
  ) {
    const result = await runCli([...args]);
    assert.equal(result.status, 2, result.stderr);
    assertOneLineError(result.stderr);
    assert.match(result.stderr, new RegExp(`did you mean '${command}'\\?`));
  }
  // A folder named like a typo is still served: the folder wins.
  mkdirSync(join(fixture.base, "serv"), { recursive: true });
  const cli = startCli(["serv", "--port", "0", "--quiet"], fixture.base);
  try {
    await waitForUrl(cli);
    assert.match(cli.stdout(), /Serving .*serv/);
  } finally {
    sendSignal(cli, "SIGTERM");
    await cli.exited;
  }
});

test("fileserver names a --cert or --key that is not PEM, and a key that does not match", async () => {
  const a = selfSignedCertificate();
  const b = selfSignedCertificate();
  const files: Record<string, string> = { certA: a.cert, keyB: b.key, junk: "not pem\n" };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(fixture.base, name), text);
  }
  const path = (name: string) => join(fixture.base, name);
  for (
    const [cert, key, reason] of [
      ["junk", "keyB", /certificate ".*junk": not a PEM certificate/],
      ["certA", "junk", /key ".*junk": not an unencrypted PEM private key/],
      ["certA", "keyB", /key ".*keyB": it does not match certificate ".*certA"/],
    ] as const
  ) {
    const result = await runCli([fixture.root, "--cert", path(cert), "--key", path(key)]);
    assert.equal(result.status, 1, result.stderr);
    assertOneLineError(result.stderr);
    assert.match(result.stderr, reason);
  }
});

test("fileserver sends the cache preset by default, --cache rules first, and 304s carry it", async () => {
  const cli = startCli([fixture.root, "--port", "0", "--quiet", "--cache", "**/*.md=no-store"]);
  try {
    const url = await waitForUrl(cli);
    assert.match(cli.stdout(), /Cache: {4}\*\*\/\*\.md=no-store; preset/);
    const page = await fetch(new URL("/", url));
    await page.body?.cancel();
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const revalidated = await fetch(new URL("/", url), {
      headers: { "if-none-match": page.headers.get("etag")! },
    });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers.get("cache-control"), "no-cache");
    const readme = await fetch(new URL("/docs/readme.md", url));
    await readme.body?.cancel();
    assert.equal(readme.headers.get("cache-control"), "no-store");
  } finally {
    sendSignal(cli, "SIGTERM");
    assert.equal(await cli.exited, 0);
  }
});

test("fileserver --cache-explain prints the value and its reason, and exits 0", async () => {
  const result = await runCli([
    "--cache",
    "downloads/**=no-store",
    "--cache-explain",
    "/downloads/a.zip",
    "--cache-explain",
    "/assets/index-BxT3k9Qa.js",
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    '/downloads/a.zip: no-store (rule "downloads/**")\n' +
      "/assets/index-BxT3k9Qa.js: public, max-age=31536000, immutable (preset: fingerprinted name)\n",
  );
});
