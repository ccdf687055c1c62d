// The listing page (issue 14 §1): sorting by query without JavaScript,
// links that keep the sort, breadcrumbs, escaping of hostile names, the
// Content-Security-Policy that allows exactly the inline style and script,
// symlink marks, and negotiation between HTML, JSON and plain text.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHandler } from "../src/core/handler.ts";
import { renderHtmlListing } from "../src/core/listing_html.ts";
import { listingFormat } from "../src/core/listing.ts";
import { renderTextListing } from "../src/core/listing_text.ts";
import { compareNames, parseListingSort, sortEntries } from "../src/core/listing_sort.ts";
import { LISTING_SCRIPT, LISTING_STYLE, listingCsp } from "../src/core/listing_page.ts";
import { runtimeFileSystem } from "./_helpers/fixture.ts";

const T = 1_700_000_000;
const HOSTILE = `<img src=x onerror="alert(1)">'q`;
const UNICODE = "ünï 文件 🗂";

// name → [size, mtime offset in seconds]
const FILES: Record<string, [number, number]> = {
  "file10.txt": [10, 3],
  "file9.txt": [2000, 1],
  "B.md": [5, 2],
  "a.png": [1, 4],
};

const base = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-listing-")));
const root = join(base, "www");
for (const [name, [size, offset]] of Object.entries(FILES)) {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, name), "x".repeat(size));
  utimesSync(join(root, name), T + offset, T + offset);
}
mkdirSync(join(root, "zeta"));
mkdirSync(join(root, "Alpha", HOSTILE, UNICODE), { recursive: true });
writeFileSync(join(root, "Alpha", HOSTILE, UNICODE, `${HOSTILE}.txt`), "boo\n");
symlinkSync("file9.txt", join(root, "link.txt"));
symlinkSync("zeta", join(root, "link-dir"));
after(() => rmSync(base, { recursive: true, force: true }));

async function listing(path: string, init: RequestInit = {}): Promise<Response> {
  const handler = createFileHandler({
    root,
    fs: await runtimeFileSystem(),
    listing: true,
    index: false,
  });
  return await handler(new Request(`http://localhost${path}`, init));
}

async function names(query: string): Promise<string[]> {
  const response = await listing(`/${query}`, { headers: { accept: "application/json" } });
  return (await response.json()).entries.map((e: { name: string }) => e.name);
}

const FOLDERS = ["Alpha", "link-dir", "zeta"];

test("listing: ?sort=name|size|time orders folders first, then files, in both directions", async () => {
  const byName = ["a.png", "B.md", "file9.txt", "file10.txt", "link.txt"];
  assert.deepEqual(await names(""), [...FOLDERS, ...byName]);
  assert.deepEqual(await names("?sort=name&order=asc"), [...FOLDERS, ...byName]);
  assert.deepEqual(await names("?sort=name&order=desc"), [
    ...[...FOLDERS].reverse(),
    ...[...byName].reverse(),
  ]);
  // link.txt is file9.txt followed: same size and time, so the name decides.
  assert.deepEqual(await names("?sort=size&order=asc"), [
    ...FOLDERS,
    ...["a.png", "B.md", "file10.txt", "file9.txt", "link.txt"],
  ]);
  assert.deepEqual(await names("?sort=size"), [
    ...[...FOLDERS].reverse(),
    ...["link.txt", "file9.txt", "file10.txt", "B.md", "a.png"],
  ]);
  const oldest = ["file9.txt", "link.txt", "B.md", "file10.txt", "a.png"];
  assert.deepEqual((await names("?sort=time&order=asc")).slice(3), oldest);
  assert.deepEqual((await names("?sort=time&order=desc")).slice(3), [...oldest].reverse());
  // The HTML rows come in the same order.
  const html = await (await listing("/?sort=size&order=asc")).text();
  assert.ok(html.indexOf(">a.png</a>") < html.indexOf(">B.md</a>"));
  assert.ok(html.indexOf(">file10.txt</a>") < html.indexOf(">file9.txt</a>"));
  assert.ok(html.indexOf(">zeta/</a>") < html.indexOf(">a.png</a>"));
});

test("listing: unknown or repeated sort values are ignored, never an error", async () => {
  const plain = await names("");
  for (const query of ["?sort=colour", "?sort=name&order=up", "?sort=", "?sort=%00&order=%ff"]) {
    const response = await listing(`/${query}`, { headers: { accept: "application/json" } });
    assert.equal(response.status, 200, query);
    assert.deepEqual((await response.json()).entries.map((e: { name: string }) => e.name), plain);
  }
  assert.deepEqual(parseListingSort("?sort=size&sort=time"), { key: "size", order: "desc" });
  assert.deepEqual(parseListingSort("?order=desc"), { key: "name", order: "desc" });
});

test("listing: the active header has aria-sort and flips the order; the others sort by their key", async () => {
  const html = await (await listing("/?sort=size&order=asc")).text();
  const headers = [...html.matchAll(/<th scope="col"([^>]*)><a href="([^"]*)">/g)]
    .map(([, attributes, href]) => [attributes.trim(), href]);
  assert.deepEqual(headers, [
    ["", "./"],
    ['aria-sort="ascending"', "?sort=size&amp;order=desc"],
    ["", "?sort=time&amp;order=desc"],
  ]);
  const plain = await (await listing("/")).text();
  assert.match(
    plain,
    /<th scope="col" aria-sort="ascending"><a href="\?sort=name&amp;order=desc">Name/,
  );
  assert.equal(plain.match(/aria-sort/g)?.length, 1);
  const byTime = await (await listing("/?sort=time")).text();
  assert.match(byTime, /aria-sort="descending"><a href="\?sort=time&amp;order=asc">Modified/);
});

test("listing: folder, parent and breadcrumb links keep the sort; file links do not", async () => {
  const keep = "?sort=time&amp;order=asc";
  const html = await (await listing(`/Alpha/?sort=time&order=asc`)).text();
  assert.ok(html.includes(`href="../${keep}" aria-label="Parent folder"`));
  assert.ok(html.includes(`href="${encodeHtml(encodeURIComponent(HOSTILE))}/${keep}"`));
  assert.ok(html.includes(`<a href="../${keep}">/</a>`));
  assert.ok(html.includes(`<a href="./${keep}" aria-current="page">Alpha</a>`));
  const root = await (await listing("/?sort=time&order=asc")).text();
  assert.ok(root.includes('href="file9.txt"'));
  assert.ok(root.includes(`href="zeta/${keep}"`));
  // The default sort keeps plain URLs.
  const plain = await (await listing("/Alpha/")).text();
  assert.ok(plain.includes('<a href="../" aria-label="Parent folder">'));
  assert.doesNotMatch(plain, /href="[^"?]+\?sort=/);
});

function encodeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("'", "&#39;").replaceAll('"', "&quot;");
}

test("listing: breadcrumbs link each segment, relative, with unicode and hostile names escaped", async () => {
  const path = `/Alpha/${encodeURIComponent(HOSTILE)}/${encodeURIComponent(UNICODE)}/`;
  const response = await listing(path);
  assert.equal(response.status, 200);
  const html = await response.text();
  const h1 = html.match(/<h1>(.*)<\/h1>/)![1];
  assert.equal(
    h1,
    'Index of <a href="../../../">/</a><a href="../../">Alpha</a>/' +
      '<a href="../">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;q</a>/' +
      `<a href="./" aria-current="page">${UNICODE}</a>/`,
  );
  // Each crumb, resolved against the page's URL, is that folder's URL.
  const page = new URL(`http://localhost${path}`);
  const crumbs = [...h1.matchAll(/href="([^"]*)"/g)].map(([, href]) =>
    new URL(href, page).pathname
  );
  assert.deepEqual(crumbs, [
    "/",
    "/Alpha/",
    `/Alpha/${encodeURIComponent(HOSTILE)}/`,
    path,
  ]);
  for (const crumb of crumbs) assert.equal((await listing(crumb)).status, 200, crumb);
});

test("listing: a hostile name never opens an element or an attribute", async () => {
  const path = `/Alpha/${encodeURIComponent(HOSTILE)}/${encodeURIComponent(UNICODE)}/`;
  const page = await (await listing(path)).text();
  assert.ok(!page.includes("<img"));
  // The script holds `<` and `>` of its own; it is checked by hash below.
  const html = page.replace(/<script>[\s\S]*?<\/script>/, "");
  // Every tag of the page has only the attributes the renderer writes.
  const allowed = new Set([
    "lang",
    "charset",
    "name",
    "content",
    "rel",
    "href",
    "class",
    "hidden",
    "aria-hidden",
    "id",
    "viewBox",
    "fill",
    "fill-opacity",
    "d",
    "x",
    "y",
    "width",
    "height",
    "rx",
    "cx",
    "cy",
    "r",
    "for",
    "type",
    "autocomplete",
    "spellcheck",
    "aria-describedby",
    "aria-live",
    "scope",
    "aria-sort",
    "aria-label",
    "aria-current",
    "title",
    "datetime",
  ]);
  for (
    const [, attributes] of html.matchAll(/<[a-zA-Z][\w-]*((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/g)
  ) {
    for (const [, name] of attributes.matchAll(/\s([\w-]+)(?:="[^"]*")?/g)) {
      assert.ok(allowed.has(name), `unexpected attribute ${name}`);
    }
  }
  // No tag is left unmatched by that pattern (a quote breaking out would).
  const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
  const clean = html.match(/<[a-zA-Z][\w-]*(?:\s+[\w-]+(?:="[^"]*")?)*\s*\/?>/g) ?? [];
  assert.equal(clean.length, tags.length);
  assert.ok(html.includes(`&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;q.txt</a>`));
});

function sha256(text: string): string {
  return "sha256-" + createHash("sha256").update(text).digest("base64");
}

test("listing: the HTML page's CSP allows exactly its inline style and script, by hash", async () => {
  const response = await listing("/");
  const csp = response.headers.get("content-security-policy");
  const html = await response.text();
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.deepEqual(styles, [LISTING_STYLE]);
  assert.deepEqual(scripts, [LISTING_SCRIPT]);
  assert.equal(
    csp,
    `default-src 'none'; style-src '${sha256(styles[0])}'; script-src '${sha256(scripts[0])}'; ` +
      "img-src data:; base-uri 'none'; form-action 'none'",
  );
  assert.equal(await listingCsp(), csp);
  // Nothing else inline that the policy would have to allow.
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=|javascript:|<link rel="stylesheet"|<script src/i);
  assert.equal(html.match(/<script/g)?.length, 1);
  for (const accept of ["application/json", "text/plain"]) {
    const other = await listing("/", { headers: { accept } });
    await other.body?.cancel();
    assert.equal(other.headers.get("content-security-policy"), null, accept);
  }
});

test("listing: symbolic links are marked in HTML, JSON and plain text", async () => {
  const html = await (await listing("/")).text();
  assert.match(
    html,
    /<use href="#k-link"\/><\/svg>link\.txt<\/a><span class="tag">symlink<\/span>/,
  );
  assert.match(
    html,
    /<use href="#k-link"\/><\/svg>link-dir\/<\/a><span class="tag">symlink<\/span>/,
  );
  assert.match(html, /<use href="#k-dir"\/><\/svg>zeta\/<\/a><\/td>/);
  assert.match(html, /<use href="#k-image"\/><\/svg>a\.png<\/a><\/td>/);
  const json = await (await listing("/", { headers: { accept: "application/json" } })).json();
  const link = json.entries.find((e: { name: string }) => e.name === "link.txt");
  assert.deepEqual(link, {
    name: "link.txt",
    type: "file",
    size: 2000,
    modified: new Date((T + 1) * 1000).toISOString(),
    symlink: true,
  });
  const file = json.entries.find((e: { name: string }) => e.name === "file9.txt");
  assert.equal("symlink" in file, false);
  const text = await (await listing("/", { headers: { accept: "text/plain" } })).text();
  assert.match(text, /^link-dir\/ -> {2,}- {2}/m);
  assert.match(text, /^link\.txt -> {2,}2\.0 KiB {2}2023-11-14 22:13$/m);
});

test("listing: text/plain gets aligned plain text; */* and curl get HTML; Vary: Accept", async () => {
  const text = await listing("/", { headers: { accept: "text/plain" } });
  assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(text.headers.get("vary"), "Accept");
  assert.equal(text.headers.get("x-content-type-options"), "nosniff");
  const lines = (await text.text()).split("\n");
  assert.equal(lines[0], "Index of /");
  assert.equal(lines[1], "");
  const rows = lines.slice(2, -1);
  assert.equal(rows.length, 8);
  // Names padded to one width: every size column starts at the same place.
  const starts = new Set(rows.map((row) => row.search(/ {2}\S+( \S+)? +\d{4}-/)));
  assert.equal(starts.size, 1, rows.join("\n"));
  assert.equal(rows[0].trimEnd().split(/ {2,}/)[0], "Alpha/");
  const clients: Record<string, string>[] = [{ accept: "*/*", "user-agent": "curl/8.5.0" }, {}];
  for (const headers of clients) {
    const response = await listing("/", { headers });
    await response.body?.cancel();
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("vary"), "Accept");
  }
  assert.equal(listingFormat("text/plain;q=0.5, text/html;q=0.4"), "text");
  assert.equal(listingFormat("text/*"), "html");
  assert.equal(listingFormat("application/json, text/plain"), "json");
  assert.equal(listingFormat("image/png"), "html");
});

test("listing: HEAD has GET's status and headers, and no body, in every form", async () => {
  for (const accept of ["text/html", "application/json", "text/plain"]) {
    const got = await listing("/?sort=size", { headers: { accept } });
    const length = (await got.arrayBuffer()).byteLength;
    const head = await listing("/?sort=size", { method: "HEAD", headers: { accept } });
    assert.equal(head.status, 200);
    assert.deepEqual([...head.headers], [...got.headers], accept);
    assert.equal(head.headers.get("content-length"), String(length));
    assert.equal(head.body, null);
  }
});

test("renderTextListing() shows control characters escaped, never raw", () => {
  const text = renderTextListing("/", [
    { name: "evil\u001b[31mred\n.txt", directory: false, size: 1, mtimeMs: null },
  ]);
  assert.equal(text, "Index of /\n\nevil\\x1b[31mred\\x0a.txt  1 B\n");
});

const ENTRY = {
  name: "a.bin",
  directory: false,
  size: 1234567,
  mtimeMs: Date.UTC(2026, 11, 2, 5, 6, 7, 89),
};

test("renderHtmlListing() shows a zip link only with archive: true", () => {
  const zip = renderHtmlListing("/", [ENTRY], { parent: false, archive: true });
  assert.match(zip, /<a href="\?download=zip" download>.*Download as zip<\/a>/);
  for (const archive of [false, undefined]) {
    const html = renderHtmlListing("/", [ENTRY], { parent: false, archive });
    assert.ok(!html.includes("download=zip"));
    assert.ok(!html.includes("Download as zip"));
  }
});

test("renderHtmlListing() gives exact bytes in a title and the full time in <time datetime>", () => {
  const html = renderHtmlListing("/", [ENTRY], { parent: false });
  assert.ok(html.includes('<td title="1,234,567 bytes">1.2 MiB</td>'));
  assert.ok(
    html.includes(
      '<time datetime="2026-12-02T05:06:07.089Z" title="2026-12-02T05:06:07.089Z">2026-12-02 05:06</time>',
    ),
  );
  assert.ok(html.includes("<caption>0 folders, 1 file (1.2 MiB)</caption>"));
  assert.ok(html.includes('<label for="filter">Filter</label>'));
});

test("renderHtmlListing() under a URL prefix: the prefix is the first crumb", () => {
  const html = renderHtmlListing("/static/a b/", [], { parent: true, base: "/static" });
  assert.match(
    html,
    /<h1>Index of <a href="\.\.\/">\/static\/<\/a><a href="\.\/" aria-current="page">a b<\/a>\/<\/h1>/,
  );
});

test("compareNames() is natural, ASCII case-blind, total and the same everywhere", () => {
  const sorted = ["a", "A", "a0", "a00", "a1", "a01", "a2", "a10", "a9z", "b", "É", "é", "文"];
  const shuffled = [...sorted].reverse();
  assert.deepEqual(shuffled.sort(compareNames), [
    "A",
    "a",
    "a0",
    "a00",
    "a01",
    "a1",
    "a2",
    "a9z",
    "a10",
    "b",
    "É",
    "é",
    "文",
  ]);
  // Antisymmetric and never 0 for distinct names.
  const names = [
    "x1",
    "X1",
    "x01",
    "x1y",
    "x",
    "x10",
    "file 2",
    "file 10",
    "😀",
    "\uffff",
    "99999999999999999999",
  ];
  for (const a of names) {
    for (const b of names) {
      const ab = Math.sign(compareNames(a, b));
      assert.equal(ab + 0, -Math.sign(compareNames(b, a)) + 0, `${a} ${b}`);
      assert.equal(ab === 0, a === b, `${a} ${b}`);
    }
  }
  assert.ok(compareNames("v99999999999999999999", "v100000000000000000000") < 0);
});

test("renderHtmlListing() and sortEntries() handle 10,000 entries in one quick pass", () => {
  const entries = Array.from({ length: 10_000 }, (_, i) => ({
    name: `file-${i}-${"é".repeat(i % 7)}.txt`,
    directory: i % 10 === 0,
    size: i * 37,
    mtimeMs: T * 1000 + i * 1000,
    symlink: i % 97 === 0,
  }));
  const start = performance.now();
  const sorted = sortEntries(entries, { key: "name", order: "asc" });
  const html = renderHtmlListing("/big/", sorted, { parent: true });
  const ms = performance.now() - start;
  assert.equal(html.match(/<tr><td>/g)?.length, 10_000);
  // Generous for a shared CI core; it takes about 20 ms on the machine.
  assert.ok(ms < 1_000, `${ms} ms`);
});

test("runtime file system readDir({ canonical }) gives non-link entries their own metadata, links none", async () => {
  const fs = await runtimeFileSystem();
  const entries = await fs.readDir(root, { canonical: true });
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  // Links are never read through: the listing looks each one up, checked.
  assert.equal(byName.get("link.txt")?.info, undefined);
  assert.equal(byName.get("link-dir")?.info, undefined);
  const file = byName.get("file9.txt")?.info;
  // A port that cannot read through the proven folder gives none at all.
  if (file === undefined) return;
  assert.deepEqual([file.kind, file.size, file.mtimeMs], ["file", 2000, (T + 1) * 1000]);
  assert.equal(byName.get("zeta")?.info?.kind, "directory");
  // Without canonical, nothing is read beyond the names.
  for (const entry of await fs.readDir(root)) assert.equal(entry.info, undefined, entry.name);
});
