/**
 * Swaps entries under a served root for symbolic links to files and folders
 * outside it, and back, as fast as it can, in its own process so that the
 * swaps land while the server checks and opens paths:
 * `link_swapper.ts BASE MILLISECONDS`. BASE holds `root/` and `outside/` as
 * tests/symlink_race.test.ts builds them. Prints `ready` once, then `done N`
 * with the number of rounds when the time is up; each round swaps every
 * target there and back once.
 *
 * Targets: `file/NAME` (a file swapped for a link to `outside/NAME`),
 * `dir` (a folder swapped for a link to `outside/dir`), and `both` (its
 * files swapped for links, then the folder itself, then back). A hidden
 * hard link (`.keep-NAME`) keeps each inside file, so the real file comes
 * back by rename: every swap is one atomic rename(2).
 */

import { linkSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** The file names swapped in `file/` and `both/`. */
export const SWAPPED_FILES = ["small.txt", "large.bin"];

const [base = "", milliseconds = "0"] = process.argv.slice(2);
const root = join(base, "root");
const outside = join(base, "outside");

function fileToLink(folder: string, name: string): void {
  const aside = join(folder, ".swap-" + name);
  symlinkSync(join(outside, name), aside);
  renameSync(aside, join(folder, name));
}

function linkToFile(folder: string, name: string): void {
  const aside = join(folder, ".swap-" + name);
  linkSync(join(folder, ".keep-" + name), aside);
  renameSync(aside, join(folder, name));
}

// A folder cannot be renamed over a link, nor a link over a non-empty
// folder: the folder steps aside, the link steps in, and back. Each of the
// two moments without any entry answers 404.
function folderToLink(name: string): void {
  renameSync(join(root, name), join(root, `.keep-${name}`));
  renameSync(join(root, `.link-${name}`), join(root, name));
}

function linkToFolder(name: string): void {
  renameSync(join(root, name), join(root, `.link-${name}`));
  renameSync(join(root, `.keep-${name}`), join(root, name));
}

if (import.meta.main) {
  const deadline = Date.now() + Number(milliseconds);
  process.stdout.write("ready\n");
  let rounds = 0;
  while (Date.now() < deadline) {
    for (const name of SWAPPED_FILES) {
      fileToLink(join(root, "file"), name);
      linkToFile(join(root, "file"), name);
    }
    folderToLink("dir");
    linkToFolder("dir");
    // `both` goes through a real folder holding links, then a link to an
    // outside folder, then back to a real folder of real files.
    for (const name of SWAPPED_FILES) fileToLink(join(root, "both"), name);
    folderToLink("both");
    for (const name of SWAPPED_FILES) linkToFile(join(root, ".keep-both"), name);
    linkToFolder("both");
    rounds++;
  }
  process.stdout.write(`done ${rounds}\n`);
}
