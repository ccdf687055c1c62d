/**
 * Replaces `FILE` by renaming a new version over it, as editors and build
 * tools save, in a tight loop for `MILLISECONDS`: `rename_writer.ts FILE
 * MILLISECONDS`. Prints `ready` first and `done N` at the end.
 */

import { renameSync, writeFileSync } from "node:fs";
import process from "node:process";

if (import.meta.main) {
  const [file, milliseconds] = process.argv.slice(2);
  const deadline = Date.now() + Number(milliseconds);
  process.stdout.write("ready\n");
  let versions = 0;
  while (Date.now() < deadline) {
    writeFileSync(file + ".next", `version ${++versions}\n`.repeat(100));
    renameSync(file + ".next", file);
  }
  process.stdout.write(`done ${versions}\n`);
}
