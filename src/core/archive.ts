/**
 * Folder downloads: the port an archive format enters through (a zip
 * library, reached as the file system is), and the entries the core hands
 * it.
 *
 * @module
 */

import type { FileBody } from "./fs.ts";

/**
 * One entry of a folder download, in the order it goes into the archive:
 * each folder before what it holds.
 */
export interface ArchiveEntry {
  /**
   * The path inside the archive: names joined with `/`, with no leading or
   * trailing `/`.
   */
  name: string;
  /** A folder (written even when empty) or a regular file. */
  kind: "file" | "directory";
  /** Last modification in milliseconds since the epoch, or `null`. */
  mtimeMs: number | null;
  /**
   * The file's size when it was listed (0 for a folder). The bytes
   * {@linkcode ArchiveEntry.open} gives are what counts: a file written to
   * meanwhile may have another length.
   */
  size: number;
  /**
   * Opens the file's bytes (a folder gives an empty body), or resolves to
   * `null` when the file is gone or refused since it was listed: it is
   * then left out. The archiver must cancel the body once it stops
   * reading it early, so that no descriptor stays open.
   */
  open(): Promise<FileBody | null>;
}

/**
 * Writes entries as one archive stream: a zip library, reached as the file
 * system is, through a port (`zipArchiver()` from an adapter).
 */
export interface Archiver {
  /** The archives' media type, e.g. `"application/zip"`. */
  readonly mediaType: string;
  /**
   * The file name extension, e.g. `"zip"`: the download's name ends with
   * it, and `?download=EXTENSION` asks for it.
   */
  readonly extension: string;
  /**
   * Streams `entries` as an archive. The stream pulls an entry, and reads
   * a file, only as fast as it is read itself, so memory stays bounded
   * whatever the folder's size. Cancelling it cancels the file being read
   * and ends `entries`; no file is opened after that.
   *
   * @param entries The entries, walked lazily.
   * @returns The archive's bytes.
   */
  archive(entries: AsyncIterable<ArchiveEntry>): ReadableStream<Uint8Array>;
}

/**
 * A `Content-Disposition` that saves the download as `name` (RFC 6266):
 * an ASCII `filename` for old clients and the exact `filename*` in UTF-8
 * (RFC 8187).
 *
 * @param name The file name, any characters.
 * @returns The field value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachment } from "./archive.ts";
 *
 * assert.equal(
 *   attachment("café.zip"),
 *   `attachment; filename="caf_.zip"; filename*=UTF-8''caf%C3%A9.zip`,
 * );
 * ```
 */
export function attachment(name: string): string {
  // Quotes, backslashes and controls would end or bend the quoted-string.
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  // RFC 8187 attr-char: what encodeURIComponent leaves, less ' ( ) * !
  const exact = encodeURIComponent(name).replace(
    /['()*!]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
