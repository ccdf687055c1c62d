/**
 * The file-system port: the only way the core reaches files.
 *
 * Each runtime implements it in `src/fs/` over its own fastest file API, so
 * the core stays free of `Deno.`, `Bun.` and `node:`.
 *
 * @module
 */

/**
 * What kind of entry a path names. `"symlink"` comes only from
 * {@linkcode FileSystem.lstat}, which does not follow links.
 */
export type FileKind = "file" | "directory" | "symlink" | "other";

/** The metadata the core needs about one entry. */
export interface FileInfo {
  /**
   * `"other"` covers FIFOs, sockets and devices: the core never opens them,
   * since opening a FIFO can block until a writer appears.
   */
  kind: FileKind;
  /** Size in bytes (0 for anything that is not a regular file). */
  size: number;
  /** Last modification time in milliseconds since the epoch, or `null`. */
  mtimeMs: number | null;
  /**
   * Last status change (content, links, permissions, rename) in milliseconds
   * since the epoch, or `null`. Unlike `mtimeMs` it cannot be set by a
   * program, so it tells when a file was last touched in any way.
   */
  ctimeMs: number | null;
  /** The device holding the entry (0 when unknown). */
  dev: number;
  /** The entry's inode number (0 when unknown). */
  ino: number;
}

/** One entry of a directory, as read by {@linkcode FileSystem.readDir}. */
export interface DirEntry {
  /** The entry's name (not a path). */
  name: string;
  /** Whether the entry itself is a symbolic link (not followed). */
  isSymlink: boolean;
  /**
   * The entry's own metadata (a link not followed), when the port read it
   * through the very folder a `canonical` read proved: a listing then needs
   * no lookup of its own for the entry. Left out for links, and whenever
   * the port cannot read it that way.
   */
  info?: FileInfo;
}

/** Where a path leads: its canonical path and what is there. */
export interface RealEntry {
  /** The canonical path, with every symbolic link resolved. */
  path: string;
  /** The metadata of the entry at `path`. */
  info: FileInfo;
}

/** How {@linkcode FileSystem.open} must check what it opened. */
export interface OpenOptions {
  /**
   * The metadata the response's headers were built from. When the file
   * opened is not that version (another inode, size or time: it was
   * replaced or written to since), or changes while a range is read at once,
   * the port rejects with code `ESTALE` and the core looks again, so that a
   * body never mixes two versions or falls short of its `Content-Length`.
   */
  expected?: FileInfo;
  /**
   * The earliest time, in milliseconds since the epoch, at which bytes read
   * at once may be read: the core sets it for a file changed a moment ago,
   * whose bytes a write may still be copying under the times it already set
   * (see `QUIET_MS`). The port opens and checks the file at once, as
   * always, and reads it from that descriptor once the time has come, so
   * that a file renamed over meanwhile is still read whole. A stream is not
   * held back: a file written in place while it is streamed can mix
   * versions whatever the wait.
   */
  notBefore?: number;
  /**
   * `path` is canonical (as {@linkcode FileSystem.realStat} gave it): the
   * port must prove that the file it opened is the one at `path`, reached
   * through no symbolic link, or reject with `ESTALE`. A link swapped in
   * along the path after the core's check must never lead the open out of
   * the root.
   */
  canonical?: boolean;
}

/** An inclusive byte range, `start <= end`, both within the file. */
export interface ByteRange {
  /** First byte offset. */
  start: number;
  /** Last byte offset, inclusive. */
  end: number;
}

/**
 * A body the runtime can send well: a web stream, a lazily read Blob, or
 * the bytes themselves (for small ranges read at once).
 */
export type FileBody = ReadableStream<Uint8Array> | Blob | Uint8Array<ArrayBuffer>;

/**
 * The small port through which the core reads files.
 *
 * Paths are absolute, joined with `/`. Failures are thrown as errors whose
 * `code` is the POSIX name (`ENOENT`, `ENOTDIR`, `EACCES`, `EPERM`, `ELOOP`,
 * `ENAMETOOLONG`, …); the core maps those to 404 and 403 and anything else to
 * a 500.
 */
export interface FileSystem {
  /** Metadata of `path`, following symbolic links. */
  stat(path: string): Promise<FileInfo>;
  /** Metadata of `path` itself: a symbolic link is `kind: "symlink"`. */
  lstat(path: string): Promise<FileInfo>;
  /**
   * {@linkcode FileSystem.lstat}'s answer, given at once (throwing where it
   * would reject). Optional: a port whose lookups are synchronous underneath
   * offers it, with {@linkcode FileSystem.statSync}, so that a cached file
   * is checked and answered with no async step. Deno.serve and Bun.serve
   * send a `Response` returned at once sooner than one behind a promise.
   * A port that wraps another (`{ ...port, lstat }`) and changes `lstat`
   * must change or drop `lstatSync` and `statSync` too: the cache uses them
   * when they are there.
   */
  lstatSync?(path: string): FileInfo;
  /** {@linkcode FileSystem.stat}'s answer, given at once: optional, as `lstatSync`. */
  statSync?(path: string): FileInfo;
  /** The canonical path of `path`, with every symbolic link resolved. */
  realPath(path: string): Promise<string>;
  /**
   * The canonical path of `path` and the metadata of what is there, as one
   * observation: even while another process swaps links along the path,
   * the metadata is of the entry at the returned path (Linux ports read both
   * from one descriptor). Symbolic links are followed.
   */
  realStat(path: string): Promise<RealEntry>;
  /**
   * The entries of the directory at `path`. With `canonical`, as for
   * {@linkcode FileSystem.open}: the entries are of the directory at that
   * very path, reached through no link, or the port rejects with `ESTALE`.
   */
  readDir(path: string, options?: Pick<OpenOptions, "canonical">): Promise<DirEntry[]>;
  /**
   * Opens the bytes `range` of the regular file at `path` as a body.
   *
   * The implementation must never block on a FIFO or device, must close the
   * file handle when the body ends, is cancelled, or fails, and must not
   * read more than the range. `options` says what the file opened must be.
   */
  open(path: string, range: ByteRange, options?: OpenOptions): Promise<FileBody>;
  /**
   * The SHA-256 digest (32 bytes) of the whole regular file at `path`,
   * read incrementally, for `etag: "content"` (files over 64 KiB; smaller
   * ones are hashed from the bytes `open()` reads). `options` as for
   * {@linkcode FileSystem.open}; the port also checks the file again after
   * the last read and rejects with `ESTALE` when it changed meanwhile, so
   * that a digest never mixes two versions. Optional: a port without it
   * cannot serve `etag: "content"`, and under `"mtime"` a file with no
   * usable time then gets no entity tag.
   */
  hash?(path: string, options?: OpenOptions): Promise<Uint8Array>;
}
