// Properties of the command-line parser: any argv gives a well-typed
// command or a UsageError with a one-line message (exit status 2), never
// another exception.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCommandLine, UsageError } from "../../src/cli/args.ts";
import { type Io, main } from "../../src/cli.ts";
import { check } from "../_helpers/properties.ts";

const FLAGS = [
  "serve",
  "get",
  "-p",
  "--port",
  "--port=",
  "--host",
  "--listing",
  "--listing=yes",
  "--dotfiles",
  "--dotfiles=deny",
  "--index",
  "--no-index",
  "--spa",
  "--spa=app.html",
  "--404",
  "--no-404",
  "--clean-urls",
  "-H",
  "--header",
  "--cors",
  "--no-precompressed",
  "--no-compress",
  "--cert",
  "--key",
  "--auth",
  "--auth-file",
  "-q",
  "--quiet",
  "--log-format",
  "--grace",
  "--reuse-port",
  "--cache",
  "--cache=off",
  "--cache-explain",
  "-h",
  "--help",
  "-V",
  "--version",
  "-o",
  "--output",
  "-u",
  "--user",
  "--max-redirects",
  "-c",
  "--continue",
  "-v",
  "--verbose",
  "--",
  "-",
  "-pq",
  "-qp",
  "-Hv",
  "--unknown",
  "--no-listing",
  "--PORT",
];
const VALUES = [
  "0",
  "8000",
  "65535",
  "65536",
  "-1",
  "1e3",
  "0x10",
  " 80",
  "NaN",
  "Infinity",
  "1.5",
  "abc",
  "deny",
  "allow",
  "ignore",
  "json",
  "common",
  "combined",
  "xml",
  "a.html,b.html",
  ",",
  "X-A: 1",
  "X-A:",
  ": v",
  "bad header",
  "Bad Name: v",
  "X:\u00e9",
  "u:p",
  "http://127.0.0.1:8000/",
  "site",
  "",
  " ",
  "a\nb",
  "X-A: 1\r\nX-B: 2",
  "\u0000",
  "\u001b[31m",
  "ü",
  "preset",
  "off",
  "assets/**=public, max-age=31536000, immutable",
  "**/*.pdf=no-store",
  "a**b=x",
  "=no-store",
  "a//b=x",
  "/x=\u00e9",
];

const token = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("--port=", "--grace=", "-p", "--header=", "-H", "--cache="),
      fc.constantFrom(...VALUES),
    )
      .map(([flag, value]) => flag + value),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
);
const argv = fc.array(token, { maxLength: 8 });

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function assertOneLine(text: string, label: string): void {
  assert.equal(typeof text, "string", label);
  assert.ok(text.length > 0, `${label}: empty`);
  // One line, and nothing that would drive a terminal.
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\0-\x1f\x7f-\x9f\u2028\u2029]/.test(text), `${label}: ${JSON.stringify(text)}`);
}

function assertHeaders(headers: Array<[string, string]>): void {
  for (const [name, value] of headers) {
    assert.match(name, TOKEN);
    assert.ok(!/[\r\n\0]/.test(value), JSON.stringify(value));
  }
}

test("parseCommandLine() gives a well-typed command or a one-line UsageError for any argv", () => {
  check(
    fc.property(argv, (args) => {
      let parsed;
      try {
        parsed = parseCommandLine(args);
      } catch (error) {
        assert.ok(error instanceof UsageError, `${JSON.stringify(args)}: ${error}`);
        assertOneLine(error.message, `message for ${JSON.stringify(args)}`);
        assertOneLine(error.hint, `hint for ${JSON.stringify(args)}`);
        return;
      }
      switch (parsed.command) {
        case "help":
        case "version":
          return;
        case "serve":
          assert.ok(Number.isInteger(parsed.port) && parsed.port >= 0 && parsed.port <= 65535);
          assert.ok(Number.isFinite(parsed.graceSeconds) && parsed.graceSeconds >= 0);
          assert.ok(parsed.graceSeconds <= 86_400);
          assert.ok(["ignore", "deny", "allow"].includes(parsed.dotfiles));
          assert.ok(["combined", "common", "json"].includes(parsed.logFormat));
          assert.ok(
            parsed.index === false || parsed.index.every((n) => n !== "" && !n.includes(",")),
          );
          assertHeaders(parsed.headers);
          assert.ok(parsed.spa === null || parsed.spa.trim() !== "");
          assert.ok(parsed.notFound === null || parsed.notFound.trim() !== "");
          assert.ok(parsed.notFound === null || !parsed.noNotFound);
          assert.ok(parsed.cache === false || typeof parsed.cache.preset === "boolean");
          if (parsed.cache !== false) {
            for (const [glob, value] of parsed.cache.rules) {
              assert.ok(glob !== "" && value !== "" && !/[\r\n\0]/.test(value), value);
            }
          }
          return;
        case "get":
          assert.ok(Number.isInteger(parsed.maxRedirects));
          assert.ok(parsed.maxRedirects >= 0 && parsed.maxRedirects <= 1000);
          assert.equal(typeof parsed.url, "string");
          assertHeaders(parsed.headers);
          return;
        default:
          assert.fail(`unknown command ${JSON.stringify(parsed)}`);
      }
    }),
    3000,
  );
});

test("main() exits 2 with one line and a hint for any argv that is a usage mistake", async () => {
  await check(
    fc.asyncProperty(argv, async (args) => {
      try {
        parseCommandLine(args);
        return; // a valid command would serve or fetch: not run here
      } catch {
        // a usage mistake: main() must say so in one line
      }
      const lines: string[] = [];
      const io: Io = {
        out: (line) => void lines.push(line),
        err: (line) => void lines.push(line),
        onSignals: () => {},
        exit: (status) => {
          throw new Error(`exit(${status}) called`);
        },
      };
      const status = await main(args, io);
      assert.equal(status, 2, JSON.stringify(args));
      assert.equal(lines.length, 2, JSON.stringify(lines));
      assert.ok(lines[0].startsWith("fileserver: "), lines[0]);
      for (const line of lines) assertOneLine(line, `output for ${JSON.stringify(args)}`);
    }),
    500,
  );
});
