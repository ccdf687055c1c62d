// The negative cache of createFileHandler() on a fake port that counts its
// calls: what a known-missing path costs, what it takes to be recorded,
// and what drops it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CACHED_REPLY, createFileHandler } from "../src/core/handler.ts";
import { notFoundReply } from "../src/core/fast_paths.ts";
import { errorResponse } from "../src/core/responses.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { FileInfo, FileSystem } from "../src/core/fs.ts";
import type { FileHandlerOptions } from "../src/core/options.ts";
import { MAX_ABSENT_KEY_LENGTH, NegativeCache } from "../src/core/negative_cache.ts";

const ROOT = "/srv";

function failure(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** An in-memory tree whose port logs every call, and whose folders change like real ones. */
class Tree {
  readonly entries = new Map<string, { info: FileInfo; bytes?: Uint8Array; target?: string }>();
  readonly calls: string[] = [];
  #ino = 1;
  #tick = 0;

  constructor() {
    this.entries.set(ROOT, { info: this.#info("directory", 0, true) });
  }

  #info(kind: FileInfo["kind"], size: number, settled: boolean): FileInfo {
    // Distinct times, far enough in the past to be settled, or just now.
    const time = (settled ? Date.now() - 10 * SETTLE_MS : Date.now()) + this.#tick++;
    return { kind, size, mtimeMs: time, ctimeMs: time, dev: 1, ino: this.#ino++ };
  }

  /** Adds an entry; its folder changes (and is unsettled unless `settled`). */
  add(path: string, kind: "file" | "directory" | "symlink", settled = false, target?: string) {
    const bytes = kind === "file" ? new TextEncoder().encode(`${path}\n`) : undefined;
    this.entries.set(path, { info: this.#info(kind, bytes?.byteLength ?? 0, true), bytes, target });
    const parent = path.slice(0, path.lastIndexOf("/"));
    const folder = this.entries.get(parent)!;
    folder.info = { ...this.#info("directory", 0, settled), ino: folder.info.ino };
  }

  // Follows links in every component but the last when `followLast` is false.
  #resolve(path: string, followLast: boolean): string {
    const parts = path.slice(ROOT.length).split("/").filter(Boolean);
    let at = ROOT;
    for (const [i, part] of parts.entries()) {
      const folder = this.entries.get(at)!;
      if (folder.info.kind !== "directory") throw failure("ENOTDIR");
      at = `${at}/${part}`;
      const entry = this.entries.get(at);
      if (entry === undefined) throw failure("ENOENT");
      if (entry.target !== undefined && (followLast || i < parts.length - 1)) at = entry.target;
    }
    return at;
  }

  port(): FileSystem {
    const log = (name: string, path: string) => this.calls.push(`${name} ${path}`);
    const infoAt = (path: string) => ({ ...this.entries.get(path)!.info });
    return {
      lstat: (path) => {
        log("lstat", path);
        return Promise.resolve().then(() => infoAt(this.#resolve(path, false)));
      },
      stat: (path) => {
        log("stat", path);
        return Promise.resolve().then(() => infoAt(this.#resolve(path, true)));
      },
      realPath: (path) => {
        log("realPath", path);
        return Promise.resolve().then(() => this.#resolve(path, true));
      },
      realStat: (path) => {
        log("realStat", path);
        return Promise.resolve().then(() => {
          const real = this.#resolve(path, true);
          return { path: real, info: infoAt(real) };
        });
      },
      readDir: () => Promise.reject(failure("EACCES")),
      open: (path) => {
        log("open", path);
        return Promise.resolve(this.entries.get(path)!.bytes!.slice());
      },
    };
  }

  /** The calls made since the last take. */
  take(): string[] {
    return this.calls.splice(0);
  }
}

function handlerOn(tree: Tree, options: Partial<FileHandlerOptions> = {}) {
  return createFileHandler({ root: ROOT, fs: tree.port(), ...options });
}

async function get(handler: ReturnType<typeof handlerOn>, path: string, init?: RequestInit) {
  const response = await handler(new Request(`http://localhost${path}`, init));
  return { status: response.status, text: await response.text() };
}

test("createFileHandler() answers a second 404 for /a/b/missing with one lstat of the folder", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/a`, "directory", true);
  tree.add(`${ROOT}/a/b`, "directory", true);
  tree.add(`${ROOT}/a/b/x.txt`, "file", true);
  const handler = handlerOn(tree);
  assert.equal((await get(handler, "/a/b/missing")).status, 404);
  tree.take();
  const second = await get(handler, "/a/b/missing");
  assert.deepEqual(second, { status: 404, text: "Not Found\n" });
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a/b`]);
  // The adapters' side door answers it too, as the same 404.
  const reply = await handler[CACHED_REPLY]("HEAD", "/a/b/missing", new Headers());
  assert.equal(reply, notFoundReply("HEAD"));
  assert.equal(reply!.status, 404);
  assert.equal(reply!.body, null);
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a/b`]);
});

test("createFileHandler() negative cache checks only the deepest folder that exists", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/a`, "directory", true);
  const handler = handlerOn(tree);
  assert.equal((await get(handler, "/a/b/c/missing.txt")).status, 404);
  tree.take();
  assert.equal((await get(handler, "/a/b/c/missing.txt")).status, 404);
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a`]);
  // The missing folder appears, with the file inside: served at once.
  tree.add(`${ROOT}/a/b`, "directory", true);
  tree.add(`${ROOT}/a/b/c`, "directory", true);
  tree.add(`${ROOT}/a/b/c/missing.txt`, "file", true);
  assert.deepEqual(await get(handler, "/a/b/c/missing.txt"), {
    status: 200,
    text: `${ROOT}/a/b/c/missing.txt\n`,
  });
});

test("createFileHandler() negative cache drops an entry when its folder changes", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/a`, "directory", true);
  const handler = handlerOn(tree);
  assert.equal((await get(handler, "/a/new.txt")).status, 404);
  tree.take();
  assert.equal((await get(handler, "/a/new.txt")).status, 404);
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a`], "kept");
  tree.add(`${ROOT}/a/new.txt`, "file");
  assert.deepEqual(await get(handler, "/a/new.txt"), { status: 200, text: `${ROOT}/a/new.txt\n` });
  // Another name in the folder also drops it: the next request looks again.
  tree.add(`${ROOT}/a/other`, "directory", true);
  tree.add(`${ROOT}/a/other/x`, "file", true);
  assert.equal((await get(handler, "/a/gone.txt")).status, 404);
  tree.take();
  assert.equal((await get(handler, "/a/gone.txt")).status, 404);
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a`], "kept");
  tree.add(`${ROOT}/a/sibling.txt`, "file", true);
  tree.take();
  assert.equal((await get(handler, "/a/gone.txt")).status, 404);
  assert.ok(tree.take().includes(`realStat ${ROOT}/a/gone.txt`), "looked up again");
});

test("createFileHandler() negative cache records nothing in an unsettled folder", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/fresh`, "directory", true);
  tree.add(`${ROOT}/fresh/x.txt`, "file", false);
  const handler = handlerOn(tree);
  for (let i = 0; i < 2; i++) {
    tree.take();
    assert.equal((await get(handler, "/fresh/missing.txt")).status, 404);
    assert.ok(tree.take().includes(`realStat ${ROOT}/fresh/missing.txt`), `request ${i + 1}`);
  }
});

test("createFileHandler() negative cache records nothing through a link", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/real`, "directory", true);
  tree.add(`${ROOT}/link`, "symlink", true, `${ROOT}/real`);
  for (const symlinks of ["inside", "always"] as const) {
    const handler = handlerOn(tree, { symlinks });
    for (let i = 0; i < 2; i++) {
      tree.take();
      assert.equal((await get(handler, "/link/missing.txt")).status, 404);
      assert.ok(
        tree.take().some((call) =>
          call.endsWith(`${ROOT}/link/missing.txt`) && !call.startsWith("l")
        ),
        `${symlinks}: request ${i + 1} looks up again`,
      );
    }
  }
});

test("createFileHandler() negative cache records nothing for a file used as a folder", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/file.txt`, "file", true);
  const handler = handlerOn(tree);
  for (let i = 0; i < 2; i++) {
    tree.take();
    assert.equal((await get(handler, "/file.txt/x")).status, 404);
    assert.ok(tree.take().includes(`realStat ${ROOT}/file.txt/x`));
  }
});

test("createFileHandler() negative cache with cleanUrls needs name.html missing too", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/a`, "directory", true);
  // A folder named about.html: clean URLs serve no page for /a/about, but
  // the name exists, and where it leads may change without the folder.
  tree.add(`${ROOT}/a/about.html`, "directory", true);
  const handler = handlerOn(tree, { cleanUrls: true });
  for (let i = 0; i < 2; i++) {
    tree.take();
    assert.equal((await get(handler, "/a/about")).status, 404);
    assert.ok(tree.take().includes(`realStat ${ROOT}/a/about`), `request ${i + 1}`);
  }
  // Missing as well: recorded, and the page appearing is served at once.
  assert.equal((await get(handler, "/a/contact")).status, 404);
  tree.take();
  assert.equal((await get(handler, "/a/contact")).status, 404);
  assert.deepEqual(tree.take(), [`lstat ${ROOT}/a`]);
  tree.add(`${ROOT}/a/contact.html`, "file");
  assert.equal((await get(handler, "/a/contact")).status, 200);
});

test("createFileHandler() negative cache skips the lookup under spa and notFound; only the shell is answered at once", async () => {
  const tree = new Tree();
  tree.add(`${ROOT}/404.html`, "file", true);
  tree.add(`${ROOT}/index.html`, "file", true);
  const handler = handlerOn(tree, { spa: true, notFound: "404.html" });
  const html = { headers: { accept: "text/html" } };
  for (
    const [path, text] of [["/app/route", `${ROOT}/index.html\n`], ["/x.png", `${ROOT}/404.html\n`]]
  ) {
    await get(handler, path, html);
    tree.take();
    const again = await get(handler, path, html);
    assert.equal(again.text, text, path);
    assert.ok(!tree.take().includes(`realStat ${ROOT}${path}`), `${path}: no lookup`);
    // The side door answers a deep link with the cached shell (the fake
    // port's files are settled), and leaves the 404 page to the handler.
    const reply = await handler[CACHED_REPLY]("GET", path, new Headers(html.headers));
    if (path === "/x.png") assert.equal(reply, null);
    else assert.equal(new TextDecoder().decode(reply?.body ?? undefined), text);
  }
});

test("createFileHandler() negative cache is off with cache: false, and for long paths", async () => {
  const tree = new Tree();
  const long = "/" + "x".repeat(MAX_ABSENT_KEY_LENGTH);
  for (const [options, path] of [[{ cache: false }, "/missing"], [{}, long]] as const) {
    const handler = handlerOn(tree, options);
    for (let i = 0; i < 2; i++) {
      tree.take();
      assert.equal((await get(handler, path)).status, 404);
      assert.ok(tree.take().includes(`realStat ${ROOT}${path}`), `request ${i + 1}`);
    }
  }
});

test("NegativeCache evicts by second chance within its bound", async () => {
  const tree = new Tree();
  const fs = tree.port();
  const absence = { folder: ROOT, info: await fs.lstat(ROOT) };
  const cache = new NegativeCache(2);
  cache.set("/a", absence);
  cache.set("/b", absence);
  assert.equal(await cache.has("/a", fs), true);
  cache.set("/c", absence);
  assert.equal(cache.size, 2);
  // /a was used since it was kept: /b goes.
  assert.equal(await cache.has("/b", fs), false);
  assert.equal(await cache.has("/a", fs), true);
  assert.equal(await cache.has("/c", fs), true);
});

test("notFoundReply() is errorResponse(404) field for field", async () => {
  for (const method of ["GET", "HEAD"]) {
    const reply = notFoundReply(method);
    const expected = errorResponse(404, method);
    assert.equal(notFoundReply(method), reply, "built once");
    for (const response of [reply.response(), reply.clonedResponse(), reply.clonedResponse()]) {
      assert.equal(response.status, 404);
      assert.equal(response.statusText, expected.statusText);
      assert.deepEqual([...response.headers], [...expected.headers]);
      assert.equal(await response.text(), method === "HEAD" ? "" : "Not Found\n");
    }
    assert.deepEqual(reply.headers, [...expected.headers]);
    const body = reply.body === null ? "" : new TextDecoder().decode(reply.body);
    assert.equal(body, await expected.text());
  }
});
