/** Reading zip files in tests: the central directory, and the system's unpackers. */

import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** One central-directory record. */
export interface ZipRecord {
  name: string;
  /** General purpose flags (bit 3: data descriptor, bit 11: UTF-8 names). */
  flags: number;
  /** The uncompressed size, from the ZIP64 field when the record has one. */
  size: number;
  /** Compression method (0: stored). */
  method: number;
}

/**
 * The records of a zip's central directory (ZIP64 end records and
 * extra fields followed), in order.
 */
export function centralDirectory(zip: Uint8Array): ZipRecord[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.byteLength - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("no end of central directory");
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (offset === 0xffffffff || count === 0xffff) {
    const locator = end - 20;
    if (view.getUint32(locator, true) !== 0x07064b50) throw new Error("no ZIP64 locator");
    const end64 = Number(view.getBigUint64(locator + 8, true));
    count = Number(view.getBigUint64(end64 + 32, true));
    offset = Number(view.getBigUint64(end64 + 48, true));
  }
  const records: ZipRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(offset, true) !== 0x02014b50) throw new Error(`bad record ${i}`);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    let size = view.getUint32(offset + 24, true);
    const name = new TextDecoder().decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    if (size === 0xffffffff) {
      const extra = offset + 46 + nameLength;
      // The ZIP64 field (id 1) starts with the uncompressed size.
      if (view.getUint16(extra, true) === 1) size = Number(view.getBigUint64(extra + 4, true));
    }
    records.push({
      name,
      flags: view.getUint16(offset + 8, true),
      size,
      method: view.getUint16(offset + 10, true),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

/** Whether Debian's `unzip` and `bsdtar` are on this machine. */
export function unpackersInstalled(): boolean {
  return ["unzip", "bsdtar"].every((tool) =>
    spawnSync(tool, tool === "unzip" ? ["-v"] : ["--version"]).status === 0
  );
}

/** Runs a tool, failing with its stderr when it exits non-zero. */
export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    // UTF-8 names come out as UTF-8 only under a UTF-8 locale.
    env: { ...process.env, LC_ALL: "C.UTF-8" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")}: exit ${result.status}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Every file (its SHA-256) and folder ("dir") under `dir`, by relative path. */
export function tree(dir: string, prefix = ""): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const key = prefix + name;
    if (statSync(path).isDirectory()) {
      found[key + "/"] = "dir";
      Object.assign(found, tree(path, key + "/"));
    } else {
      found[key] = sha256(readFileSync(path));
    }
  }
  return found;
}

/** The hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}
