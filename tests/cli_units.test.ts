import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicUser, formatEntry } from "../src/cli/access_log.ts";
import type { ResponseInfo } from "../src/adapters/_response_info.ts";
import { parseCache, parseCommandLine, parseHeader, UsageError } from "../src/cli/args.ts";
import { describeCache, explainCache } from "../src/cli/cache_explain.ts";
import { HELP, VERSION } from "../src/cli/help.ts";
import { formatBytes, formatDuration, Progress } from "../src/cli/progress.ts";
import { serveCommand } from "../src/cli/serve_command.ts";
import type { ServeOptions } from "../src/adapters/_serve_options.ts";
import { nodeFileSystem } from "../src/fs/node.ts";
import { zlibCompressor } from "../src/fs/zlib_compressor.ts";
import { zipArchiver } from "../src/fs/zip_archiver.ts";
import { DEFAULT_TIMEOUTS } from "../src/adapters/_timeouts.ts";

function fields(values: Record<string, string>): ResponseInfo["headers"] {
  return { get: (name) => values[name] ?? null };
}

const entry: ResponseInfo = {
  startTime: Date.UTC(2026, 10, 26, 18, 0, 5),
  durationMs: 1.234,
  remoteAddress: "127.0.0.1",
  method: "GET",
  target: '/a "b"\n\\é',
  protocol: "HTTP/1.1",
  headers: fields({
    authorization: `Basic ${btoa("alice:secret")}`,
    referer: 'http://x/"r"',
    // Past Latin-1: not from a Headers, but a hook may be given anything.
    "user-agent": "UA\u00e9 \u2603",
  }),
  status: 200,
  bytesSent: 12,
  completed: true,
};

test("formatEntry() writes Common Log Format as Apache does, escaping the request line", () => {
  assert.equal(
    formatEntry(entry, "common"),
    '127.0.0.1 - alice [26/Nov/2026:18:00:05 +0000] "GET /a \\"b\\"\\x0a\\\\\\xe9 HTTP/1.1" 200 12',
  );
});

test("formatEntry() writes Combined Log Format with the referer and user agent escaped", () => {
  assert.equal(
    formatEntry({ ...entry, target: "/x" }, "combined"),
    '127.0.0.1 - alice [26/Nov/2026:18:00:05 +0000] "GET /x HTTP/1.1" 200 12 ' +
      '"http://x/\\"r\\"" "UA\\xe9 \\xe2\\x98\\x83"',
  );
});

test("formatEntry() writes - for no content, an unknown count, a missing field", () => {
  const bare = { ...entry, target: "/x", headers: fields({}), remoteAddress: null };
  assert.equal(
    formatEntry({ ...bare, bytesSent: 0, protocol: "HTTP/2.0" }, "combined"),
    '- - - [26/Nov/2026:18:00:05 +0000] "GET /x HTTP/2.0" 200 - "-" "-"',
  );
  assert.match(formatEntry({ ...bare, bytesSent: null }, "common"), /" 200 -$/);
});

test("formatEntry() writes one JSON object with every field", () => {
  assert.deepEqual(JSON.parse(formatEntry(entry, "json")), {
    time: "2026-11-26T18:00:05.000Z",
    address: "127.0.0.1",
    user: "alice",
    method: "GET",
    target: '/a "b"\n\\é',
    protocol: "HTTP/1.1",
    status: 200,
    bytes: 12,
    completed: true,
    duration_ms: 1.2,
    referer: 'http://x/"r"',
    user_agent: "UA\u00e9 \u2603",
  });
});

test("basicUser() reads the user-id of a Basic field and nothing else", () => {
  assert.equal(basicUser(`Basic ${btoa("bob:pw:with:colons")}`), "bob");
  assert.equal(basicUser(`basic   ${btoa("bob:")}`), "bob");
  assert.equal(basicUser(`Bearer ${btoa("bob:pw")}`), null);
  assert.equal(basicUser(`Basic ${btoa("no-colon")}`), null);
  assert.equal(basicUser(`Basic ${btoa(":pw")}`), null);
  assert.equal(basicUser("Basic !!!"), null);
  assert.equal(basicUser(null), null);
});

test("parseCommandLine() reads serve flags with defaults", () => {
  const args = parseCommandLine(["site", "-p", "0", "--index", "a.html,b.html", "-H", "X-A: 1"]);
  assert.equal(args.command, "serve");
  if (args.command !== "serve") return;
  assert.equal(args.dir, "site");
  assert.equal(args.port, 0);
  assert.equal(args.host, "127.0.0.1");
  assert.deepEqual(args.index, ["a.html", "b.html"]);
  assert.deepEqual(args.headers, [["X-A", "1"]]);
  assert.equal(args.graceSeconds, 10);
  const defaults = parseCommandLine([]);
  assert.equal(defaults.command === "serve" && defaults.dir, ".");
  assert.equal(defaults.command === "serve" && defaults.port, 8000);
});

test("parseCommandLine() reads --reuse-port, off by default", () => {
  const args = parseCommandLine(["site", "--reuse-port"]);
  assert.equal(args.command === "serve" && args.reusePort, true);
  const defaults = parseCommandLine(["site"]);
  assert.equal(defaults.command === "serve" && defaults.reusePort, false);
  assert.throws(() => parseCommandLine(["site", "--reuse-port=yes"]), UsageError);
});

test("HELP documents --reuse-port and Deno's --unstable-net", () => {
  assert.match(HELP, /--reuse-port\s+let other fileserver processes share the port/);
  assert.match(HELP, /--unstable-net/);
});

test("parseCommandLine() reads the timeout flags in seconds, with the serve() defaults", () => {
  const defaults = parseCommandLine(["site"]);
  assert.ok(defaults.command === "serve");
  assert.equal(defaults.headersTimeoutSeconds, 10);
  assert.equal(defaults.idleTimeoutSeconds, 10);
  assert.equal(defaults.requestTimeoutSeconds, 300);
  const args = parseCommandLine([
    "site",
    "--headers-timeout",
    "2.5",
    "--idle-timeout",
    "0",
    "--request-timeout",
    "60",
  ]);
  assert.ok(args.command === "serve");
  assert.equal(args.headersTimeoutSeconds, 2.5);
  assert.equal(args.idleTimeoutSeconds, 0);
  assert.equal(args.requestTimeoutSeconds, 60);
  for (const flag of ["--headers-timeout", "--idle-timeout", "--request-timeout"]) {
    for (const bad of ["-1", "soon", "", "86401"]) {
      assert.throws(() => parseCommandLine(["site", flag, bad]), UsageError, `${flag} ${bad}`);
    }
  }
});

test("serveCommand() passes the timeout flags to serve() in milliseconds", async () => {
  const seen: ServeOptions[] = [];
  const args = parseCommandLine([
    ".",
    "--quiet",
    "--headers-timeout",
    "2.5",
    "--idle-timeout",
    "0",
    "--request-timeout",
    "60",
  ]);
  assert.ok(args.command === "serve");
  const status = await serveCommand(args, {
    name: "node",
    fileSystem: nodeFileSystem,
    compressor: zlibCompressor,
    archiver: zipArchiver,
    serve: (options) => {
      seen.push(options);
      return Promise.resolve({ url: new URL("http://127.0.0.1:1/"), finished: Promise.resolve() });
    },
  }, { out: () => {}, err: () => {}, onSignals: () => {}, exit: () => undefined as never });
  assert.equal(status, 0);
  assert.equal(seen[0].headersTimeoutMs, 2500);
  assert.equal(seen[0].idleTimeoutMs, 0);
  assert.equal(seen[0].requestTimeoutMs, 60_000);
});

test("HELP documents the timeout flags and their defaults", () => {
  assert.match(
    HELP,
    /--headers-timeout SECONDS\s+close a connection whose request headers[^]*default 10/,
  );
  assert.match(HELP, /--idle-timeout SECONDS\s+close a kept-alive connection[^]*default 10/);
  assert.match(
    HELP,
    /--request-timeout SECONDS\s+close a connection whose whole request[^]*default 300/,
  );
});

test("README lists the timeout options with their defaults, and their flags", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  for (
    const [option, flag] of [
      ["headersTimeoutMs", "--headers-timeout"],
      ["idleTimeoutMs", "--idle-timeout"],
      ["requestTimeoutMs", "--request-timeout"],
    ] as const
  ) {
    const ms = DEFAULT_TIMEOUTS[option];
    assert.match(readme, new RegExp(`^\\| \`${option}\`\\s+\\| \`${ms}\``, "m"), option);
    assert.match(readme, new RegExp(`^\\| \`${flag} SECONDS\`.*default ${ms / 1000};`, "m"));
  }
});

test("parseCommandLine() accepts an explicit serve command and --no-index", () => {
  const args = parseCommandLine(["serve", "--no-index"]);
  assert.equal(args.command === "serve" && args.index, false);
});

test("parseCommandLine() refuses two folders", () => {
  assert.throws(() => parseCommandLine(["a", "b"]), UsageError);
});

// Found by tests/properties/cli_args.test.ts: a usage message must be the
// one line main() promises, whatever was typed.
test("parseCommandLine() keeps usage messages on one line", () => {
  const message = (argv: string[]) => {
    try {
      parseCommandLine(argv);
    } catch (error) {
      assert.ok(error instanceof UsageError);
      return error.message;
    }
    assert.fail("no UsageError");
  };
  // parseArgs' own message goes on over three lines.
  assert.equal(message(["--index", "--verbose"]), "Option '--index' argument is ambiguous");
  // What was typed is quoted with its control characters escaped.
  assert.equal(
    message(["-p", "1\n2"]),
    "--port must be a whole number from 0 to 65535, not '1\\n2'",
  );
  assert.equal(message(["-H", "X: 1\r\nX-B: 2"]), "Malformed header 'X: 1\\r\\nX-B: 2'");
  assert.equal(
    message(["a", "\u001b[31mb"]),
    "Unexpected argument '\\u001b[31mb': serve takes one folder",
  );
});

test("parseHeader() keeps colons in the value and refuses bad names", () => {
  assert.deepEqual(parseHeader("Link: <https://x/>; rel=preload"), [
    "Link",
    "<https://x/>; rel=preload",
  ]);
  assert.throws(() => parseHeader(": value"), UsageError);
  assert.throws(() => parseHeader("Bad Name: v"), UsageError);
  assert.throws(() => parseHeader("X-A: a\r\nInjected: 1"), UsageError);
});

test("VERSION matches deno.json and package.json", () => {
  for (const file of ["../deno.json", "../package.json"]) {
    const json = JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8"));
    assert.equal(json.version, VERSION, file);
  }
});

test("Progress.line() shows percent, sizes, rate and ETA", () => {
  const progress = new Progress(0, 2048);
  const start = performance.now();
  progress.add(1024, () => {});
  const line = progress.line(start + 1000);
  assert.match(line, /^\[#{12}-{12}\] {2}50% {2}1\.0 KiB of 2\.0 KiB {2}.+\/s {2}ETA \d\d:\d\d$/);
  assert.match(new Progress(0, null).line(start + 1000), /^0 B {2}0 B\/s$/);
});

test("formatBytes() and formatDuration() pick readable units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GiB");
  assert.equal(formatDuration(75), "01:15");
  assert.equal(formatDuration(3725), "1:02:05");
});

// What a terminal shows after `text`: "\r" returns to the start of the line,
// "\x1b[K" erases from the cursor to the end, "\n" starts a new line.
function screen(text: string): string[] {
  const lines = [""];
  let column = 0;
  // deno-lint-ignore no-control-regex
  for (const part of text.split(/(\r|\n|\x1b\[K)/)) {
    const row = lines.length - 1;
    if (part === "\r") column = 0;
    else if (part === "\n") (lines.push(""), column = 0);
    else if (part === "\x1b[K") lines[row] = lines[row].slice(0, column);
    else {
      const line = lines[row].padEnd(column);
      lines[row] = line.slice(0, column) + part + line.slice(column + part.length);
      column += part.length;
    }
  }
  return lines;
}

test("Progress.add() leaves no tail of a longer line when a shorter one is drawn over it", () => {
  const progress = new Progress(0, 100);
  // A longer line on screen before, as an earlier draw with an h:mm:ss ETA.
  let written = "\r[" + "-".repeat(24) + "]   0%  1.0 KiB of 100.0 GiB  1000.0 KiB/s  ETA 29:07:38";
  progress.add(50, (text) => void (written += text));
  const lines = screen(written);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /ETA (\d\d:\d\d|--:--)$/, lines[0]);
});

test("Progress.interrupt() ends a drawn bar's line so that an error starts on a clean one", () => {
  const progress = new Progress(0, 10);
  let written = "";
  const write = (text: string) => void (written += text);
  progress.interrupt(write);
  assert.equal(written, "", "no bar drawn yet: nothing to end");
  progress.add(5, write);
  progress.interrupt(write);
  written += "fileserver: failed\n";
  assert.equal(screen(written).at(-2), "fileserver: failed");
});

test("parseHeader() refuses fields the runtime sets and values fetch cannot send", () => {
  for (const name of ["Content-Length", "Transfer-Encoding", "Connection", "Host", "Expect"]) {
    assert.throws(() => parseHeader(`${name}: 5`, "request"), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, new RegExp(`^-H ${name} cannot be set: `));
      return true;
    });
  }
  assert.throws(() => parseHeader("ETag: x", "response"), /-H ETag cannot be set/);
  assert.deepEqual(parseHeader("Host: x", "response"), ["Host", "x"]);
  assert.throws(() => parseHeader("X-A: a\u0001b", "request"), /printable Latin-1/);
  assert.throws(() => parseHeader("X-A: \u20ac", "request"), /printable Latin-1/);
  assert.deepEqual(parseHeader("X-A: caf\u00e9", "request"), ["X-A", "caf\u00e9"]);
});

test("parseCommandLine() refuses an empty value, naming the flag", () => {
  for (
    const [argv, flag] of [
      [["--index", ""], "--index"],
      [["--host", ""], "--host"],
      [["--auth", ""], "--auth"],
      [["-H", ""], "--header"],
      [["--cert", " "], "--cert"],
      [["get", "http://x/", "-o", ""], "--output"],
      [["get", "http://x/", "-u", ""], "--user"],
    ] as const
  ) {
    assert.throws(() => parseCommandLine(argv), (e: Error) => {
      assert.ok(e instanceof UsageError, argv.join(" "));
      assert.ok(e.message.startsWith(`${flag} `), e.message);
      return true;
    });
  }
});

test("parseCommandLine() turns the preset on by default and reads --cache rules in order", () => {
  const defaults = parseCommandLine(["site"]);
  assert.ok(defaults.command === "serve");
  assert.deepEqual(defaults.cache, { rules: [], preset: true });
  assert.deepEqual(defaults.cacheExplain, []);
  const args = parseCommandLine([
    "site",
    "--cache",
    "downloads/**=no-store",
    "--cache=/assets/*.css = public, max-age=60",
    "--cache-explain",
    "/a.js",
  ]);
  assert.ok(args.command === "serve");
  assert.deepEqual(args.cache, {
    rules: [["downloads/**", "no-store"], ["/assets/*.css", "public, max-age=60"]],
    preset: true,
  });
  assert.deepEqual(args.cacheExplain, ["/a.js"]);
});

test("parseCache() reads preset, off, and rules with or without the preset", () => {
  assert.deepEqual(parseCache(["preset"]), { rules: [], preset: true });
  assert.equal(parseCache(["off"]), false);
  assert.deepEqual(parseCache(["off", "*.pdf=no-store"]), {
    rules: [["*.pdf", "no-store"]],
    preset: false,
  });
  // The value may hold "=": only the first one separates.
  assert.deepEqual(parseCache(["a=max-age=60"]), { rules: [["a", "max-age=60"]], preset: true });
});

test("parseCache() refuses malformed rules and contradictions, naming the flag", () => {
  for (
    const bad of [["x"], ["=no-store"], ["a="], ["a**=x"], ["a//b=x"], ["a=\u00e9\u2603"], [
      "preset",
      "off",
    ]]
  ) {
    assert.throws(
      () => parseCache(bad),
      (error: Error) => error instanceof UsageError && /--cache/.test(error.message),
      JSON.stringify(bad),
    );
  }
});

test("parseCache() lets -H Cache-Control replace the default preset, and refuses both", () => {
  const fixed: Array<[string, string]> = [["Cache-Control", "max-age=60"]];
  assert.equal(parseCache([], fixed), false);
  assert.equal(parseCache(["off"], fixed), false);
  assert.throws(() => parseCache(["preset"], fixed), UsageError);
  assert.throws(() => parseCache(["a=b"], fixed), /both set Cache-Control/);
  assert.throws(
    () => parseCommandLine(["site", "-H", "cache-control: no-store", "--cache", "a=b"]),
    UsageError,
  );
});

test("explainCache() names the value and the rule or preset class for each path", () => {
  const cache = { rules: [["downloads/**", "no-store"]] as Array<[string, string]>, preset: true };
  assert.deepEqual(
    explainCache(cache, [
      "/downloads/x.zip",
      "/assets/index-BxT3k9Qa.js?v=1",
      "/",
      "/about.html",
      "robots.txt",
      "/caf%C3%A9.txt",
    ]),
    [
      '/downloads/x.zip: no-store (rule "downloads/**")',
      "/assets/index-BxT3k9Qa.js?v=1: public, max-age=31536000, immutable " +
      "(preset: fingerprinted name)",
      "/: no-cache (preset: other file)",
      "/about.html: no-cache (preset: HTML)",
      "robots.txt: no-cache (preset: other file)",
      "/caf%C3%A9.txt: no-cache (preset: other file)",
    ],
  );
  assert.deepEqual(explainCache(false, ["/a.js"]), ["/a.js: no Cache-Control (--cache off)"]);
  assert.deepEqual(explainCache({ rules: [], preset: false }, ["/a.js"]), [
    "/a.js: no Cache-Control (no rule matched, preset off)",
  ]);
});

test("describeCache() lists the rules in order, then the preset", () => {
  assert.match(
    describeCache({ rules: [["a/**", "no-store"]], preset: true }),
    /^a\/\*\*=no-store; preset/,
  );
  assert.match(describeCache(false), /--cache off/);
  assert.equal(
    describeCache(false, "max-age=60"),
    "max-age=60 on every response (-H Cache-Control)",
  );
  assert.deepEqual(explainCache(false, ["/a.js"], "max-age=60"), [
    "/a.js: max-age=60 (-H Cache-Control, on every response)",
  ]);
});

test("serveCommand() gives createFileHandler() the --cache policy; --cache-explain serves nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fileserver-cli-cache-"));
  try {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "assets", "index-BxT3k9Qa.js"), "x");
    writeFileSync(join(dir, "report.pdf"), "x");
    const seen: ServeOptions[] = [];
    const out: string[] = [];
    const adapter = {
      name: "node" as const,
      fileSystem: nodeFileSystem,
      compressor: zlibCompressor,
      archiver: zipArchiver,
      serve: (options: ServeOptions) => {
        seen.push(options);
        return Promise.resolve({
          url: new URL("http://127.0.0.1:1/"),
          finished: Promise.resolve(),
        });
      },
    };
    const io = {
      out: (line: string) => void out.push(line),
      err: () => {},
      onSignals: () => {},
      exit: () => undefined as never,
    };
    const args = parseCommandLine([dir, "--quiet", "--cache", "*.pdf=no-store"]);
    assert.ok(args.command === "serve");
    assert.equal(await serveCommand(args, adapter, io), 0);
    const handler = seen[0].handler!;
    const js = await handler(new Request("http://127.0.0.1/assets/index-BxT3k9Qa.js"));
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const pdf = await handler(new Request("http://127.0.0.1/report.pdf"));
    assert.equal(pdf.headers.get("cache-control"), "no-store");
    await js.body?.cancel();
    await pdf.body?.cancel();
    assert.match(out.join("\n"), /^ {2}Cache: {4}\*\.pdf=no-store; preset/m);

    out.length = 0;
    const explain = parseCommandLine(["/nonexistent", "--cache-explain", "/report.pdf"]);
    assert.ok(explain.command === "serve");
    assert.equal(await serveCommand(explain, adapter, io), 0);
    assert.deepEqual(out, ["/report.pdf: no-cache (preset: other file)"]);
    assert.equal(seen.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("HELP documents --cache and --cache-explain", () => {
  assert.match(HELP, /--cache RULE\s+Cache-Control policy: preset/);
  assert.match(HELP, /--cache-explain PATH/);
});
