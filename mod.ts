/**
 * A static file server core that runs unchanged on Deno, Bun and Node.
 *
 * {@linkcode createFileHandler} turns a folder into a function from a web
 * `Request` to a `Response`, with the HTTP behaviour of a complete file
 * server: conditional requests, byte ranges, directory index and listing,
 * safe path resolution. The runtime enters through a small file-system port:
 * pick the one for yours from `@seed/fileserver/fs/deno`, `/fs/bun` or
 * `/fs/node`.
 *
 * @example Answering a request without a network
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler, type FileInfo, type FileSystem } from "@seed/fileserver";
 *
 * // A one-file, in-memory file system: the port is all the core needs.
 * const text = new TextEncoder().encode("hello");
 * const entries: Record<string, FileInfo> = {
 *   "/srv": { kind: "directory", size: 0, mtimeMs: 0, ctimeMs: 0, dev: 1, ino: 1 },
 *   "/srv/hello.txt": { kind: "file", size: 5, mtimeMs: 0, ctimeMs: 0, dev: 1, ino: 2 },
 * };
 * const stat = (path: string): Promise<FileInfo> =>
 *   entries[path] === undefined
 *     ? Promise.reject(Object.assign(new Error("missing"), { code: "ENOENT" }))
 *     : Promise.resolve(entries[path]);
 * const fs: FileSystem = {
 *   stat,
 *   lstat: stat,
 *   realPath: async (path) => path,
 *   realStat: async (path) => ({ path, info: await stat(path) }),
 *   readDir: async () => [{ name: "hello.txt", isSymlink: false }],
 *   open: async (_path, range) => new Blob([text.slice(range.start, range.end + 1)]),
 * };
 * const handler = createFileHandler({ root: "/srv", fs });
 *
 * const response = await handler(new Request("http://localhost/hello.txt"));
 * assert.equal(response.status, 200);
 * assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
 * assert.equal(await response.text(), "hello");
 * ```
 *
 * @module
 */

export {
  CACHED_REPLY,
  type CachedReply,
  createFileHandler,
  type FileHandler,
  HANDLE_VIEW,
  type Handler,
  type HandleView,
  type Reply,
} from "./src/core/handler.ts";
export type { ContentCoding } from "./src/core/accept_encoding.ts";
export type { Compressor } from "./src/core/compression.ts";
export type { ArchiveEntry, Archiver } from "./src/core/archive.ts";
export type { FileCacheLimits } from "./src/core/file_cache.ts";
export type { CacheControlOptions, CacheRule } from "./src/core/cache_policy.ts";
export type { HeaderReader, RequestView } from "./src/core/request_view.ts";
export type {
  DotfilePolicy,
  EtagSource,
  FileHandlerOptions,
  SymlinkPolicy,
} from "./src/core/options.ts";
export type {
  ByteRange,
  DirEntry,
  FileBody,
  FileInfo,
  FileKind,
  FileSystem,
  OpenOptions,
  RealEntry,
} from "./src/core/fs.ts";
export { contentType } from "./src/core/media_types.ts";
export {
  type BasicAuthOptions,
  type BasicCredentials,
  withBasicAuth,
} from "./src/core/basic_auth.ts";
export { withCors } from "./src/core/cors.ts";
