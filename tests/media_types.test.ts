import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { contentType } from "../src/core/media_types.ts";
import { MEDIA_TABLE } from "../src/core/_media_table.ts";
import { MEDIA_TABLE_PATH, readMimeDb, renderMediaTable } from "../scripts/gen_media_table.ts";

const OCTET = "application/octet-stream";

const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ["html", "text/html; charset=utf-8"],
  ["htm", "text/html; charset=utf-8"],
  ["css", "text/css; charset=utf-8"],
  ["js", "text/javascript; charset=utf-8"],
  ["mjs", "text/javascript; charset=utf-8"],
  ["cjs", "text/javascript; charset=utf-8"],
  ["json", "application/json; charset=utf-8"],
  ["map", "application/json; charset=utf-8"],
  ["svg", "image/svg+xml"],
  ["wasm", "application/wasm"],
  ["png", "image/png"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["gif", "image/gif"],
  ["webp", "image/webp"],
  ["avif", "image/avif"],
  ["ico", "image/vnd.microsoft.icon"],
  ["txt", "text/plain; charset=utf-8"],
  ["md", "text/markdown; charset=utf-8"],
  ["xml", "text/xml"],
  ["pdf", "application/pdf"],
  ["mp4", "video/mp4"],
  ["webm", "video/webm"],
  ["mp3", "audio/mpeg"],
  ["woff", "font/woff"],
  ["woff2", "font/woff2"],
  ["ttf", "font/ttf"],
  ["otf", "font/otf"],
  ["zip", "application/zip"],
  ["gz", "application/gzip"],
  ["csv", "text/csv; charset=utf-8"],
  ["yaml", "text/yaml; charset=utf-8"],
  ["yml", "text/yaml; charset=utf-8"],
  ["ts", "video/mp2t"],
];

for (const [ext, type] of EXPECTED) {
  test(`contentType() maps .${ext} to ${type}`, () => {
    assert.equal(contentType(`/site/file.${ext}`), type);
  });
}

test("contentType() gives every text/* type a utf-8 charset", () => {
  for (const [ext, value] of Object.entries(MEDIA_TABLE)) {
    if (value.startsWith("text/") && !value.startsWith("text/xml")) {
      assert.match(value, /; charset=utf-8$/, `.${ext}`);
    }
  }
});

test("contentType() gives +json types a utf-8 charset", () => {
  assert.equal(
    contentType("app.webmanifest"),
    "application/manifest+json; charset=utf-8",
  );
  assert.equal(
    contentType("data.jsonld"),
    "application/ld+json; charset=utf-8",
  );
  assert.equal(
    contentType("map.geojson"),
    "application/geo+json; charset=utf-8",
  );
});

test("contentType() gives types mime-db marks UTF-8 a utf-8 charset", () => {
  assert.equal(contentType("captions.vtt"), "text/vtt; charset=utf-8");
  assert.equal(
    contentType("sync.xsm"),
    "application/vnd.syncml+xml; charset=utf-8",
  );
});

test("contentType() gives unmarked XML types no charset", () => {
  assert.equal(contentType("feed.rss"), "application/rss+xml");
  assert.equal(contentType("page.xhtml"), "application/xhtml+xml");
  assert.equal(contentType("data.xml"), "text/xml");
});

test("contentType() gives binary types no charset", () => {
  for (const name of ["a.png", "a.wasm", "a.pdf", "a.woff2", "a.zip"]) {
    assert.doesNotMatch(contentType(name), /charset/, name);
  }
});

test("contentType() ignores the case of the extension", () => {
  assert.equal(contentType("INDEX.HTML"), "text/html; charset=utf-8");
  assert.equal(contentType("photo.JpG"), "image/jpeg");
  assert.equal(contentType("/A/B/App.MJS"), "text/javascript; charset=utf-8");
});

test("contentType() maps a name without extension to octet-stream", () => {
  assert.equal(contentType("Makefile"), OCTET);
  assert.equal(contentType("/usr/share/doc/README"), OCTET);
  assert.equal(contentType(""), OCTET);
  assert.equal(contentType("/"), OCTET);
});

test("contentType() maps a dotfile to octet-stream", () => {
  assert.equal(contentType(".bashrc"), OCTET);
  assert.equal(contentType("/home/me/.bashrc"), OCTET);
  assert.equal(contentType("/home/me/.html"), OCTET);
});

test("contentType() uses the extension of a dotfile with a second dot", () => {
  assert.equal(contentType(".config.json"), "application/json; charset=utf-8");
});

test("contentType() maps a name ending in a dot to octet-stream", () => {
  assert.equal(contentType("file."), OCTET);
  assert.equal(contentType(".."), OCTET);
});

test("contentType() maps an unknown extension to octet-stream", () => {
  assert.equal(contentType("archive.unknownext"), OCTET);
  assert.equal(contentType("a.b.c.zzz"), OCTET);
});

test("contentType() does not read Object.prototype members", () => {
  for (
    const ext of ["constructor", "__proto__", "toString", "hasOwnProperty"]
  ) {
    assert.equal(contentType(`file.${ext}`), OCTET, ext);
  }
});

test("contentType() only looks at the last path segment", () => {
  assert.equal(contentType("/a.b/c"), OCTET);
  assert.equal(contentType("/v1.2/docs/index"), OCTET);
  assert.equal(contentType("/a.html/b.css"), "text/css; charset=utf-8");
});

test("contentType() uses the last dot of a name", () => {
  assert.equal(contentType("bundle.min.js"), "text/javascript; charset=utf-8");
  assert.equal(contentType("backup.tar.gz"), "application/gzip");
});

test("the media table file lists lower-case keys in sorted order", () => {
  const text = readFileSync(MEDIA_TABLE_PATH, "utf8");
  const keys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
  assert.equal(keys.length, Object.keys(MEDIA_TABLE).length);
  assert.deepEqual(keys, [...keys].sort());
  for (const key of keys) {
    assert.equal(key, key.toLowerCase());
    assert.ok(!key.includes("."), key);
  }
});

test("renderMediaTable() prefers iana, then non-octet-stream, then non-application", () => {
  const db = {
    "application/x-b": { source: "apache", extensions: ["b"] },
    "application/x-a": { extensions: ["a", "b"] },
    "text/x-b": { source: "nginx", extensions: ["b"] },
    "application/octet-stream": { source: "iana", extensions: ["c"] },
    "application/x-c": { source: "iana", extensions: ["c", "d"] },
    "image/x-d": { source: "iana", extensions: ["d"] },
    "image/x-e": { source: "iana", extensions: ["E"] },
    "image/x-e2": { source: "iana", extensions: ["e"] },
  };
  const text = renderMediaTable(db, "9.9.9");
  assert.ok(text.startsWith("// Generated by scripts/gen_media_table.ts"));
  assert.match(text.split("\n")[0], /mime-db 9\.9\.9/);
  assert.match(text, /^ {2}"a": "application\/x-a",$/m);
  assert.match(text, /^ {2}"b": "application\/x-b",$/m);
  assert.match(text, /^ {2}"c": "application\/x-c",$/m);
  assert.match(text, /^ {2}"d": "image\/x-d",$/m);
  assert.match(text, /^ {2}"e": "image\/x-e",$/m);
});

test("the generated media table is up to date with mime-db", () => {
  const { db, version } = readMimeDb();
  const committed = readFileSync(MEDIA_TABLE_PATH, "utf8");
  assert.equal(
    committed,
    renderMediaTable(db, version),
    "run: node_modules/.bin/node scripts/gen_media_table.ts",
  );
});
