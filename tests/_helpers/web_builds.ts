/**
 * Fixtures shaped like what web build tools write: a Vite `dist/`, a site
 * with its own `404.html`, a site meant for clean URLs. Each lives in a new
 * temp folder beside a `secret/` folder that is outside the served root.
 */

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
