/**
 * The fixture tree the handler tests run against, built in a temp folder,
 * and the running runtime's own file-system port.
 */

import { execFileSync } from "node:child_process";
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
import { runtimeFileSystem } from "../../src/fs/runtime.ts";
import { createFileHandler, type FileHandler } from "../../src/core/handler.ts";
import type { FileHandlerOptions } from "../../src/core/options.ts";

/** The running runtime's name, for picking its file-system port. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The running runtime's own file-system port. */
export { runtimeFileSystem };

/** A fixed modification time (seconds) for the fixture's files. */
export const MTIME = 1_700_000_000;

/** Names with characters that need care in URLs and HTML. */
export const ODD_NAMES = {
  space: "with space.txt",
  unicode: "ünïcödé 文件.txt",
  percent: "100%.txt",
  hash: "a#b.txt",
  question: "what?.txt",
  html: '<img src=x onerror="alert(1)">.html',
};

/** Deterministic bytes: byte i is (i * 7 + 3) mod 251, so ranges are checkable. */
export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 251;
  return bytes;
}

/** Size of the large file `big.bin`. */
export const BIG_SIZE = 5 * 1024 * 1024;

export interface Fixture {
  /** The temp folder holding `www` and `www-secret`. */
  base: string;
  /** The served root (`base/www`). */
  root: string;
  /** Removes everything. */
  remove(): void;
}

/** Builds the fixture tree in a new temp folder. */
export function buildFixture(): Fixture {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "fileserver-")));
  const root = join(base, "www");
  const file = (path: string, data: string | Uint8Array) => {
    const full = join(root, path);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, data);
  };
  file("index.html", "<!DOCTYPE html><title>home</title>\n");
  file("hello.txt", "hello world\n");
  file("empty.txt", "");
  file("big.bin", pattern(BIG_SIZE));
  file("style.css", "body { color: red }\n");
  file("data.json", '{"ok":true}\n');
  file(".env", "SECRET=1\n");
  file(".git/config", "[core]\n");
  file(".well-known/security.txt", "Contact: mailto:security@example.com\n");
  file(".well-known/.hidden", "hidden\n");
  file("nested/deeper/file.txt", "deep\n");
  file("nested/index.html", "<p>nested index</p>\n");
  file("docs/readme.md", "# docs\n");
  file("docs/sub/page.html", "<p>page</p>\n");
  file("docs/.secret", "dot\n");
  for (const name of Object.values(ODD_NAMES)) file(`odd/${name}`, `content of ${name}\n`);
  mkdirSync(join(root, "emptydir"));
  mkdirSync(join(base, "www-secret"));
  writeFileSync(join(base, "www-secret", "secret.txt"), "top secret\n");
  writeFileSync(join(base, "outside.txt"), "outside\n");
  symlinkSync("nested/deeper/file.txt", join(root, "link-inside.txt"));
  symlinkSync("nested", join(root, "link-inside-dir"));
  symlinkSync("../www-secret/secret.txt", join(root, "link-outside.txt"));
  symlinkSync("../www-secret", join(root, "link-outside-dir"));
  symlinkSync("/dev/null", join(root, "devnull"));
  symlinkSync("missing-target", join(root, "dangling"));
  execFileSync("mkfifo", [join(root, "fifo")]);
  execFileSync("python3", [
    "-c",
    "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
    join(root, "socket"),
  ]);
  touchAll(root, ["index.html", "hello.txt", "empty.txt", "big.bin", "style.css", "data.json"]);
  return { base, root, remove: () => rmSync(base, { recursive: true, force: true }) };
}

function touchAll(root: string, paths: string[]): void {
  for (const path of paths) utimesSync(join(root, path), MTIME, MTIME);
}

/** A handler over the fixture with the runtime's port; options override. */
export async function fixtureHandler(
  fixture: Fixture,
  options: Partial<FileHandlerOptions> = {},
): Promise<FileHandler> {
  return createFileHandler({ root: fixture.root, fs: await runtimeFileSystem(), ...options });
}

/** Sends a request for `path` (a raw request target) to `handler`. */
export function get(
  handler: FileHandler,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return handler(new Request(`http://localhost${path}`, init));
}
