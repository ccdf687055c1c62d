/**
 * The parts of the file-system port that the three runtimes share, through
 * `node:fs`, which each implements natively: metadata, the checked lookup
 * and open that keep swapped-in links from leading out of the root
 * (SECURITY.md), and bodies read from a descriptor.
 *
 * Metadata calls and opens are synchronous on purpose: on the machines we
 * measure, an async `stat` or `realpath` costs 40–70 µs of thread-pool
 * round trip against 2–6 µs for the same call made synchronously
 * (bench/README.md), and a request makes several. They touch only inode
 * metadata, which the kernel answers from its caches.
 *
 * @module
 */

import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  promises as fsp,
  read,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { arch, platform } from "node:process";
import { setImmediate } from "node:timers";
import type {
  ByteRange,
  DirEntry,
  FileInfo,
  FileSystem,
  OpenOptions,
  RealEntry,
} from "../core/fs.ts";
import { markCuttable } from "./cuttable_body.ts";

/** Ranges up to this size are read at once into memory instead of streamed. */
export const SMALL_READ = 64 * 1024;

/**
 * A synchronous lookup as the port's promise-returning one: the port's
 * lookups are synchronous underneath, on purpose (an async `stat` costs
 * many times a synchronous one here), and offered both ways.
 */
export function promised<T>(now: (path: string) => T): (path: string) => Promise<T> {
  return (path) => {
    try {
      return Promise.resolve(now(path));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** Metadata of `path`, following symbolic links: the port's `statSync`. */
export function statNow(path: string): FileInfo {
  return toFileInfo(statSync(path));
}

/** Metadata of `path` itself, not following a final link: the port's `lstatSync`. */
export function lstatNow(path: string): FileInfo {
  return toFileInfo(lstatSync(path));
}

// Entries lstat'ed in one go by readDir() before it lets other work run.
const LSTAT_SLICE = 512;

/** Converts `node:fs` stats into the port's shape. */
export function toFileInfo(stats: Stats): FileInfo {
  const kind = stats.isFile()
    ? "file"
    : stats.isDirectory()
    ? "directory"
    : stats.isSymbolicLink()
    ? "symlink"
    : "other";
  return {
    kind,
    size: kind === "file" ? stats.size : 0,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    dev: stats.dev,
    ino: stats.ino,
  };
}

/**
 * Rejects an open file that is not the version `expected` describes (see
 * `FileSystem.open`): another inode, size or time means it was replaced or
 * written to after the core built its headers.
 */
export function checkVersion(stats: Stats, expected: FileInfo | undefined): void {
  if (!stats.isFile()) throw fsError("ENOENT", "not a regular file");
  if (expected !== undefined && !sameVersion(toFileInfo(stats), expected)) {
    throw fsError("ESTALE", "file changed since it was looked up");
  }
}

/** Whether two metadata records describe the same version of one file. */
export function sameVersion(a: FileInfo, b: FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs;
}

/** The canonical path of `path`. */
export function realPath(path: string): Promise<string> {
  try {
    // A missing path is the common failure (every 404), and a thrown error
    // is its dearest part: realpath's ENOENT costs 3 µs on Bun and 12 µs on
    // Node 24, a non-throwing lstat 1–2 µs.
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return Promise.reject(NOT_FOUND);
    return Promise.resolve(realpathSync.native(path));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The canonical path of `path` and the metadata of what is there, read from
 * one descriptor (see {@linkcode placeOf}), so that the two describe the
 * same entry even while links along the path are swapped.
 */
export function realStat(path: string): Promise<RealEntry> {
  try {
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return Promise.reject(NOT_FOUND);
    if (O_PATH !== 0 && proc !== false) {
      // O_PATH: nothing is opened for reading, so a FIFO or a device found
      // here is only looked at.
      const fd = openSync(path, O_PATH);
      try {
        const place = placeOf(fd);
        if (place !== null) {
          const stats = fstatSync(fd);
          // Unlinked since the open (the link then reads "… (deleted)"):
          // usually a file renamed over by a new version, which the core
          // looks up again.
          if (stats.nlink === 0 || unlinkedPlace(place, stats)) {
            return Promise.reject(fsError("ESTALE", "the entry was replaced while looked up"));
          }
          return Promise.resolve({ path: place, info: toFileInfo(stats) });
        }
      } finally {
        closeSync(fd);
      }
    }
    // Without /proc: the real path, then what is there, not following a
    // link swapped in at its end (kind "symlink" is never served), between
    // two checks that every folder on the way is a real folder: a link
    // swapped in along the path would have to come and go twice within
    // microseconds to go unseen (SECURITY.md).
    const real = realpathSync.native(path);
    const folders = realFolders(real);
    const stats = lstatSync(real);
    if (realFolders(real) !== folders) throw fsError("ESTALE", "a folder on the path changed");
    return Promise.resolve({ path: real, info: toFileInfo(stats) });
  } catch (error) {
    return Promise.reject(error);
  }
}

// O_PATH (Linux 2.6.39+): a descriptor that names an entry without opening
// it for reading. 0o10000000 on x86 and Arm, other values elsewhere.
const O_PATH = platform === "linux" &&
    ["x64", "arm64", "arm", "ia32", "riscv64", "ppc64", "s390x", "loong64"].includes(arch)
  ? 0o10000000
  : 0;

// Whether /proc/self/fd/N can be read: unknown until first tried, then
// settled for the process. Deno 2.9 refuses it without --allow-all.
let proc: boolean | undefined = platform === "linux" ? undefined : false;

/**
 * The path the kernel holds for an open descriptor (`/proc/self/fd/N` on
 * Linux): where the file opened really is, whatever links led to it. `null`
 * where that cannot be read, and the callers fall back to `lstat` checks.
 */
export function placeOf(fd: number): string | null {
  if (proc === false) return null;
  try {
    const place = readlinkSync(`/proc/self/fd/${fd}`);
    proc = true;
    return place;
  } catch (error) {
    if (proc === true) throw error;
    proc = false;
    return null;
  }
}

/**
 * Whether descriptors' places can be read on this process: `true` on Linux
 * with /proc (and, on Deno, `--allow-all`), so that `open()` of a canonical
 * path is proven by the kernel; `false` where only `lstat` checks are left.
 *
 * @returns Whether the kernel's proof is used.
 */
export function provesPlaces(): boolean {
  if (proc === undefined && O_PATH !== 0) {
    try {
      const fd = openSync("/", O_PATH);
      try {
        placeOf(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      proc = false;
    }
  }
  return proc === true;
}

/** Forces the check used by {@linkcode checkPlace}: for tests of the fallback. */
export function useProcForPlaces(use: boolean | undefined): void {
  proc = use === true ? undefined : use;
}

/**
 * Opens the regular file at `path` for reading and checks it against
 * `options` (see `FileSystem.open`): the version expected and, for a
 * canonical path, that the descriptor is the file at that very path,
 * reached through no link.
 *
 * @returns The descriptor and its stats; the caller closes it.
 */
export function openChecked(
  path: string,
  options: OpenOptions = {},
): { fd: number; stats: Stats } {
  if (options.canonical && O_PATH !== 0 && provesPlaces()) return openPinned(path, options);
  let fd: number;
  let folders: string;
  try {
    // Without /proc, the folders are checked before the open as well as
    // after it (checkPlace).
    folders = options.canonical && !provesPlaces() ? realFolders(path) : "";
    fd = openSync(path, openFlags(options));
  } catch (error) {
    return staleOnLink(options)(error);
  }
  try {
    const stats = fstatSync(fd);
    checkVersion(stats, options.expected);
    if (options.canonical) checkPlace(fd, path, stats, folders);
    return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

// With /proc: the path is first only named (O_PATH), and proven to be a
// regular file of the expected version at that very place; then that
// inode, and nothing a link swapped in meanwhile could lead to, is opened
// for reading through its descriptor. A FIFO or device outside the root
// is never opened for reading, whatever the swaps (opening one can release
// a writer or, for a device, act on it).
function openPinned(path: string, options: OpenOptions): { fd: number; stats: Stats } {
  let pin: number;
  try {
    pin = openSync(path, O_PATH | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return staleOnLink(options)(error);
  }
  try {
    const stats = fstatSync(pin);
    // O_PATH | O_NOFOLLOW names a link itself, where O_RDONLY would fail
    // with ELOOP: swapped in since the lookup.
    if (stats.isSymbolicLink()) throw fsError("ESTALE", "a link was swapped in since the lookup");
    checkVersion(stats, options.expected);
    checkPlace(pin, path, stats);
    const fd = openSync(`/proc/self/fd/${pin}`, constants.O_RDONLY | constants.O_NONBLOCK);
    return { fd, stats };
  } finally {
    closeSync(pin);
  }
}

// The place of a descriptor whose entry was unlinked reads "PATH (deleted)";
// a file really named so is still there, under that name, as that inode.
function unlinkedPlace(place: string, stats: Stats): boolean {
  if (!place.endsWith(" (deleted)")) return false;
  const there = lstatSync(place, { throwIfNoEntry: false });
  return there === undefined || there.ino !== stats.ino || there.dev !== stats.dev;
}

/**
 * The flags to open a file for reading under `options`. O_NONBLOCK: if a
 * FIFO was swapped in after stat, open() returns at once instead of waiting
 * for a writer, and fstat then refuses it. O_NOFOLLOW for a canonical
 * path, whose last component cannot be a link.
 */
export function openFlags(options: OpenOptions): number {
  return constants.O_RDONLY | constants.O_NONBLOCK |
    (options.canonical ? constants.O_NOFOLLOW ?? 0 : 0);
}

/**
 * Rethrows an open's error, as `ESTALE` when O_NOFOLLOW met a link where
 * the canonical path had a file: swapped since the lookup, which the core
 * answers by looking again.
 */
export function staleOnLink(options: OpenOptions): (error: unknown) => never {
  return (error) => {
    if (options.canonical && (error as { code?: unknown } | null)?.code === "ELOOP") {
      throw fsError("ESTALE", "a link was swapped in since the lookup");
    }
    throw error;
  };
}

/**
 * Proves that the open descriptor `fd` is the file at the canonical `path`
 * now, reached through no symbolic link; rejects with `ESTALE` otherwise.
 * With /proc the kernel's own path of the descriptor is compared, which no
 * swap can fool. Without it, each folder on the way must be a real folder
 * and the name must hold the very inode opened, checked after the open:
 * a link swapped in and out again between two of those calls can still
 * go unseen (SECURITY.md).
 */
export function checkPlace(fd: number, path: string, stats: Stats, folders = ""): void {
  const place = placeOf(fd);
  if (place !== null) {
    if (place !== path) throw fsError("ESTALE", "the file opened is not at the path checked");
    return;
  }
  const after = realFolders(path);
  if (folders !== "" && after !== folders) throw fsError("ESTALE", "a folder on the path changed");
  const now = lstatSync(path);
  if (!now.isFile() || now.ino !== stats.ino || now.dev !== stats.dev) {
    throw fsError("ESTALE", "the file opened is not at the path checked");
  }
}

/**
 * Rejects with `ESTALE` unless every folder on `path` is a real folder, not
 * a link; returns their identities and change times, so that two calls can
 * tell whether any entry of any of them was renamed, added or removed in
 * between (each such change moves the folder's ctime).
 */
function realFolders(path: string): string {
  let state = "";
  for (let end = path.indexOf("/", 1); end !== -1; end = path.indexOf("/", end + 1)) {
    const folder = lstatSync(path.slice(0, end));
    if (!folder.isDirectory()) {
      throw fsError("ESTALE", "a folder on the path is no longer a real folder");
    }
    // Both times: Deno 2.9's node:fs gives ctime in whole seconds only.
    state += `${folder.ino}:${folder.mtimeMs}:${folder.ctimeMs};`;
  }
  return state;
}

// Shared: the core reads only its code, and a 404 is never reported.
const NOT_FOUND = Object.freeze(fsError("ENOENT", "no such file or directory"));

/** The entries of a directory. */
export async function readDir(path: string, options: OpenOptions = {}): Promise<DirEntry[]> {
  if (!options.canonical) return await listEntries(path);
  if (O_PATH === 0 || !provesPlaces()) {
    // Without /proc: the folders, this one included, unchanged around the
    // read (see realFolders()).
    const before = realFolders(path + "/");
    const entries = await listEntries(path);
    if (realFolders(path + "/") !== before) throw fsError("ESTALE", "a folder on the path changed");
    return entries;
  }
  // The folder is named, proven to be the one at `path`, and read through
  // its descriptor: a link swapped in for it lists nothing outside.
  let pin: number;
  try {
    pin = openSync(path, O_PATH | (constants.O_NOFOLLOW ?? 0) | (constants.O_DIRECTORY ?? 0));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ENOTDIR" || code === "ELOOP") {
      throw fsError("ESTALE", "the folder was replaced since the lookup");
    }
    throw error;
  }
  try {
    if (placeOf(pin) !== path) {
      throw fsError("ESTALE", "the folder opened is not at the path checked");
    }
    const folder = `/proc/self/fd/${pin}`;
    const entries = await listEntries(folder);
    // Each entry's own metadata, read through the pinned folder (one lstat,
    // where the listing's own lookup takes five system calls): what is
    // there now, in the folder proven, never behind a link. An entry that
    // became a link or went away is left for the core to look up.
    // Synchronous, as the port's other lookups, but in slices: a folder of
    // 100,000 entries never holds the event loop for more than one slice.
    for (let i = 0; i < entries.length; i++) {
      if (i > 0 && i % LSTAT_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const entry = entries[i];
      if (entry.isSymlink) continue;
      const stats = lstatSync(`${folder}/${entry.name}`, { throwIfNoEntry: false });
      if (stats !== undefined && !stats.isSymbolicLink()) entry.info = toFileInfo(stats);
    }
    return entries;
  } finally {
    closeSync(pin);
  }
}

async function listEntries(path: string): Promise<DirEntry[]> {
  const entries = await fsp.readdir(path, { withFileTypes: true });
  return entries.map((entry) => ({ name: entry.name, isSymlink: entry.isSymbolicLink() }));
}

/**
 * Reads a small range at once from the file {@linkcode openChecked} opens,
 * once `options.notBefore` has come (see `OpenOptions.notBefore`: a write
 * may still be copying the bytes of a file changed a moment ago). The file
 * is checked again after the read, so that a write begun since the lookup,
 * which moves the times, is looked up again.
 */
export function readSmallRange(
  path: string,
  range: ByteRange,
  options: OpenOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  let opened: { fd: number; stats: Stats };
  try {
    opened = openChecked(path, options);
  } catch (error) {
    return Promise.reject(error);
  }
  const { notBefore } = options;
  if (notBefore === undefined || Date.now() >= notBefore) return readOpened(opened, range, options);
  return clockAt(notBefore).then(() => readOpened(opened, range, options));
}

// Reads and closes the file opened.
function readOpened(
  { fd, stats }: { fd: number; stats: Stats },
  range: ByteRange,
  options: OpenOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const bytes = readAll(fd, range);
    const after = fstatSync(fd);
    // Unlinked while it waited for notBefore (renamed over, as editors
    // save, or deleted): that moves its ctime, not its bytes, and the bytes
    // are the version that was there when the request came. A write moves
    // mtime as well.
    const expected = options.expected ?? toFileInfo(stats);
    checkVersion(after, after.nlink === 0 ? { ...expected, ctimeMs: after.ctimeMs } : expected);
    return Promise.resolve(bytes);
  } catch (error) {
    return Promise.reject(error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves once Date.now() reaches `time`: timers count whole milliseconds
 * from a clock read before they were set, and may fire up to one early.
 */
export async function clockAt(time: number): Promise<void> {
  for (let left = time - Date.now(); left > 0; left = time - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

function readAll(fd: number, range: ByteRange): Uint8Array<ArrayBuffer> {
  const length = range.end - range.start + 1;
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, range.start + done);
    // Truncated since the fstat: nothing is sent yet, so the core can look
    // again and answer with the file as it is now.
    if (read === 0) throw fsError("ESTALE", "file shrank while being read");
    done += read;
  }
  return bytes;
}

/** An open file that a body reads from: positioned reads, and a close. */
export interface ChunkSource {
  /** Reads into `buffer` from `position`; resolves with the bytes read (0 at the end). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Closes the file. */
  close(): Promise<void> | void;
}

/**
 * The bytes `range` of an open file as a stream of reads of `chunkSize`,
 * pulled one at a time. The file is closed at the end, on cancel and on
 * failure; a file that shrinks fails the body (`EIO`) rather than end it
 * short of the Content-Length already sent, and reads never go past the
 * range, so a file that grows sends no more than it. `take()` hands the
 * open file to a caller that sends it another way (the adapters' side
 * doors), as long as nothing was read yet: then the stream no longer closes
 * it. The body is registered as {@linkcode markCuttable}, so that an
 * adapter can end it at the close of a grace period without wrapping it,
 * and let go of each chunk once the next is asked for.
 *
 * @returns The body, and `take()`, which tells whether ownership moved.
 */
export function chunkedBody(
  file: ChunkSource,
  range: ByteRange,
  chunkSize: number,
): { body: ReadableStream<Uint8Array>; take(): boolean } {
  let position = range.start;
  const end = range.end + 1;
  let closing: Promise<void> | null = null;
  let started = false;
  const ended = Promise.withResolvers<void>();
  const close = () =>
    closing ??= (async () => {
      try {
        await file.close();
      } catch {
        // Already closed.
      }
      ended.resolve();
    })();
  let stream: ReadableStreamDefaultController<Uint8Array> | null = null;
  let detaching = false;
  let previous: Uint8Array<ArrayBuffer> | null = null;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = controller;
    },
    async pull(controller) {
      started = true;
      // The reader asked for this chunk, so it has taken the last one.
      if (previous !== null && !previous.buffer.detached) previous.buffer.transfer(0);
      previous = null;
      try {
        const buffer = new Uint8Array(Math.min(chunkSize, end - position));
        if (detaching) previous = buffer;
        const count = await file.read(buffer, position);
        // Cancelled or cut while reading: the stream is over already.
        if (closing !== null) return;
        if (count === 0) throw fsError("EIO", "file shrank while being read");
        position += count;
        controller.enqueue(count === buffer.byteLength ? buffer : buffer.subarray(0, count));
        if (position >= end) {
          await close();
          controller.close();
        }
      } catch (error) {
        await close();
        controller.error(error);
      }
    },
    cancel: close,
  }, { highWaterMark: 0 });
  markCuttable(body, {
    cut(error) {
      if (closing !== null) return;
      close();
      stream?.error(error);
    },
    detachSent() {
      detaching = true;
    },
    ended: ended.promise,
  });
  const take = () => {
    if (started || closing !== null) return false;
    closing = Promise.resolve();
    ended.resolve();
    return true;
  };
  return { body, take };
}

/**
 * Reads into `buffer` from `position` of the open descriptor `fd`, off the
 * main thread.
 *
 * @returns The bytes read (0 at the end of the file).
 */
export function readAt(fd: number, buffer: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.byteLength, position, (error, bytesRead) => {
      if (error) reject(error);
      else resolve(bytesRead);
    });
  });
}

/** An open, checked file range that an adapter may send another way. */
export interface DescriptorSource {
  /** The descriptor; whoever takes the source must close it. */
  fd: number;
  /** First byte offset. */
  start: number;
  /** Last byte offset, inclusive. */
  end: number;
  /** The whole file's size when it was opened. */
  size: number;
}

const sources = new WeakMap<ReadableStream<Uint8Array>, () => DescriptorSource | null>();

/**
 * The bytes `range` of the open descriptor `fd` (of a file of `size`
 * bytes) as a {@linkcode chunkedBody}, which closes it; an adapter may take
 * the descriptor instead with {@linkcode takeDescriptor}.
 */
export function descriptorBody(
  fd: number,
  range: ByteRange,
  size: number,
  chunkSize: number,
): ReadableStream<Uint8Array> {
  const { body, take } = chunkedBody(
    {
      read: (buffer, position) => readAt(fd, buffer, position),
      close: () => closeSync(fd),
    },
    range,
    chunkSize,
  );
  sources.set(body, () => take() ? { fd, start: range.start, end: range.end, size } : null);
  return body;
}

/**
 * Opens the bytes `range` of the file at `path` under `options` (see
 * `FileSystem.open`): read at once when small, else a
 * {@linkcode descriptorBody} of reads of `chunkSize`.
 */
export function openRange(
  path: string,
  range: ByteRange,
  options: OpenOptions,
  chunkSize: number,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  if (range.end - range.start < SMALL_READ) return readSmallRange(path, range, options);
  try {
    const { fd, stats } = openChecked(path, options);
    return Promise.resolve(descriptorBody(fd, range, stats.size, chunkSize));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Takes the open file behind a body made by {@linkcode descriptorBody}, so
 * that an adapter can send it without a web stream (Node: straight to the
 * socket; Bun: as a file Blob, with sendfile). The body must not be read
 * afterwards: the caller owns (and must close) the descriptor.
 *
 * @param body A response body.
 * @returns The file range, or `null` for any other body, or one already read.
 */
export function takeDescriptor(body: ReadableStream<Uint8Array> | null): DescriptorSource | null {
  if (body === null) return null;
  const take = sources.get(body);
  sources.delete(body);
  return take === undefined ? null : take();
}

/** An error shaped like the ones `node:fs` throws, for the core to classify. */
export function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * The port's lookups over `node:fs`, the same on Node and Bun: metadata,
 * at once and as promises, real paths and folder entries.
 */
export const NODE_LOOKUPS: Pick<
  FileSystem,
  "stat" | "lstat" | "statSync" | "lstatSync" | "realPath" | "realStat" | "readDir"
> = {
  stat: promised(statNow),
  lstat: promised(lstatNow),
  statSync: statNow,
  lstatSync: lstatNow,
  realPath,
  realStat,
  readDir,
};
