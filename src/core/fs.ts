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
  /** The canonical path of `path`, with every symbolic link resolved. */
  realPath(path: string): Promise<string>;
  /** The entries of the directory at `path`. */
  readDir(path: string): Promise<DirEntry[]>;
  /**
   * Opens the bytes `range` of the regular file at `path` as a body.
   *
   * The implementation must never block on a FIFO or device, must close the
   * file handle when the body ends, is cancelled, or fails, and must not
   * read more than the range.
   *
   * `expected` is the metadata the response's headers were built from. When
   * the file opened is not that version (another inode, size or time: it was
   * replaced or written to since), or changes while a range is read at
   * once, the port rejects with code `ESTALE` and the core looks again, so
   * that a body never mixes two versions or falls short of its
   * `Content-Length`.
   */
  open(path: string, range: ByteRange, expected?: FileInfo): Promise<FileBody>;
}
