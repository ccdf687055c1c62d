/**
 * The running runtime's file-system port, for the entry points that are not
 * tied to one runtime (the Hono middleware, the std drop-in).
 *
 * @module
 */

import type { FileSystem } from "../core/fs.ts";

/**
 * Loads the running runtime's port: `denoFileSystem()` on Deno,
 * `bunFileSystem()` on Bun, `nodeFileSystem()` elsewhere. Detected rather
 * than imported, so that each runtime loads only its own port.
 *
 * @returns The port.
 */
export async function runtimeFileSystem(): Promise<FileSystem> {
  if ("Deno" in globalThis) return (await import("./deno.ts")).denoFileSystem();
  if ("Bun" in globalThis) return (await import("./bun.ts")).bunFileSystem();
  return (await import("./node.ts")).nodeFileSystem();
}
