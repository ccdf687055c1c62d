// Properties of path resolution: whatever the request target, the answer
// names a file under the root or is a refusal; never a throw, never a 500.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { posix } from "node:path";
import fc from "fast-check";
import { encodePath, isRefused, resolvePath } from "../../src/core/resolve_path.ts";
import { CACHED_REPLY, createFileHandler, HANDLE_VIEW } from "../../src/core/handler.ts";
import { buildFixture, ODD_NAMES, runtimeFileSystem } from "../_helpers/fixture.ts";
import { assertLinear, check, repeating, utf16String } from "../_helpers/properties.ts";

const fixture = buildFixture();
after(() => fixture.remove());
const ROOT = fixture.root;
const SECRETS = ["top secret\n", "outside\n"];

// Names in the fixture, ways out of it, and the encodings that fool
// decoders: dot segments in every spelling, overlong and invalid UTF-8,
// separators, NUL, `;` parameters, both normalisation forms of "ü".
const NAMES = [
  "hello.txt",
  "index.html",
  "empty.txt",
  "nested",
  "deeper",
  "file.txt",
  "docs",
  "sub",
  "page.html",
  "readme.md",
  "odd",
  "emptydir",
  ".env",
  ".git",
  "config",
  ".well-known",
  "security.txt",
  ".hidden",
  ".secret",
  "www",
  "www-secret",
  "secret.txt",
  "outside.txt",
  "link-inside.txt",
  "link-inside-dir",
  "link-outside.txt",
  "link-outside-dir",
  "devnull",
  "dangling",
  "fifo",
  "socket",
  "static",
  ...Object.values(ODD_NAMES),
  ...Object.values(ODD_NAMES).map(encodeURIComponent),
];
const TRICKS = [
  ".",
  "..",
  "%2e",
  "%2E",
  "%2e%2e",
  ".%2e",
  "%2e.",
  "%252e%252e",
  "%c0%ae",
  "%c0%ae%c0%ae",
  "%e0%80%ae",
  "%c0%af",
  "%c1%9c",
  "%ef%bc%8e",
  "\uff0e\uff0e",
  "%ff",
  "%fe%ff",
  "%C3",
  "%C3%BC",
  "u%CC%88",
  "\u00fc",
  "u\u0308",
  "%",
  "%z",
  "%2",
  "%%32%65",
  "%2f",
  "%2F",
  "%5c",
  "%5C",
  "\\",
  "%00",
  "\0",
  "\t",
  "\n",
  " ",
  "%20",
  ";",
  ";x=1",
  "%3b",
  "?",
  "#",
  "%3f",
  "%23",
  "@",
  ":",
  "~",
  "*",
  "HELLO.TXT",
  "hello.txt.",
  "hello.txt::$DATA",
  "a".repeat(300),
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) },
);
const segment = fc.array(piece, { minLength: 1, maxLength: 2 }).map((parts) => parts.join(""));
const separator = fc.constantFrom("/", "/", "/", "//", "\\", "/./", "/../", "/%2e%2e/");

/** A request target: segments joined by separators, maybe a trailing one. */
const anyTarget: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(separator, segment), { maxLength: 5 }),
    fc.constantFrom("", "/", "?q=1", "/?a", "#frag"),
  )
  .map(([parts, end]) => parts.map(([sep, seg]) => sep + seg).join("") + end)
  .map((path) => (path.startsWith("/") ? path : "/" + path));

// Real paths in and around the fixture, to be bent by the edits below.
const KNOWN = [
  "",
  "hello.txt",
  "index.html",
  "nested/",
  "nested/deeper/file.txt",
  "docs/sub/page.html",
  "docs/",
  "emptydir/",
  ".well-known/security.txt",
  ".well-known/.hidden",
  ".env",
  ".git/config",
  "link-inside.txt",
  "link-inside-dir/deeper/file.txt",
  "link-outside.txt",
  "link-outside-dir/secret.txt",
  "../www-secret/secret.txt",
  "../outside.txt",
  "fifo",
  ...Object.values(ODD_NAMES).map((name) => "odd/" + encodeURIComponent(name)),
];

function percentEncode(text: string, lower: boolean): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const hex = byte.toString(16).padStart(2, "0");
    out += "%" + (lower ? hex : hex.toUpperCase());
  }
  return out;
}

type Edit = [kind: number, at: number, trick: string];

// One edit of a path's segments: encode a segment (each of its characters,
// or one), put a trick before it or after it, join it to the previous one
// with another separator, spell its dots overlong, or decompose it.
function edit(segments: string[], [kind, at, trick]: Edit): string[] {
  const out = [...segments];
  const i = at % Math.max(out.length, 1);
  const s = out[i] ?? "";
  const plain = (() => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  })();
  switch (kind) {
    case 0:
      out[i] = percentEncode(plain, at % 2 === 0);
      break;
    case 1: {
      const chars = [...plain];
      const c = at % Math.max(chars.length, 1);
      if (chars.length > 0) chars[c] = percentEncode(chars[c], false);
      out[i] = chars.join("");
      break;
    }
    case 2:
      out.splice(i, 0, trick);
      break;
    case 3:
      out[i] = s + trick;
      break;
    case 4:
      if (i > 0) out.splice(i - 1, 2, out[i - 1] + ["\\", "%2f", "%5C", "//"][at % 4] + s);
      break;
    case 5:
      out[i] = s.replaceAll(".", at % 2 === 0 ? "%c0%ae" : "%e0%80%ae");
      break;
    case 6:
      out[i] = plain.normalize("NFD");
      break;
  }
  return out;
}

/** A real path bent by a few edits. */
const nearTarget: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...KNOWN),
    fc.array(fc.tuple(fc.nat(6), fc.nat(50), fc.constantFrom(...TRICKS)), { maxLength: 3 }),
  )
  .map(([path, edits]) => "/" + edits.reduce(edit, path.split("/")).join("/"));

/** Any request target, or a real one bent a little. */
const target: fc.Arbitrary<string> = fc.oneof(anyTarget, nearTarget, nearTarget);

// ---------------------------------------------------------------------------
// resolvePath() alone

test("resolvePath() keeps any pathname inside the root or refuses it with 400/404", () => {
  const urlRoot = fc.constantFrom("", "/static", "/a%20b");
  check(
    fc.property(target, fc.boolean(), urlRoot, (raw, normalise, prefix) => {
      // Both the raw target and what the URL parser makes of it.
      const pathname = normalise ? new URL("http://localhost" + raw).pathname : raw;
      const result = resolvePath(pathname, prefix);
      if (isRefused(result)) {
        assert.ok(result.status === 400 || result.status === 404, String(result.status));
        return;
      }
      for (const s of result.segments) {
        assert.ok(s !== "" && s !== "." && s !== "..", `segment ${JSON.stringify(s)}`);
        assert.ok(!/[/\\\0]/.test(s), `segment ${JSON.stringify(s)}`);
      }
      const joined = posix.join("/srv/www", ...result.segments);
      assert.ok(joined === "/srv/www" || joined.startsWith("/srv/www/"), joined);
      assert.ok(prefix === "" || pathname === prefix || pathname.startsWith(prefix + "/"));
      // Encoding the segments again names the same path.
      // ("/." names the root without a slash, but "" is no pathname.)
      const again = encodePath(result.segments, prefix) + (result.trailingSlash ? "/" : "") || "/";
      const reparsed = resolvePath(again, prefix);
      assert.ok(!isRefused(reparsed), again);
      assert.deepEqual(reparsed.segments, result.segments);
      if (again !== "/") assert.equal(reparsed.trailingSlash, result.trailingSlash);
    }),
    2000,
  );
});

test("resolvePath() never throws on any string", () => {
  const text = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), utf16String(20));
  const slashed = text.map((s) => "/" + s);
  check(
    fc.property(fc.oneof(text, slashed, target), fc.oneof(text, slashed), (path, prefix) => {
      const result = resolvePath(path, prefix);
      assert.ok(isRefused(result) || Array.isArray(result.segments));
    }),
    2000,
  );
});

test("resolvePath() reads a 1 MiB pathname in linear time", async () => {
  await assertLinear(
    "resolvePath()",
    (path: string) => {
      resolvePath(path, "");
      resolvePath(path, "/static");
    },
    repeating(["a", "//", "%41", "%e0%80%ae/", "\\"]).map((make) => (n: number) =>
      "/static/" + make(n)
    ),
  );
});

// A decoded segment name as a person would type it: any characters but
// separators, controls (the URL parser drops or trims some) and dot names.
const typedName = fc
  .string({ unit: fc.constantFrom(..."az09 .-_~!$&'()*+,;=:@%?#[]ü文\u{1F600}"), minLength: 1 })
  .filter((s) => s !== "." && s !== ".." && s.trim() === s);

// What the URL parser makes of a typed segment: it encodes "%" only when
// it starts no escape, and "?" and "#" would end the path.
function typed(name: string): string {
  return name.replace(/[%?#]/g, encodeURIComponent);
}

test("resolvePath() finds the segments under a urlRoot however the URL parser spells it", () => {
  check(
    fc.property(
      fc.array(typedName, { minLength: 1, maxLength: 2 }),
      fc.array(typedName, { maxLength: 3 }),
      (prefix, segments) => {
        const url = new URL("http://localhost/" + [...prefix, ...segments].map(typed).join("/"));
        // The urlRoot as createFileHandler() stores it.
        const urlRoot = prefix.map((s) => "/" + encodeURIComponent(s)).join("");
        const result = resolvePath(url.pathname, urlRoot);
        assert.ok(
          !isRefused(result),
          `${url.pathname} under ${urlRoot}: ${JSON.stringify(result)}`,
        );
        assert.deepEqual(result.segments, segments);
      },
    ),
    1000,
  );
});

// ---------------------------------------------------------------------------
// The whole handler

test("createFileHandler() serves under any urlRoot, as the URL parser spells it", async () => {
  const fs = await runtimeFileSystem();
  await check(
    fc.asyncProperty(fc.array(typedName, { minLength: 1, maxLength: 2 }), async (prefix) => {
      const handler = createFileHandler({ root: ROOT, fs, urlRoot: "/" + prefix.join("/") });
      const base = "http://localhost/" + prefix.map(typed).join("/");
      const file = await handler(new Request(base + "/hello.txt"));
      assert.equal(file.status, 200, base);
      assert.equal(await file.text(), "hello world\n");
      const folder = await handler(new Request(base));
      await folder.body?.cancel();
      assert.equal(folder.status, 301, base);
      const index = await handler(new Request(new URL(folder.headers.get("location")!, base)));
      assert.equal(index.status, 200, base);
      assert.equal(await index.text(), "<!DOCTYPE html><title>home</title>\n");
    }),
    200,
  );
});

interface Config {
  dotfiles: "ignore" | "deny" | "allow";
  symlinks: "inside" | "never";
  listing: boolean;
  urlRoot: string;
}

type Expected =
  | { status: 200; body: Uint8Array | "listing" }
  | { status: 301; location: string }
  | { status: 400 | 403 | 404 };

const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG"]);

// What a path names under the policy, found with node:fs alone.
function find(
  segments: string[],
  config: Config,
): { path: string; kind: "file" | "directory" | "other" } | 403 | 404 {
  const joined = segments.length === 0 ? ROOT : ROOT + "/" + segments.join("/");
  let real: string;
  try {
    real = realpathSync(joined);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (NOT_FOUND.has(code)) return 404;
    if (code === "EACCES") return 403;
    throw error;
  }
  if (real !== ROOT && !real.startsWith(ROOT + "/")) return 404;
  if (config.symlinks === "never" && real !== joined) return 404;
  const stat = statSync(real);
  return { path: real, kind: stat.isFile() ? "file" : stat.isDirectory() ? "directory" : "other" };
}

/**
 * The answer a request target deserves, worked out independently of the
 * handler: decode each segment once, refuse what could leave the root or
 * hide a separator, apply the dotfile and symlink policies, then look.
 */
function expected(url: URL, config: Config): Expected {
  let rest = url.pathname;
  if (config.urlRoot !== "") {
    if (rest === config.urlRoot) rest = "";
    else if (rest.startsWith(config.urlRoot + "/")) rest = rest.slice(config.urlRoot.length);
    else return { status: 404 };
  }
  const segments: string[] = [];
  for (const raw of rest.split("/")) {
    if (raw === "") continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return { status: 400 };
    }
    if (/[/\\\0]/.test(raw + decoded) || decoded === "..") return { status: 400 };
    if (decoded !== ".") segments.push(decoded);
  }
  const dotted = segments.findIndex((s, i) =>
    s.startsWith(".") && !(i === 0 && s === ".well-known")
  );
  if (dotted !== -1 && config.dotfiles !== "allow") {
    return { status: config.dotfiles === "deny" ? 403 : 404 };
  }
  const found = find(segments, config);
  if (typeof found === "number") return { status: found };
  const trailing = rest.endsWith("/");
  if (found.kind === "directory") {
    if (!trailing) {
      const path = config.urlRoot + segments.map((s) => "/" + encodeURIComponent(s)).join("");
      return { status: 301, location: path + "/" + url.search };
    }
    const index = find([...segments, "index.html"], config);
    if (typeof index !== "number" && index.kind === "file") {
      return { status: 200, body: readFileSync(index.path) };
    }
    return config.listing ? { status: 200, body: "listing" } : { status: 404 };
  }
  if (found.kind !== "file" || trailing) return { status: 404 };
  return { status: 200, body: readFileSync(found.path) };
}

async function assertAnswer(
  response: Response,
  want: Expected,
  method: string,
  label: string,
): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  assert.equal(response.status, want.status, label);
  const text = new TextDecoder().decode(body);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${label}: leaked ${secret}`);
  if (want.status === 301) {
    const location = response.headers.get("location") ?? "";
    assert.equal(location, want.location, label);
    // Never another host: not `//host` nor `/\host`.
    assert.match(location, /^\/(?![/\\])/, label);
  }
  if (want.status !== 200 || method === "HEAD") {
    if (method === "HEAD") assert.equal(body.byteLength, 0, label);
    return;
  }
  if (want.body === "listing") {
    assert.equal(response.headers.get("vary"), "Accept", label);
    assert.ok(!text.includes("link-outside") && !text.includes("secret"), `${label}: ${text}`);
  } else {
    assert.deepEqual(body, new Uint8Array(want.body), label);
  }
}

const CONFIGS: Array<[string, Config]> = [
  ["defaults", { dotfiles: "ignore", symlinks: "inside", listing: false, urlRoot: "" }],
  [
    "dotfiles 'deny', symlinks 'never', listing",
    { dotfiles: "deny", symlinks: "never", listing: true, urlRoot: "" },
  ],
  ["urlRoot '/static', dotfiles 'allow'", {
    dotfiles: "allow",
    symlinks: "inside",
    listing: false,
    urlRoot: "/static",
  }],
];

for (const [name, config] of CONFIGS) {
  test(`createFileHandler() (${name}) serves only files under the root, for any target`, async () => {
    const errors: unknown[] = [];
    const handler = createFileHandler({
      root: ROOT,
      fs: await runtimeFileSystem(),
      ...config,
      onError: (error) => errors.push(error),
    });
    const prefixed = config.urlRoot === ""
      ? target
      : fc.oneof(target, target.map((t) => config.urlRoot + t));
    await check(
      fc.asyncProperty(prefixed, fc.constantFrom("GET", "HEAD"), async (raw, method) => {
        const href = "http://localhost" + raw;
        const url = new URL(href);
        const want = expected(url, config);
        const label = `${method} ${JSON.stringify(raw)} (${url.pathname})`;
        const headers = new Headers();
        await assertAnswer(await handler(new Request(href, { method })), want, method, label);
        // The Node adapter's side doors get the raw target, not the parser's.
        const view = { method, url: href, headers };
        const viewed = await handler[HANDLE_VIEW](view, () => new Request(href, { method }));
        await assertAnswer(viewed, want, method, `${label} through HANDLE_VIEW`);
        const reply = await handler[CACHED_REPLY](method, raw, headers);
        if (reply !== null) await assertAnswer(reply.response(), want, method, `${label} cached`);
        assert.deepEqual(errors, [], label);
      }),
      300,
    );
  });
}
