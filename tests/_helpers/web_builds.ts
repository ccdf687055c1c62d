/**
 * Fixtures shaped like what web build tools write: a Vite `dist/`, a site
 * with its own `404.html`, a site meant for clean URLs, and whole builds
 * (`buildViteApp()`, `buildSvelteKitApp()`, `buildPlainSite()`) with the
 * sidecars their tools write, compressed here with node:zlib. Each lives in a new
 * temp folder beside a `secret/` folder that is outside the served root.
 */

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, gzipSync, zstdCompressSync } from "node:zlib";
import { MTIME } from "./fixture.ts";

export interface Site {
  /** The temp folder holding `root` and `secret/`. */
  base: string;
  /** The served root (`base/site`). */
  root: string;
  /** Writes a file under the root, with the fixed mtime. */
  write(path: string, text: string): void;
  /** Writes bytes under the root, a second newer than the fixed mtime (as a sidecar is). */
  writeBytes(path: string, bytes: Uint8Array): void;
  /** Removes one path under the root, or everything when none is given. */
  remove(path?: string): void;
}

/** The shell of the Vite-like build: what a deep link must get. */
export const SHELL = '<!doctype html><div id="app"></div>' +
  '<script type="module" src="/assets/index-BxT3k9Qa.js"></script>\n';

/** Builds a root from `files` (path → text), with `secret/secret.html` outside it. */
export function buildSite(files: Record<string, string>): Site {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-site-")));
  const root = join(base, "site");
  mkdirSync(root);
  const write = (path: string, text: string) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    utimesSync(full, MTIME, MTIME);
  };
  const writeBytes = (path: string, bytes: Uint8Array) => {
    writeFileSync(join(root, path), bytes);
    utimesSync(join(root, path), MTIME + 1, MTIME + 1);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  mkdirSync(join(base, "secret"));
  writeFileSync(join(base, "secret", "secret.html"), "<p>top secret</p>\n");
  const remove = (path?: string) =>
    rmSync(path === undefined ? base : join(root, path), { recursive: true, force: true });
  return { base, root, write, writeBytes, remove };
}

/** A Vite-like `dist/`: shell, hashed assets, a public file, a dotfile. */
export function buildViteDist(): Site {
  const site = buildSite({
    "index.html": SHELL,
    "assets/index-BxT3k9Qa.js": 'document.getElementById("app").textContent = "app";\n',
    "assets/index-D8kU2xPq.css": "#app { color: teal }\n",
    "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "app.html": "<!doctype html><p>other shell</p>\n",
    "docs/index.html": "<p>docs index</p>\n",
    "listed/readme.txt": "listed\n",
    ".env": "SECRET=1\n",
    ".well-known/security.txt": "Contact: mailto:security@example.com\n",
  });
  symlinkSync("../secret/secret.html", join(site.root, "outside-shell.html"));
  symlinkSync("app.html", join(site.root, "linked-shell.html"));
  return site;
}

/** An MPA with its own `404.html`. */
export function buildSiteWith404(): Site {
  const site = buildSite({
    "index.html": "<p>home</p>\n",
    "404.html": "<!doctype html><h1>Page not found</h1>\n",
    "pages/404.html": "<h1>nested 404</h1>\n",
    "data.json": '{"ok":true}\n',
    ".env": "SECRET=1\n",
    ".git/config": "[core]\n",
  });
  symlinkSync("../secret/secret.html", join(site.root, "outside-404.html"));
  return site;
}

/** A site whose pages are `name.html`, as static-site generators write them. */
export function buildCleanUrlsSite(): Site {
  const site = buildSite({
    "index.html": "<p>home</p>\n",
    "about.html": "<p>about</p>\n",
    "contact.html": "<p>contact</p>\n",
    "contact/index.html": "<p>contact folder</p>\n",
    "blog/index.html": "<p>blog index</p>\n",
    "blog/first-post.html": "<p>first post</p>\n",
    "exact": "the exact file\n",
    "exact.html": "<p>exact.html</p>\n",
    ".hidden.html": "<p>hidden</p>\n",
    "a b.html": "<p>space</p>\n",
  });
  symlinkSync("../secret/secret.html", join(site.root, "leak.html"));
  return site;
}

/** The codings a build writes beside a file: `.br`, `.gz` (and `.zst`). */
export type SidecarSuffix = "br" | "gz" | "zst";

/**
 * A web build as a test sees it: the site, and for each file (path below the
 * root) its bytes and the sidecars written beside it.
 */
export interface WebBuild extends Site {
  /** Every file written, path → bytes (sidecars included). */
  files: Map<string, Uint8Array>;
  /** The sidecars written beside each file. */
  sidecars: Map<string, SidecarSuffix[]>;
}

// Text that compresses as real code does (not to a few bytes, like one line
// repeated): words picked by a fixed linear congruential sequence.
function prose(words: number, seed: number): string {
  const vocabulary = [
    "const",
    "export",
    "function",
    "return",
    "render",
    "state",
    "props",
    "await",
    "import",
    "component",
    "effect",
    "signal",
    "node",
    "route",
    "fetch",
    "value",
  ];
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // The high bits: the low bits of this generator repeat quickly.
    const r = x >>> 12;
    out.push(vocabulary[r % vocabulary.length] + (r % 7 === 0 ? `${r % 1000};\n` : ""));
  }
  return out.join(" ");
}

/** Deterministic bytes that do not compress (an image, as far as zlib can tell). */
function noise(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    bytes[i] = x >>> 16 & 0xff;
  }
  return bytes;
}

function compressed(bytes: Uint8Array, suffix: SidecarSuffix): Uint8Array {
  if (suffix === "br") return new Uint8Array(brotliCompressSync(bytes));
  if (suffix === "gz") return new Uint8Array(gzipSync(bytes));
  return new Uint8Array(zstdCompressSync(bytes));
}

/**
 * Builds a `WebBuild` from `files` (path → text or bytes, written with the
 * fixed mtime) and `sidecars` (path → the codings a build tool writes beside
 * it, each a second newer, as `vite-plugin-compression` and SvelteKit's
 * `precompress` do: written after the file).
 */
function buildWeb(
  files: Record<string, string | Uint8Array>,
  sidecars: Record<string, SidecarSuffix[]>,
): WebBuild {
  const site = buildSite({});
  const written = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(files)) {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const full = join(site.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
    utimesSync(full, MTIME, MTIME);
    written.set(path, bytes);
  }
  const coded = new Map<string, SidecarSuffix[]>();
  for (const [path, suffixes] of Object.entries(sidecars)) {
    for (const suffix of suffixes) {
      const bytes = compressed(written.get(path)!, suffix);
      site.writeBytes(`${path}.${suffix}`, bytes);
      written.set(`${path}.${suffix}`, bytes);
    }
    coded.set(path, suffixes);
  }
  return { ...site, files: written, sidecars: coded };
}

/** The hashed entry chunk of `buildViteApp()`. */
export const VITE_ENTRY = "assets/index-BxT3k9Qa.js";

/** The hashed vendor chunk of `buildViteApp()`: over 64 KiB, no sidecar. */
export const VITE_VENDOR = "assets/vendor-Dx8kQ2pL.js";

/**
 * What `vite build` writes with `vite-plugin-compression` (br and gzip):
 * a shell naming hashed assets, the assets with `.br`/`.gz` sidecars, a
 * vendor chunk over 64 KiB without one, a hashed image (never coded), unhashed files from `public/` (no sidecar: the
 * SVG is compressed on the fly, `robots.txt` is too small to be), and
 * `.vite/manifest.json`, which must never be served.
 */
export function buildViteApp(): WebBuild {
  const shell = '<!doctype html>\n<html lang="en"><head><meta charset="UTF-8">' +
    '<link rel="icon" type="image/svg+xml" href="/favicon.svg">' +
    '<script type="module" crossorigin src="/assets/index-BxT3k9Qa.js"></script>' +
    '<link rel="stylesheet" crossorigin href="/assets/index-D8kU2xPq.css">' +
    `</head><body><div id="app"></div><!-- ${prose(300, 1)} --></body></html>\n`;
  return buildWeb({
    "index.html": shell,
    [VITE_ENTRY]: `// ${prose(1500, 2)}\ndocument.getElementById("app").textContent = "app";\n`,
    "assets/index-D8kU2xPq.css": `/* ${prose(400, 3)} */\n#app { color: teal }\n`,
    "assets/logo-Cq3bT9xZ.png": noise(3000, 4),
    // Over 64 KiB without a sidecar: compressed as it is sent.
    [VITE_VENDOR]: `// ${prose(16000, 6)}\n`,
    "favicon.svg": `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${prose(300, 5)} --></svg>\n`,
    "robots.txt": "User-agent: *\nAllow: /\n",
    ".vite/manifest.json": '{"index.html":{"file":"assets/index-BxT3k9Qa.js"}}\n',
    ".env": "SECRET=1\n",
  }, {
    "index.html": ["br", "gz"],
    [VITE_ENTRY]: ["br", "gz"],
    // A build that writes br alone (one compression plugin per coding).
    "assets/index-D8kU2xPq.css": ["br"],
  });
}

/**
 * What SvelteKit's `adapter-static` writes with `precompress: true` and
 * `fallback: "200.html"`: prerendered pages as `about.html` (the default
 * `trailingSlash: "never"`) beside their `about/__data.json`, hashed chunks
 * under `_app/immutable/`, `_app/version.json`, the SPA fallback `200.html`
 * and a `404.html`; every page and chunk with `.br` and `.gz`. And a stray
 * `.env`, which must never be served.
 */
export function buildSvelteKitApp(): WebBuild {
  const page = (title: string, seed: number) =>
    `<!doctype html><html><head><title>${title}</title>` +
    '<link rel="modulepreload" href="/_app/immutable/entry/start.BSd2Xz7Q.js">' +
    `</head><body><h1>${title}</h1><!-- ${prose(250, seed)} --></body></html>\n`;
  const chunks = {
    "_app/immutable/entry/start.BSd2Xz7Q.js": `// ${prose(900, 11)}\n`,
    "_app/immutable/entry/app.C1xK9pQe.js": `// ${prose(700, 12)}\n`,
    "_app/immutable/chunks/index.Dk4pQ2Lm.js": `// ${prose(600, 13)}\n`,
    "_app/immutable/assets/0.B3xk9Q1a.css": `/* ${prose(300, 14)} */\nh1 { margin: 0 }\n`,
  };
  const pages = {
    "index.html": page("Home", 21),
    "about.html": page("About", 22),
    "blog/hello-world.html": page("Hello, world", 23),
    "200.html": page("Loading…", 24),
    "404.html": page("Not found", 25),
  };
  const sidecars: Record<string, SidecarSuffix[]> = {};
  for (const path of [...Object.keys(chunks), ...Object.keys(pages)]) sidecars[path] = ["br", "gz"];
  return buildWeb({
    ...chunks,
    ...pages,
    "__data.json": '{"type":"data","nodes":[{"type":"data","data":[{}],"uses":{}}]}\n',
    "about/__data.json": `{"type":"data","nodes":[null,{"type":"data","data":[{"text":1},"${
      prose(200, 26)
    }"]}]}\n`,
    "_app/version.json": '{"version":"1733000000000"}\n',
    ".env": "SECRET=1\n",
  }, sidecars);
}

/**
 * A plain multi-page site as a static-site generator writes it: pages as
 * `name.html`, folder indexes, its own `404.html`, an unhashed stylesheet
 * (compressed on the fly), a photo, and the dotfiles of the folder it was
 * copied from (`.htaccess`, `.git/`). No sidecars.
 */
export function buildPlainSite(): WebBuild {
  const page = (title: string, seed: number) =>
    `<!doctype html><title>${title}</title><link rel="stylesheet" href="/css/site.css">` +
    `<h1>${title}</h1><p>${prose(250, seed)}</p>\n`;
  return buildWeb({
    "index.html": page("Home", 31),
    "about.html": page("About", 32),
    "docs/index.html": page("Docs", 33),
    "docs/getting-started.html": page("Getting started", 34),
    "404.html": page("Page not found", 35),
    "css/site.css": `/* ${prose(500, 36)} */\nbody { font: 16px/1.5 serif }\n`,
    "images/photo.jpg": noise(5000, 37),
    ".htaccess": "Require all granted\n",
    ".git/HEAD": "ref: refs/heads/main\n",
  }, {});
}
