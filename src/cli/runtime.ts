/**
 * Picks the running runtime's adapter: exactly one is loaded.
 *
 * @module
 */

import type { FileSystem } from "../core/fs.ts";
import type { Compressor } from "../core/compression.ts";
import type { Archiver } from "../core/archive.ts";
import type { ServeOptions, Server } from "../adapters/_serve_options.ts";

/** The running runtime's `serve()`, file system, compressor and archiver. */
export interface RuntimeAdapter {
  name: "deno" | "bun" | "node";
  serve: (options: ServeOptions) => Promise<Server>;
  fileSystem: () => FileSystem;
  compressor: () => Compressor;
  archiver: () => Archiver;
}

/**
 * Loads the adapter of the runtime this process runs on.
 *
 * @returns The adapter.
 */
export async function loadAdapter(): Promise<RuntimeAdapter> {
  if ("Deno" in globalThis) {
    const m = await import("../adapters/deno.ts");
    return {
      name: "deno",
      serve: m.serve,
      fileSystem: m.denoFileSystem,
      compressor: m.zlibCompressor,
      archiver: m.zipArchiver,
    };
  }
  if ("Bun" in globalThis) {
    const m = await import("../adapters/bun.ts");
    return {
      name: "bun",
      serve: m.serve,
      fileSystem: m.bunFileSystem,
      compressor: m.zlibCompressor,
      archiver: m.zipArchiver,
    };
  }
  const m = await import("../adapters/node.ts");
  return {
    name: "node",
    serve: m.serve,
    fileSystem: m.nodeFileSystem,
    compressor: m.zlibCompressor,
    archiver: m.zipArchiver,
  };
}
