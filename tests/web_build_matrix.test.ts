// The web-build matrix (issue 12, "Proof"): real builds served by the
// running runtime's serve() and asked over raw sockets, so that every coded
// body is seen as sent and decoded here. The cases are generated as the
// product of the dimensions below, and each is checked against the
// invariants, not against a recorded answer:
//
// - representations: encoding × Range × conditional × GET/HEAD, for the
//   files of a Vite build;
// - routing: SPA × clean URLs × dotfiles × cache preset, for the paths of a
//   SvelteKit build, each path asked with one of the encodings in turn;
// - negotiation edge cases: q-values, `*`, upper case, whitespace, unknown
//   codings.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "../src/adapters/_serve_options.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import { headerValues, rawExchange } from "./_helpers/raw_http.ts";
import {
  buildPlainSite,
  buildSvelteKitApp,
  buildViteApp,
  VITE_ENTRY,
  VITE_VENDOR,
  type WebBuild,
} from "./_helpers/web_builds.ts";
import {
  type Answer,
  assertFraming,
  type Coding,
  codingOf,
  decode,
  type Encoding,
  ENCODINGS,
  exchange,
  presetCacheControl,
  representation,
  route,
  type RoutingConfig,
  varies,
} from "./_helpers/web_matrix.ts";

const vite = buildViteApp();
const svelte = buildSvelteKitApp();
const plain = buildPlainSite();
const controller = new AbortController();
const servers: Server[] = [];
let requests = 0;
// What the cases came to, so that a model that matched nothing cannot pass.
const seen = new Map<string, number>();
const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

after(async () => {
  controller.abort();
  await Promise.all(servers.map((server) => server.finished));
  for (const build of [vite, svelte, plain]) build.remove();
  // How many requests this file sent on this runtime (the bound in the brief).
  console.log(`web_build_matrix: ${requests} requests`);
});

const serve = await runtimeServe();

async function start(build: WebBuild, options: Record<string, unknown>): Promise<URL> {
  const server = await serve({
    root: build.root,
    port: 0,
    signal: controller.signal,
    precompressed: true,
    compress: true,
    ...options,
  });
  servers.push(server);
  return server.url;
}

async function ask(
  url: URL,
  method: string,
  target: string,
  headers: Record<string, string | null | undefined>,
): Promise<Answer> {
  requests++;
  return await exchange(url, method, target, headers);
}

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const ONE_YEAR = "public, max-age=31536000, immutable";

// ---------------------------------------------------------------------------
// Representations: encoding × Range × conditional × method.

interface FileTarget {
  build: WebBuild;
  /** The URL path asked for. */
  target: string;
  /** The file it names, below the root. */
  path: string;
  /** The Cache-Control every answer for it carries. */
  cacheControl: string | null;
}

const RANGES = [null, "bytes=0-99"] as const;
const CONDITIONALS = ["none", "right", "wrong"] as const;
const WRONG_TAG = '"not-this-version"';

let viteUrl: URL;
let plainUrl: URL;
before(async () => {
  viteUrl = await start(vite, {
    spa: true,
    cacheControl: { rules: [["favicon.svg", "public, max-age=600"]] },
  });
  plainUrl = await start(plain, {
    cleanUrls: true,
    notFound: "404.html",
    dotfiles: "deny",
    cacheControl: true,
  });
});

function fileTargets(): FileTarget[] {
  return [
    // A folder URL: the index's sidecars.
    { build: vite, target: "/", path: "index.html", cacheControl: "no-cache" },
    { build: vite, target: `/${VITE_ENTRY}`, path: VITE_ENTRY, cacheControl: ONE_YEAR },
    // Hashed, but an image: never coded.
    {
      build: vite,
      target: "/assets/logo-Cq3bT9xZ.png",
      path: "assets/logo-Cq3bT9xZ.png",
      cacheControl: ONE_YEAR,
    },
    // No sidecar: compressed on the fly; and a user's rule before the preset.
    {
      build: vite,
      target: "/favicon.svg",
      path: "favicon.svg",
      cacheControl: "public, max-age=600",
    },
    // No sidecar and over 64 KiB: compressed as it is sent.
    { build: vite, target: `/${VITE_VENDOR}`, path: VITE_VENDOR, cacheControl: ONE_YEAR },
  ];
}

interface Case {
  encoding: Encoding;
  range: string | null;
  conditional: (typeof CONDITIONALS)[number];
}

/** The request product, base case (no Range, no conditional) of each encoding first. */
function requestCases(): Case[] {
  const cases: Case[] = [];
  for (const range of RANGES) {
    for (const conditional of CONDITIONALS) {
      for (const encoding of ENCODINGS) cases.push({ encoding, range, conditional });
    }
  }
  return cases;
}

test("web build matrix: every representation of every file keeps the invariants", async () => {
  let cases = 0;
  for (const file of fileTargets()) {
    const url = viteUrl;
    const original = file.build.files.get(file.path)!;
    // The 200 of each representation, by coding (`identity` for none).
    const whole = new Map<string, Answer>();
    for (const { encoding, range, conditional } of requestCases()) {
      cases++;
      const rep = representation(file.build, file.path, encoding, range !== null);
      const coding = codingOf(rep);
      const label = `${file.target} [${encoding.name}, range ${range}, ${conditional}]`;
      const reference = whole.get(coding ?? "identity");
      const tag = conditional === "right"
        ? reference?.fields.etag
        : conditional === "wrong"
        ? WRONG_TAG
        : undefined;
      const headers = {
        "accept-encoding": encoding.field,
        range,
        "if-none-match": tag,
      };
      const get = await ask(url, "GET", file.target, headers);
      const head = await ask(url, "HEAD", file.target, headers);
      assertFraming(label, get, head);
      assert.ok(varies(get, "accept-encoding"), `${label}: Vary ${get.fields.vary}`);

      saw(
        `${rep.kind}${rep.kind === "on-the-fly" && rep.streamed ? " streamed" : ""} ${get.status}`,
      );
      if (rep.kind === "406") {
        assert.equal(get.status, 406, label);
        continue;
      }
      if (conditional === "right" && tag !== undefined) {
        // RFC 9110 §13.2.2: If-None-Match before Range; a 304 carries what
        // the 200 would (§15.4.5).
        assert.equal(get.status, 304, label);
        assert.equal(get.body.byteLength, 0, label);
        for (const name of ["etag", "vary", "cache-control"]) {
          assert.equal(get.fields[name], reference!.fields[name], `${label}: 304 ${name}`);
        }
        continue;
      }
      assert.equal(get.fields["content-encoding"], coding ?? undefined, `${label}: coding`);
      assert.equal(get.fields["cache-control"], file.cacheControl ?? undefined, label);
      const streamed = rep.kind === "on-the-fly" && rep.streamed;
      // Bytes compressed as they are sent have no length to give and no
      // ranges to offer.
      assert.equal(get.fields["accept-ranges"], streamed ? "none" : "bytes", label);
      if (streamed) assert.equal(get.fields["content-length"], undefined, label);
      // A Range for a client that refuses the file's own bytes is ignored
      // for a whole coded answer (RFC 9110 §14.2) rather than answered 406.
      if (range === null || rep.kind === "on-the-fly") {
        assert.equal(get.status, 200, label);
        assert.deepEqual(decode(coding, get.body), original, `${label}: decoded body`);
        if (rep.kind === "sidecar") assert.deepEqual(get.body, rep.bytes, label);
        if (conditional === "none" && range === null) {
          whole.set(coding ?? "identity", get);
          // A file's and a sidecar's bytes are fixed by the file: a strong
          // tag. Bytes made on the fly may differ with the next version of
          // the compressor: a weak one (RFC 9110 §8.8.1).
          const tagged = rep.kind === "on-the-fly" ? /^W\/"[^"]+"$/ : /^"[^"]+"$/;
          assert.match(get.fields.etag, tagged, `${label}: ETag`);
        } else if (whole.has(coding ?? "identity")) {
          assert.equal(get.fields.etag, whole.get(coding ?? "identity")!.fields.etag, label);
        }
        continue;
      }
      // A Range is served from bytes that stay put: a sidecar's, or the
      // file's own; never from bytes compressed on the fly.
      assert.equal(get.status, 206, label);
      assert.notEqual(rep.kind, "on-the-fly");
      const sent = rep.kind === "sidecar" ? rep.bytes : original;
      assert.equal(get.fields["content-range"], `bytes 0-99/${sent.byteLength}`, label);
      assert.deepEqual(get.body, sent.subarray(0, 100), `${label}: range body`);
      assert.equal(get.fields.etag, whole.get(coding ?? "identity")!.fields.etag, label);
    }
    // Each coding has its own ETag.
    const tags = [...whole.values()].map((answer) => answer.fields.etag);
    assert.equal(new Set(tags).size, tags.length, `${file.target}: ${tags}`);
    assert.ok(
      whole.size >= 2 || file.path.endsWith(".png"),
      `${file.target}: ${[...whole.keys()]}`,
    );
  }
  assert.equal(cases, 5 * 2 * 3 * 5);
  for (
    const outcome of [
      "sidecar 200",
      "sidecar 206",
      "sidecar 304",
      "on-the-fly 200",
      "on-the-fly 304",
      "on-the-fly streamed 200",
      "on-the-fly streamed 304",
      "identity 200",
      "identity 206",
      "identity 304",
      "406 406",
    ]
  ) assert.ok(seen.has(outcome), `no case came to ${outcome}: ${[...seen.keys()]}`);
});

// ---------------------------------------------------------------------------
// Routing: SPA × clean URLs × dotfiles × cache preset on a SvelteKit build.

interface ServerConfig extends RoutingConfig {
  cachePreset: boolean;
}

function serverConfigs(): ServerConfig[] {
  const configs: ServerConfig[] = [];
  for (const spa of [null, "200.html"]) {
    for (const cleanUrls of [false, true]) {
      for (const dotfiles of ["ignore", "deny"] as const) {
        for (const cachePreset of [true, false]) {
          configs.push({ spa, cleanUrls, dotfiles, cachePreset, notFound: "404.html" });
        }
      }
    }
  }
  return configs;
}

const ROUTES: ReadonlyArray<[target: string, accept: string]> = [
  ["/blog/2024/new-post", HTML], // a deep link a browser opens
  ["/blog/2024/new-post", "*/*"], // the same path from fetch(): never the shell
  ["/_app/immutable/chunks/gone.Zx81kQ2p.js", HTML], // a missing asset
  ["/about", HTML], // about.html beside the folder about/
  ["/about.html", HTML],
  ["/about/", HTML], // the folder, which has no index
  ["/blog/hello-world", HTML],
  ["/.env", HTML],
  ["/_app/immutable/entry/start.BSd2Xz7Q.js", "*/*"],
  ["/about/__data.json", "*/*"],
];

test("web build matrix: routing on a SvelteKit build under every server configuration", async () => {
  let cases = 0;
  for (const config of serverConfigs()) {
    const url = await start(svelte, {
      spa: config.spa ?? false,
      cleanUrls: config.cleanUrls,
      dotfiles: config.dotfiles,
      notFound: config.notFound,
      cacheControl: config.cachePreset,
    });
    for (const [target, accept] of ROUTES) {
      // Each path meets every encoding across the configurations.
      const encoding = ENCODINGS[cases++ % ENCODINGS.length];
      const label = `${target} (${accept.slice(0, 16)}, ${encoding.name}) ${
        JSON.stringify(config)
      }`;
      const expected = route(svelte, config, target, accept);
      saw(`route ${expected.kind}${"fallback" in expected && expected.fallback ? " shell" : ""}`);
      const headers = { accept, "accept-encoding": encoding.field };
      const get = await ask(url, "GET", target, headers);
      const head = await ask(url, "HEAD", target, headers);
      assertFraming(label, get, head);
      // Hidden files are never sent, whatever else is on.
      assert.ok(!new TextDecoder().decode(get.body).includes("SECRET"), label);

      if (expected.kind === "plain") {
        assert.equal(get.status, expected.status, label);
        assert.equal(get.fields["content-type"], "text/plain; charset=utf-8", label);
        assert.equal(get.fields["cache-control"], undefined, label);
        continue;
      }
      if (expected.kind === "redirect") {
        assert.equal(get.status, 301, label);
        assert.equal(get.fields.location, expected.location, label);
        assert.equal(get.fields["cache-control"], undefined, label);
        continue;
      }
      const rep = representation(svelte, expected.path, encoding, false);
      if (rep.kind === "406") {
        assert.equal(get.status, 406, label);
        continue;
      }
      const coding = codingOf(rep);
      assert.equal(get.fields["content-encoding"], coding ?? undefined, label);
      assert.deepEqual(decode(coding, get.body), svelte.files.get(expected.path), label);
      assert.ok(varies(get, "accept-encoding"), `${label}: Vary ${get.fields.vary}`);
      if (expected.kind === "page404") {
        // Preconditions apply to 2xx only (RFC 9110 §13.2.1): no validators,
        // and a conditional cannot turn the page into a 304.
        assert.equal(get.status, 404, label);
        assert.equal(get.fields.etag, undefined, label);
        assert.ok(varies(get, "accept"), label);
        const again = await ask(url, "GET", target, {
          ...headers,
          "if-none-match": "*",
          range: "bytes=0-99",
        });
        assert.equal(again.status, 404, label);
        assert.deepEqual(again.body, get.body, `${label}: the whole page, not a range`);
        continue;
      }
      assert.equal(get.status, 200, label);
      const cacheControl = expected.fallback === "shell"
        ? "no-cache"
        : config.cachePreset
        ? presetCacheControl(expected.path)
        : undefined;
      assert.equal(get.fields["cache-control"], cacheControl, label);
      if (expected.fallback === "shell") assert.ok(varies(get, "accept"), label);
      // The shell and a clean URL's page are served as the files they are:
      // their validators, and a 304 with the 200's fields. (Files asked for
      // by their own names are revalidated in the representation matrix.)
      if (expected.fallback === null && (!config.cachePreset || target === `/${expected.path}`)) {
        continue;
      }
      const revalidated = await ask(url, "GET", target, {
        ...headers,
        "if-none-match": get.fields.etag,
      });
      assert.equal(revalidated.status, 304, label);
      for (const name of ["etag", "vary", "cache-control"]) {
        assert.equal(revalidated.fields[name], get.fields[name], `${label}: 304 ${name}`);
      }
    }
  }
  assert.equal(cases, 16 * ROUTES.length);
  for (const kind of ["file", "file shell", "page404", "plain", "redirect"]) {
    assert.ok(seen.has(`route ${kind}`), `no route came to ${kind}: ${[...seen.keys()]}`);
  }
});

// ---------------------------------------------------------------------------
// A plain site: clean URLs, its 404.html, dotfiles denied.

test("web build matrix: a plain site with clean URLs, its 404.html and dotfiles denied", async () => {
  const config: RoutingConfig = {
    spa: null,
    cleanUrls: true,
    dotfiles: "deny",
    notFound: "404.html",
  };
  const paths: ReadonlyArray<[string, string]> = [
    ["/", HTML],
    ["/about", HTML],
    ["/about.html?from=old-link", HTML],
    ["/docs", HTML],
    ["/docs/", HTML],
    ["/docs/getting-started", HTML],
    ["/docs/index.html", HTML],
    ["/nope", HTML],
    ["/nope", "application/json"],
    ["/.htaccess", HTML],
    ["/.git/HEAD", "*/*"],
    ["/images/photo.jpg", "image/*"],
  ];
  for (const [target, accept] of paths) {
    const label = `${target} (${accept})`;
    const expected = route(plain, config, target.replace(/\?.*/, ""), accept);
    const headers = { accept, "accept-encoding": "gzip, deflate, br, zstd" };
    const get = await ask(plainUrl, "GET", target, headers);
    const head = await ask(plainUrl, "HEAD", target, headers);
    assertFraming(label, get, head);
    if (expected.kind === "plain") {
      assert.equal(get.status, expected.status, label);
    } else if (expected.kind === "redirect") {
      assert.equal(get.status, 301, label);
      const query = target.includes("?") ? target.slice(target.indexOf("?")) : "";
      assert.equal(get.fields.location, expected.location + query, label);
    } else {
      assert.equal(get.status, expected.kind === "page404" ? 404 : 200, label);
      const coding = get.fields["content-encoding"] ?? null;
      assert.deepEqual(decode(coding, get.body), plain.files.get(expected.path), label);
      // Photos are not compressed again; pages (over 1 KiB) are.
      assert.equal(coding, expected.path.endsWith(".jpg") ? null : "br", label);
    }
  }
});

// ---------------------------------------------------------------------------
// Negotiation edge cases over HTTP, for a file with .br/.gz sidecars and
// one compressed on the fly.

// [Accept-Encoding, what the JS with sidecars gets, what the SVG without gets]
const EDGE_CASES: ReadonlyArray<[string, Coding | null | 406, Coding | null | 406]> = [
  ["br;q=0.5, gzip;q=0.8", "gzip", "gzip"],
  ["*;q=0", 406, 406], // refuses identity too (RFC 9110 §12.5.3)
  ["*;q=0, identity", null, null],
  ["identity;q=0", 406, 406], // and names no coding: nothing is acceptable
  ["identity;q=0, *", "br", "br"],
  ["gzip, identity;q=0", "gzip", "gzip"],
  ["compress, deflate, unknown-coding", null, null],
  ["BR", "br", "br"],
  ["GZip;Q=1", "gzip", "gzip"],
  ["  br ;  q=0.4 ,gzip;q=1.0  ", "gzip", "gzip"],
  ["br\t,\tgzip", "br", "br"],
  ["*", "br", "br"],
  ["x-gzip", "gzip", "gzip"],
  ["zstd;q=1, br;q=1", "br", "br"], // equal weights: br before zstd
  ["zstd", "zstd", "zstd"], // no .zst sidecar: the JS is compressed on the fly
  ["gzip;q=0, br;q=0", null, null],
  ["br;q=abc, gzip", "gzip", "gzip"], // a member with a bad q is skipped
  ["", null, null],
  ["gzip, deflate, br, zstd", "br", "br"], // Chrome
  ["gzip, deflate, br", "br", "br"], // Firefox
];

test("web build matrix: Accept-Encoding edge cases pick the coding RFC 9110 §12.5.3 gives", async () => {
  for (const [field, sidecar, fly] of EDGE_CASES) {
    for (const [path, expected] of [[VITE_ENTRY, sidecar], ["favicon.svg", fly]] as const) {
      const label = `${JSON.stringify(field)} /${path}`;
      const get = await ask(viteUrl, "GET", `/${path}`, { "accept-encoding": field });
      assert.ok(varies(get, "accept-encoding"), label);
      if (expected === 406) {
        assert.equal(get.status, 406, label);
        continue;
      }
      assert.equal(get.status, 200, label);
      const coding = expected;
      assert.equal(get.fields["content-encoding"], coding ?? undefined, label);
      assert.deepEqual(decode(coding, get.body), vite.files.get(path), label);
    }
  }
});

// Deno 2.9 writes each `Headers.append()` as a field line of its own, so
// the core sets one combined Vary (addVary()): otherwise Deno would send
// `vary: accept-encoding` and `vary: Accept` on two lines where Node and
// Bun send one. The same list under RFC 9110 §5.3, but the wire must not
// differ by runtime (STYLE.md, habit 2).
test("serve() sends the SPA shell's Vary as one field line", async () => {
  const response = await rawExchange(viteUrl, {
    method: "GET",
    target: "/users/42",
    headers: { accept: HTML, "accept-encoding": "br" },
  });
  requests++;
  assert.equal(response.status, 200);
  assert.deepEqual(headerValues(response, "vary"), ["accept-encoding, Accept"]);
});

test("web build matrix: a sidecar asked for by its own name is a plain file", async () => {
  for (const encoding of ENCODINGS) {
    const label = `/${VITE_ENTRY}.br (${encoding.name})`;
    const headers = { "accept-encoding": encoding.field };
    const get = await ask(viteUrl, "GET", `/${VITE_ENTRY}.br`, headers);
    const head = await ask(viteUrl, "HEAD", `/${VITE_ENTRY}.br`, headers);
    assertFraming(label, get, head);
    if (!encoding.identity) {
      // Brotli bytes are not compressed again, and identity is refused.
      assert.equal(get.status, 406, label);
      continue;
    }
    assert.equal(get.status, 200, label);
    assert.equal(get.fields["content-encoding"], undefined, label);
    assert.deepEqual(get.body, vite.files.get(`${VITE_ENTRY}.br`), label);
  }
});

// The README ("Precompressed files") says the choice follows the client's
// q-values. With `compress` on as well, a file with only a `.br` sidecar
// goes out as gzip, made on the fly, to a client that weighs gzip higher
// (a tie goes to the sidecar).
test("web build matrix: a higher-weighted coding made on the fly beats a lower-weighted sidecar", async () => {
  const path = "assets/index-D8kU2xPq.css";
  for (const field of ["gzip, br;q=0.1", "br;q=0.5, gzip;q=0.8"]) {
    const get = await ask(viteUrl, "GET", `/${path}`, { "accept-encoding": field });
    assert.equal(get.status, 200, field);
    assert.equal(get.fields["content-encoding"], "gzip", field);
    assert.deepEqual(decode("gzip", get.body), vite.files.get(path), field);
  }
});

// A HEAD for a file compressed as it is sent must not claim a length: the
// GET has none (it is streamed), and `Content-Length: 0` tells a client
// that the body is empty (RFC 9110 §9.3.2, §8.6). Given a null body,
// Deno.serve and Bun.serve add `content-length: 0` themselves, so their
// adapters hand them a stream they never send (headResponse()).
test("serve() sends no Content-Length on HEAD for a file compressed as it is sent", async () => {
  const headers = { "accept-encoding": "br" };
  const get = await ask(viteUrl, "GET", `/${VITE_VENDOR}`, headers);
  const head = await ask(viteUrl, "HEAD", `/${VITE_VENDOR}`, headers);
  assert.equal(get.fields["content-encoding"], "br");
  assert.equal(get.fields["content-length"], undefined);
  assert.equal(head.fields["content-length"], undefined);
  assertFraming("HEAD of a streamed br answer", get, head);
});
