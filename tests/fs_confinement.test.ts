// The running runtime's file-system port, on what keeps links from leading
// out of the root: realStat() observes a path's real place and metadata at
// once, and open() of a canonical path refuses (ESTALE) any file that is
// not at that very path, reached through no link. Each check is tested
// both with the kernel's proof (/proc/self/fd, the default on Linux) and
// with the lstat checks left where /proc cannot be read (forced here).
// tests/symlink_race.test.ts races them against a real swapper.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileSystem } from "../src/core/fs.ts";
import { provesPlaces, useProcForPlaces } from "../src/fs/_node_fs.ts";
import { buildFixture, type Fixture, runtimeFileSystem } from "./_helpers/fixture.ts";

let fixture: Fixture;
let fs: FileSystem;

before(async () => {
  fixture = buildFixture();
  writeFileSync(join(fixture.root, "nested", "large.bin"), new Uint8Array(100_000));
  fs = await runtimeFileSystem();
});
after(() => {
  useProcForPlaces(undefined);
  fixture.remove();
});

const at = (path: string) => join(fixture.root, path);
const code = (error: unknown) => (error as { code?: string }).code;
const WHOLE = { start: 0, end: 4 };

async function text(body: Awaited<ReturnType<FileSystem["open"]>>): Promise<string> {
  return await new Response(body).text();
}

test("runtime file system proves where a descriptor is on Linux (/proc/self/fd)", () => {
  useProcForPlaces(undefined);
  assert.equal(provesPlaces(), process.platform === "linux");
});

for (const proof of ["/proc", "lstat"] as const) {
  const mode = () => useProcForPlaces(proof === "/proc" ? undefined : false);

  test(`runtime file system realStat() gives the real place and what is there (${proof})`, async () => {
    mode();
    const file = await fs.realStat(at("link-inside.txt"));
    assert.equal(file.path, at("nested/deeper/file.txt"));
    assert.equal(file.info.kind, "file");
    assert.equal(file.info.size, "deep\n".length);
    const folder = await fs.realStat(at("link-inside-dir/deeper"));
    assert.deepEqual([folder.path, folder.info.kind], [at("nested/deeper"), "directory"]);
    const out = await fs.realStat(at("link-outside.txt"));
    assert.equal(out.path, join(fixture.base, "www-secret", "secret.txt"));
    const plain = await fs.realStat(at("hello.txt"));
    assert.deepEqual(plain.info, await fs.stat(at("hello.txt")));
  });

  test(`runtime file system realStat() of a missing path or dangling link rejects with ENOENT (${proof})`, async () => {
    mode();
    await assert.rejects(fs.realStat(at("missing.txt")), (error) => code(error) === "ENOENT");
    await assert.rejects(fs.realStat(at("dangling")), (error) => code(error) === "ENOENT");
    await assert.rejects(fs.realStat(at("hello.txt/x")), (error) => code(error) === "ENOTDIR");
  });

  test(`runtime file system realStat() looks at a FIFO without blocking (${proof})`, async () => {
    mode();
    const fifo = await fs.realStat(at("fifo"));
    assert.deepEqual([fifo.path, fifo.info.kind], [at("fifo"), "other"]);
  });

  test(`runtime file system open() of a canonical path refuses a link at its end (${proof})`, async () => {
    mode();
    for (const end of [{ start: 0, end: 2 }, { start: 0, end: 100_000 }]) {
      await assert.rejects(
        fs.open(at("link-inside.txt"), end, { canonical: true }),
        (error) => code(error) === "ESTALE",
      );
    }
  });

  test(`runtime file system open() of a canonical path refuses a link along it (${proof})`, async () => {
    mode();
    for (const path of ["link-inside-dir/deeper/file.txt", "link-outside-dir/secret.txt"]) {
      await assert.rejects(
        fs.open(at(path), { start: 0, end: 2 }, { canonical: true }),
        (error) => code(error) === "ESTALE",
        path,
      );
    }
    await assert.rejects(
      fs.open(at("link-inside-dir/large.bin"), { start: 0, end: 99_999 }, { canonical: true }),
      (error) => code(error) === "ESTALE",
    );
  });

  test(`runtime file system open() of a canonical path reads the file there (${proof})`, async () => {
    mode();
    const expected = await fs.stat(at("hello.txt"));
    assert.equal(await text(await fs.open(at("hello.txt"), WHOLE, { canonical: true })), "hello");
    const body = await fs.open(at("hello.txt"), WHOLE, { canonical: true, expected });
    assert.equal(await text(body), "hello");
    const big = await fs.open(at("big.bin"), { start: 0, end: 99_999 }, { canonical: true });
    assert.equal((await new Response(big).arrayBuffer()).byteLength, 100_000);
  });

  test(`runtime file system readDir() of a canonical path refuses a link at or along it (${proof})`, async () => {
    mode();
    for (const path of ["link-inside-dir", "link-inside-dir/deeper", "link-outside-dir"]) {
      await assert.rejects(
        fs.readDir(at(path), { canonical: true }),
        (error) => code(error) === "ESTALE",
        path,
      );
    }
    const names = (await fs.readDir(at("nested"), { canonical: true })).map((e) => e.name);
    assert.deepEqual(names.sort(), ["deeper", "index.html", "large.bin"]);
    assert.equal((await fs.readDir(at("link-inside-dir"))).length, 3);
  });

  test(`runtime file system open() without canonical still follows links (${proof})`, async () => {
    mode();
    assert.equal(await text(await fs.open(at("link-inside.txt"), { start: 0, end: 3 })), "deep");
  });
}

test("runtime file system open() of a canonical FIFO path rejects without blocking", async () => {
  useProcForPlaces(undefined);
  const fifo = at("fifo");
  for (const range of [{ start: 0, end: 0 }, { start: 0, end: 100_000 }]) {
    await assert.rejects(
      fs.open(fifo, range, { canonical: true }),
      (error) => ["ENOENT", "ESTALE"].includes(code(error) ?? ""),
    );
  }
});
