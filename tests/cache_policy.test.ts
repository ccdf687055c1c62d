// The cache policy's pieces: the fingerprint rule on names from real
// builds and ordinary names, the glob matcher, and the policy's order.

import { test } from "node:test";
import assert from "node:assert/strict";
import { isFingerprinted } from "../src/core/fingerprint.ts";
import { compileGlob, matchGlob } from "../src/core/glob.ts";
import { CACHE_PRESET, createCachePolicy } from "../src/core/cache_policy.ts";
import { resolveOptions } from "../src/core/options.ts";
import type { FileSystem } from "../src/core/fs.ts";

// Names as each tool writes them by default (hashes taken from real builds'
// shapes: Rollup's 8 base64url characters, webpack's and Parcel's hex,
// esbuild's 8 base32 characters, Next's 16 hex).
const FINGERPRINTED = [
  // Vite / Rollup: [name]-[hash], base64url (may hold - and _)
  "assets/index-BxT3k9Qa.js",
  "assets/index-D4kRz9aQ.css",
  "assets/vendor-CaQxYzWb.js",
  "assets/index-C-9aXq2M.js",
  "assets/logo-Dq3x_9Zz.svg",
  "assets/my-component-B7wK2pLq.js",
  "assets/index-legacy-Bv1t9XkQ.js",
  "assets/polyfills-legacy-DxZ4m8Qp.js",
  "assets/index-BxT3k9Qa.js.map",
  "assets/index-BxT3k9Qa.js.br",
  "assets/index-BxT3k9Qa.js.gz",
  "assets/Inter-roman-Cm3Yq1Xe.woff2",
  // Rollup with a hex [hash:16]
  "dist/main-1a2b3c4d5e6f7a8b.js",
  // webpack: [name].[contenthash], hex
  "js/app.3f9a1c2b.js",
  "js/vendors~main.8c7d6e5f.js",
  "css/app.91b2c3d4.css",
  "img/logo.82b9c7a5.png",
  "main.3f9a1c2b4d5e6f7a8b9c.js",
  "3f9a1c2b4d5e6f7a8b9c.js",
  // Create React App: [name].[hash:8].chunk.js
  "static/js/787.3f9a1c2b.chunk.js",
  "static/js/main.a1b2c3d4.js",
  "static/css/main.0e1f2a3b.css",
  "static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg",
  // Parcel 2: [name].[hash].ext, hex
  "index.1a2b3c4d.js",
  "styles.9f8e7d6c.css",
  // esbuild: [name]-[hash], base32
  "chunk-5JXQ4K3Y.js",
  "out/main-QW7ZL2VE.js",
  "app-7HNRD4UX.css",
  // Angular (esbuild builder): [name]-[hash]
  "main-2TFJ5XSK.js",
  "polyfills-FFHMD2TL.js",
  // SvelteKit: the whole immutable folder, and name.[hash]
  "_app/immutable/chunks/index.D4kRz9aQ.js",
  "_app/immutable/entry/start.BzXq3k9Q.js",
  "_app/immutable/nodes/0.js",
  "_app/immutable/assets/0.css",
  "base/_app/immutable/entry/app.js",
  // Astro: _astro/[name].[hash]
  "_astro/index.Bx3k9Qa1.css",
  "_astro/hoisted.C5vW8yQz.js",
  "_astro/client.Dk3Lq9Wz.js",
  // Nuxt 3
  "_nuxt/entry.Bx3k9Qa1.js",
  // Next static export: the whole _next/static folder
  "_next/static/chunks/main-1a2b3c4d5e6f7a8b.js",
  "_next/static/chunks/pages/_app-9f8e7d6c5b4a3f2e.js",
  "_next/static/css/8f3a1c2b4d5e6f7a.css",
  "_next/static/dg4FbXJcFu9m2H0b3tEIy/_buildManifest.js",
  "_next/static/media/inter.2b3c4d5e.woff2",
];

// Names people choose, vendored libraries with versions, dates, sizes,
// fonts, camera files, words in CamelCase: never a hash.
const ORDINARY = [
  "index.js",
  "index.html",
  "about/index.html",
  "robots.txt",
  "favicon.ico",
  "my-component.js",
  "2024-report.pdf",
  "main.min.js",
  "jquery-3.7.1.min.js",
  "jquery-3.7.1.slim.min.js",
  "bootstrap-5.3.3.bundle.min.js",
  "lodash-4.17.21.js",
  "vue.esm-browser.prod.js",
  "react.production.min.js",
  "react-dom.development.js",
  "pdf.worker.min.mjs",
  "html5shiv.js",
  "ServiceWorker.js",
  "MyComponentName.js",
  "serviceworker.js",
  "sw.js",
  "manifest.webmanifest",
  "favicon-32x32.png",
  "android-chrome-192x192.png",
  "apple-touch-icon.png",
  "banner-640x480px.png",
  "Roboto-Regular.woff2",
  "Inter-VariableFont.ttf",
  "OpenSans-BoldItalic.woff2",
  "jetbrains-mono-v18-latin-regular.woff2",
  "IMG_20240101_123456.jpg",
  "DSC01234.JPG",
  "screenshot-2024-01-01-at-12.34.56.png",
  "backup-20240101.tar.gz",
  "release-1.0.0-beta.1.zip",
  "data-2024-01-01T12-00-00.json",
  "app-v2.3.1.js",
  "LinkedIn-logo.png",
  "apple-iPhone12.png",
  "sha256sum.txt",
  "report-Q4FY2024.pdf",
  "ISO27001-certificate.pdf",
  "README.md",
  "CHANGELOG-2024.md",
  "docs/getting-started.html",
  "assets/style.css",
  "assets/app.js",
  "immutable/app.js",
  "app/immutable/app.js",
  "next/static/app.js",
  "_next/data.json",
  "fonts/fa-solid-900.woff2",
  "fontawesome-free-6.5.1-web.zip",
  "three.module.min.js",
  "chart.umd.js",
  "es2015-polyfills.js",
  "ecmascript2020.pdf",
  "ubuntu-24.04-desktop-amd64.iso",
  "node-v24.21.0-linux-x64.tar.xz",
];

for (const name of FINGERPRINTED) {
  test(`isFingerprinted() recognises ${name}`, () => {
    assert.equal(isFingerprinted(name), true);
  });
}

test("isFingerprinted() takes no ordinary name for a hash", () => {
  assert.deepEqual(ORDINARY.filter((name) => isFingerprinted(name)), []);
});

test("compileGlob() refuses empty globs and segments, and ** mixed with text", () => {
  for (const bad of ["", "/", "a//b", "a**", "**b/c", "x/a**b"]) {
    assert.throws(() => compileGlob(bad), TypeError, bad);
  }
});

test("matchGlob() keeps * and ? within a segment and lets ** span segments", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*.pdf", "a.pdf", true],
    ["*.pdf", "docs/a.pdf", false],
    ["**/*.pdf", "docs/a.pdf", true],
    ["**/*.pdf", "a.pdf", true],
    ["**/*.pdf", "a/b/c/d.pdf", true],
    ["/assets/**", "assets/a/b.js", true],
    ["assets/**", "assets", true],
    ["assets/**", "assets2/x.js", false],
    ["assets/*", "assets/a/b.js", false],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/b", "a/x/y/c", false],
    ["?.txt", "a.txt", true],
    ["?.txt", "ab.txt", false],
    ["*", "", true],
    ["**", "any/thing/at/all", true],
    ["*-*.js", "index-Bx.js", true],
    ["*-*.js", "index.js", false],
    ["docs/*.html", "docs/a.html", true],
  ];
  for (const [glob, path, expected] of cases) {
    assert.equal(matchGlob(compileGlob(glob), path), expected, `${glob} ~ ${path}`);
  }
});

test("createCachePolicy() tries the rules in order before the preset", () => {
  const policy = createCachePolicy({
    rules: [["downloads/**", "no-store"], ["**/*.js", "public, max-age=60"]],
  })!;
  assert.deepEqual(policy.decide("downloads/app-1a2b3c4d.js", "text/javascript"), {
    value: "no-store",
    reason: 'rule "downloads/**"',
  });
  assert.equal(policy.decide("x/y.js", "text/javascript").value, "public, max-age=60");
  assert.deepEqual(policy.decide("assets/a-BxT3k9Qa.css", "text/css"), {
    value: CACHE_PRESET.fingerprinted,
    reason: "preset: fingerprinted name",
  });
  assert.equal(policy.decide("index.html", "text/html; charset=utf-8").reason, "preset: HTML");
  assert.equal(policy.decide("logo.png", "image/png").value, CACHE_PRESET.other);
  assert.equal(policy.listing, "no-cache");
});

test("createCachePolicy() without the preset leaves unmatched paths without a value", () => {
  const policy = createCachePolicy({ rules: [["*.pdf", "no-store"]], preset: false })!;
  assert.equal(policy.decide("a.pdf", "application/pdf").value, "no-store");
  assert.equal(policy.decide("a-BxT3k9Qa.js", "text/javascript").value, null);
  assert.equal(policy.listing, null);
  assert.equal(createCachePolicy(false), null);
  assert.equal(createCachePolicy(true)!.preset, true);
});

const never = () => Promise.reject(new Error("not called"));
const fs: FileSystem = {
  stat: never,
  lstat: never,
  realPath: never,
  realStat: never,
  readDir: never,
  open: never,
};

test("resolveOptions() refuses a malformed cacheControl with a TypeError", () => {
  for (
    const bad of [
      "preset",
      1,
      [],
      { rules: "x" },
      { rules: [["a"]] },
      { rules: [["", "no-store"]] },
      { rules: [["a**", "no-store"]] },
      { rules: [["a", ""]] },
      { rules: [["a", "x\ny"]] },
      { rules: [["a", 5]] },
      { preset: "yes" },
    ]
  ) {
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => resolveOptions({ root: "/srv", fs, cacheControl: bad as any }),
      (error: Error) =>
        error instanceof TypeError && error.message.startsWith(
          'Cannot create file handler: "cacheControl"',
        ),
      JSON.stringify(bad),
    );
  }
});

test("resolveOptions() refuses cacheControl beside a Cache-Control in headers", () => {
  assert.throws(
    () =>
      resolveOptions({
        root: "/srv",
        fs,
        cacheControl: true,
        headers: { "Cache-Control": "max-age=60" },
      }),
    /pick one/,
  );
  // Off (the default), the user's own Cache-Control is sent as before.
  const resolved = resolveOptions({ root: "/srv", fs, headers: { "cache-control": "max-age=60" } });
  assert.equal(resolved.cacheControl, null);
});
