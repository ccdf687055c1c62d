// Folder download (`archive`, `--zip`): the zip streamed by the running
// runtime's adapter is unpacked with Debian's unzip and bsdtar and compared
// file by file with the folder, under the serving rules.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { runtimeServe } from "./_helpers/adapter.ts";
import { pattern, runtimeFileSystem } from "./_helpers/fixture.ts";
import { cutDownload } from "./_helpers/cut_download.ts";
import { centralDirectory, run, sha256, tree, unpackersInstalled } from "./_helpers/zip.ts";
import { createFileHandler } from "../src/core/handler.ts";
import type { FileSystem } from "../src/core/fs.ts";
import { zipArchiver } from "../src/fs/zip_archiver.ts";
import type { Server } from "../src/adapters/_serve_options.ts";

// CI sets FILESERVER_SYSTEM_TOOLS=1 after installing them: there a missing
// unpacker fails the tests instead of skipping them.
const skip = !unpackersInstalled() && process.env.FILESERVER_SYSTEM_TOOLS !== "1" &&
  "needs unzip and bsdtar (apt-get install unzip libarchive-tools)";

const base = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-archive-")));
const root = join(base, "www");
const out = join(base, "out");
const UNICODE = "ünïcödé 文件.txt";
const NESTED = pattern(300 * 1024);
// What a download of the root holds: each file's SHA-256, each folder "dir".
let expected: Record<string, string> = {};

before(() => {
  mkdirSync(join(root, "nested", "deep"), { recursive: true });
  mkdirSync(join(root, "empty-dir"));
  mkdirSync(join(root, ".hidden-dir"));
  mkdirSync(join(root, "site"));
  mkdirSync(join(root, "big"));
  mkdirSync(out);
  writeFileSync(join(root, "a.txt"), "hello\n");
  writeFileSync(join(root, UNICODE), "unicode\n");
  writeFileSync(join(root, "empty.txt"), "");
  writeFileSync(join(root, ".secret"), "dotfile\n");
  writeFileSync(join(root, ".hidden-dir", "z.txt"), "hidden\n");
  writeFileSync(join(root, "nested", "y.txt"), "y\n");
  writeFileSync(join(root, "nested", "deep", "x.bin"), NESTED);
  writeFileSync(join(root, "site", "index.html"), "<p>index</p>\n");
  // Sparse: 64 MiB that take no disk, so a cut download is cut mid-file.
  writeFileSync(join(root, "big", "big.bin"), "");
  truncateSync(join(root, "big", "big.bin"), 64 * 1024 * 1024);
  writeFileSync(join(base, "outside.txt"), "outside\n");
  symlinkSync(join(base, "outside.txt"), join(root, "out-link.txt"));
  symlinkSync("a.txt", join(root, "in-link.txt"));
  // A link back up to the root: served (it stays inside), never archived.
  symlinkSync("..", join(root, "nested", "loop"));
  execFileSync("mkfifo", [join(root, "pipe")]);
  expected = {
    "a.txt": sha256("hello\n"),
    "big/": "dir",
    "big/big.bin": sha256(new Uint8Array(64 * 1024 * 1024)),
    "empty-dir/": "dir",
    "empty.txt": sha256(""),
    "in-link.txt": sha256("hello\n"),
    "nested/": "dir",
    "nested/deep/": "dir",
    "nested/deep/x.bin": sha256(NESTED),
    "nested/y.txt": sha256("y\n"),
    "site/": "dir",
    "site/index.html": sha256("<p>index</p>\n"),
    [UNICODE]: sha256("unicode\n"),
  };
});
after(() => rmSync(base, { recursive: true, force: true }));

const serve = await runtimeServe();
const fs = await runtimeFileSystem();

async function withServer(
  options: Record<string, unknown>,
  body: (server: Server) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const server = await serve({ root, port: 0, signal: controller.signal, ...options });
  try {
    await body(server);
  } finally {
    controller.abort();
    await server.finished;
  }
}

/** Downloads `path` into out/NAME and returns the response and the zip's bytes. */
async function download(server: Server, path: string, name: string) {
  const response = await fetch(new URL(path, server.url));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const file = join(out, name);
  writeFileSync(file, bytes);
  return { response, bytes, file };
}

function unpackBoth(file: string, name: string): Record<string, string>[] {
  const byUnzip = join(out, `${name}-unzip`);
  const byBsdtar = join(out, `${name}-bsdtar`);
  mkdirSync(byUnzip);
  mkdirSync(byBsdtar);
  run("unzip", ["-q", file, "-d", byUnzip]);
  run("bsdtar", ["-xf", file, "-C", byBsdtar]);
  return [tree(byUnzip), tree(byBsdtar)];
}

test(
  "archive: GET /?download=zip streams the folder, which unzip and bsdtar unpack file for file",
  {
    skip,
  },
  async () => {
    await withServer({ listing: true, archive: true }, async (server) => {
      const { response, bytes, file } = await download(server, "/?download=zip", "root.zip");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/zip");
      assert.equal(
        response.headers.get("content-disposition"),
        `attachment; filename="download.zip"; filename*=UTF-8''download.zip`,
      );
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("content-length"), null);
      assert.equal(response.headers.get("etag"), null);
      assert.equal(response.headers.get("accept-ranges"), null);
      // Dotfiles, the link out of the root, the loop back up and the FIFO are
      // left out; the empty folder is there.
      for (const unpacked of unpackBoth(file, "root")) assert.deepEqual(unpacked, expected);
      const records = centralDirectory(bytes);
      assert.ok(records.every((r) => r.method === 0 && (r.flags & 0x0800) !== 0), "UTF-8 flag");
      assert.ok(records.some((r) => r.name === UNICODE));
      assert.ok(records.some((r) => r.name === "empty-dir/"));
    });
  },
);

test("archive: a subfolder's zip is named after it and holds its tree under its own names", {
  skip,
}, async () => {
  await withServer({ listing: true, archive: true }, async (server) => {
    const { response, bytes, file } = await download(server, "/nested/?download=zip", "n.zip");
    assert.equal(
      response.headers.get("content-disposition"),
      `attachment; filename="nested.zip"; filename*=UTF-8''nested.zip`,
    );
    assert.deepEqual(centralDirectory(bytes).map((r) => r.name), [
      "deep/",
      "deep/x.bin",
      "y.txt",
    ]);
    const listed = run("unzip", ["-l", file]);
    assert.match(listed, new RegExp(`\\b${NESTED.byteLength}\\s+\\S+ \\S+\\s+deep/x\\.bin`));
    for (const unpacked of unpackBoth(file, "nested")) {
      assert.deepEqual(unpacked, {
        "deep/": "dir",
        "deep/x.bin": sha256(NESTED),
        "y.txt": sha256("y\n"),
      });
    }
  });
});

test("archive: a unicode folder name goes in filename* and an ASCII stand-in", async () => {
  mkdirSync(join(root, "empty-dir", "café"), { recursive: true });
  try {
    const handler = createFileHandler({ root, fs, listing: true, archive: zipArchiver() });
    const response = await handler(
      new Request("http://localhost/empty-dir/caf%C3%A9/?download=zip", { method: "HEAD" }),
    );
    assert.equal(
      response.headers.get("content-disposition"),
      `attachment; filename="caf_.zip"; filename*=UTF-8''caf%C3%A9.zip`,
    );
  } finally {
    rmSync(join(root, "empty-dir", "café"), { recursive: true });
  }
});

test("archive: dotfiles allow puts dotfiles in; symlinks never leaves every link out", {
  skip,
}, async () => {
  const handler = (options: Record<string, unknown>) =>
    createFileHandler({ root, fs, listing: true, archive: zipArchiver(), ...options });
  const names = async (options: Record<string, unknown>) => {
    const response = await handler(options)(new Request("http://localhost/?download=zip"));
    return centralDirectory(new Uint8Array(await response.arrayBuffer())).map((r) => r.name);
  };
  const allowed = await names({ dotfiles: "allow" });
  assert.ok(allowed.includes(".secret") && allowed.includes(".hidden-dir/z.txt"), `${allowed}`);
  assert.ok(!allowed.includes("out-link.txt"));
  const never = await names({ symlinks: "never" });
  assert.ok(!never.includes("in-link.txt") && !never.includes("nested/loop/"), `${never}`);
  assert.ok(never.includes("a.txt"));
});

test("archive: HEAD answers with GET's fields, no body, and reads no folder or file", async () => {
  const calls: string[] = [];
  const counted = new Proxy(fs, {
    get(target, name: keyof FileSystem) {
      const method = target[name];
      if (typeof method !== "function") return method;
      if (name !== "open" && name !== "readDir") return method.bind(target);
      return (...args: unknown[]) => {
        calls.push(name);
        return (method as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const handler = createFileHandler({ root, fs: counted, listing: true, archive: zipArchiver() });
  const response = await handler(
    new Request("http://localhost/nested/?download=zip", { method: "HEAD" }),
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/zip");
  assert.equal(response.body, null);
  assert.deepEqual(calls, []);
});

test("archive: a folder URL without its slash redirects, keeping ?download=zip", async () => {
  const handler = createFileHandler({ root, fs, listing: true, archive: zipArchiver() });
  const response = await handler(new Request("http://localhost/nested?download=zip"));
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/nested/?download=zip");
});

test("archive: the query is ignored by a folder with an index, for other values, or when off", async () => {
  const on = createFileHandler({ root, fs, listing: true, archive: zipArchiver() });
  const off = createFileHandler({ root, fs, listing: true });
  const type = async (handler: typeof on, path: string) =>
    (await handler(new Request(`http://localhost${path}`))).headers.get("content-type");
  assert.equal(await type(on, "/site/?download=zip"), "text/html; charset=utf-8");
  assert.equal(await type(on, "/?download=tar"), "text/html; charset=utf-8");
  assert.equal(await type(off, "/?download=zip"), "text/html; charset=utf-8");
  assert.equal(await type(on, "/a.txt?download=zip"), "text/plain; charset=utf-8");
});

test("archive: the listing offers the download only when archive is on", async () => {
  const page = async (options: Record<string, unknown>) => {
    const handler = createFileHandler({ root, fs, listing: true, ...options });
    return await (await handler(new Request("http://localhost/nested/"))).text();
  };
  assert.match(await page({ archive: zipArchiver() }), /<a href="\?download=zip" download>/);
  assert.doesNotMatch(await page({}), /download=zip/);
});

test("createFileHandler() throws a TypeError for a bad archive or one without listing", () => {
  const bad = [true, "zip", {}, { archive: () => {}, mediaType: "application/zip" }];
  for (const archive of bad) {
    assert.throws(
      () => createFileHandler({ root, fs, listing: true, archive: archive as never }),
      { name: "TypeError", message: /"archive" must be false or an archiver/ },
    );
  }
  assert.throws(
    () => createFileHandler({ root, fs, archive: zipArchiver() }),
    { name: "TypeError", message: /"archive" needs "listing": true/ },
  );
  assert.doesNotThrow(() => createFileHandler({ root, fs, archive: false }));
});

test("serve() takes archive: true for zipArchiver(), and refuses archive: 'yes'", async () => {
  await assert.rejects(
    serve({ root, port: 0, listing: true, archive: "yes" as never }),
    TypeError,
  );
  await withServer({ listing: true, archive: true }, async (server) => {
    const response = await fetch(new URL("/nested/deep/?download=zip", server.url));
    const records = centralDirectory(new Uint8Array(await response.arrayBuffer()));
    assert.deepEqual(records.map((r) => [r.name, r.size]), [["x.bin", NESTED.byteLength]]);
  });
});

// Descriptors of this process open on the served folder.
function openInRoot(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(root + "/");
    } catch {
      return false; // closed since the listing
    }
  }).length;
}

/** Reads a little more than 256 KiB of `path`, counts the open descriptors, then leaves. */
function cutMidFile(url: URL, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    });
    let received = 0;
    socket.on("data", (chunk) => {
      received += chunk.length;
      if (received <= 256 * 1024 || socket.destroyed) return;
      const open = openInRoot();
      socket.destroy();
      resolve(open);
    });
    socket.on("error", reject);
  });
}

test("archive: a download cut mid-file leaves no descriptor open on the folder", async () => {
  await withServer({ listing: true, archive: true }, async (server) => {
    for (let i = 0; i < 3; i++) {
      // The 64 MiB file is being read when the client leaves (Deno's port
      // holds two descriptors on it: the checked one and Deno's own).
      assert.ok(await cutMidFile(server.url, "/big/?download=zip") >= 1);
    }
    await cutDownload(server.url, "/big/?download=zip");
    const deadline = Date.now() + 2_000;
    while (openInRoot() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(openInRoot(), 0, "descriptors still open on the folder's files");
  });
});
