/**
 * The file handler as a `deno serve` module: `deno serve --parallel` runs
 * one copy of it per core (worker threads of one process, each with its
 * own listener on the shared port), which is Deno's own way to use every
 * core without writing a launcher.
 *
 * Run: deno serve --parallel --allow-read --host 127.0.0.1 --port 8000 examples/deno_parallel.ts
 *   (DENO_JOBS=N sets the number of workers; the default is one per core)
 *   curl -sI http://127.0.0.1:8000/ | grep -i x-worker   # repeat: the worker changes
 */

import { fileURLToPath } from "node:url";
import { createFileHandler, denoFileSystem } from "../src/adapters/deno.ts";

// Every worker evaluates this module on its own, so each draws its own tag.
const worker = crypto.randomUUID().slice(0, 8);

export default {
  fetch: createFileHandler({
    root: fileURLToPath(new URL("./site", import.meta.url)),
    fs: denoFileSystem(),
    listing: true,
    headers: { "X-Worker": worker },
  }),
} satisfies Deno.ServeDefaultExport;
