/**
 * The response for one regular file: headers, preconditions, ranges, body.
 *
 * @module
 */

import type { FileBody, FileInfo, OpenOptions } from "./fs.ts";
import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import {
  evaluatePreconditions,
  formatHttpDate,
  makeEtag,
  rangeAllowed,
  type Validators,
} from "./conditional.ts";
import { contentRange, parseRange, unsatisfiedRange } from "./range.ts";
import { multipartByteranges } from "./multipart_byteranges.ts";
import { contentType } from "./media_types.ts";
import { addVary, errorResponse, reply, statusForFsError } from "./responses.ts";
import { quietDelay } from "./quiet_delay.ts";
import { compressedReply } from "./compressed_reply.ts";
import type { ContentCoding } from "./accept_encoding.ts";
import { type HtmlSnippet, snippetEtag, snippetReply } from "./html_snippet.ts";

/** A whole file read at once for a 200, with what its answers need. */
export interface WholeFile {
  /** The version read. */
  info: FileInfo;
  /** Its bytes. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Its validators. */
  validators: Validators;
  /** The 200's headers. */
  headers: Array<[string, string]>;
  /** A 304's headers. */
  notModifiedHeaders: Array<[string, string]>;
}

/**
 * Answers a GET or HEAD for the regular file at `path`, whose metadata is
 * `info`, in the order of RFC 9110 §13.2.2: preconditions, then Range.
 *
 * @param request The request (GET or HEAD).
 * @param file The file's absolute path and metadata, its path below the
 *   root (`relative`, for the cache policy's globs), and a callback told
 *   when a 200 carries the whole file as bytes (for the cache); for a
 *   precompressed sidecar, its coding and the original's path (which gives
 *   the media type); to compress on the fly, the coding and `compress`
 *   (never with a Range: the caller sends those unencoded); for an HTML
 *   file, the `snippet` to insert (never ranged or coded).
 * @param options The handler's options.
 * @returns 200, 206, 304, 412 or 416 (404/403 if the file vanished).
 */
export async function fileResponse(
  request: RequestView,
  file: {
    path: string;
    info: FileInfo;
    relative?: string;
    onWhole?: (whole: WholeFile) => void;
    coding?: ContentCoding;
    typePath?: string;
    compress?: (bytes: Uint8Array) => Promise<Uint8Array<ArrayBuffer>>;
    compressStream?: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
    snippet?: HtmlSnippet;
  },
  options: ResolvedOptions,
): Promise<Response> {
  const { path, info, coding } = file;
  const type = contentType(file.typePath ?? path);
  const cacheControl = cacheControlOf(file, type, options);
  const method = request.method;
  // Bytes made on the fly depend on the compressor's version, which can
  // differ between runtimes and replicas: their tag is weak (as nginx
  // makes it when it compresses), so it validates a cached copy (304) but
  // never a range (If-Range needs a strong one).
  const made = file.compress !== undefined || file.compressStream !== undefined;
  // Under "content" a sidecar's tag is its own bytes' hash, and bytes made
  // on the fly take the original's, with the coding added and made weak.
  const tagged = await fileEtag(path, info, options);
  if (tagged instanceof Response) return tagged;
  // A small file hashed just now was read whole to hash it: that read is
  // the body too (and what the small-file cache keeps).
  const { etag: base, bytes: read } = tagged;
  const plainEtag = base === null ? null : codedEtag(base, coding);
  const etag = file.snippet === undefined || plainEtag === null
    ? plainEtag
    : snippetEtag(plainEtag, file.snippet);
  const validators: Validators = {
    etag: made && etag !== null ? `W/${etag}` : etag,
    lastModified: usableTime(info) ? Math.floor(info.mtimeMs! / 1000) : null,
  };
  const outcome = evaluatePreconditions(method, request.headers, validators);
  if (outcome === 304) {
    return reply(null, 304, notModifiedHeaders(validators, options, cacheControl));
  }
  if (outcome === 412) return errorResponse(412, method);

  const headers = representationHeaders(type, validators, options, cacheControl);
  if (coding !== undefined) headers.set("content-encoding", coding);
  const size = info.size;
  // Bytes made on the fly are never ranged (the caller sends those only
  // when the file's own bytes are refused).
  const rangeHeader = made || file.snippet !== undefined ? null : request.headers.get("range");
  // HEAD mirrors GET, 206 included (RFC 9110 §9.3.2: the same header fields
  // as GET would send), so curl -I -r shows what a download would get.
  if (rangeHeader !== null && rangeAllowed(request.headers, validators)) {
    const result = parseRange(rangeHeader, size, { maxRanges: options.maxRanges });
    if (result.kind === "unsatisfiable") {
      return errorResponse(416, method, { "content-range": unsatisfiedRange(size) });
    }
    if (result.kind === "ranges" && result.ranges.length === 1) {
      const [range] = result.ranges;
      headers.set("content-range", contentRange(range, size));
      headers.set("content-length", String(range.end - range.start + 1));
      const body = method === "HEAD" ? null : await open(options, path, range, info);
      if (body instanceof Response) return body;
      return reply(body, 206, headers);
    }
    if (result.kind === "ranges") {
      // The first part is opened before the answer is committed, so that a
      // file changed or swapped since the lookup is looked up again (a later
      // part that meets such a change cuts the body instead).
      const first = method === "HEAD" ? null : await open(options, path, result.ranges[0], info);
      if (first instanceof Response) return first;
      const multipart = multipartByteranges(result.ranges, size, {
        contentType: type,
        openPart: (range) => options.fs.open(path, range, openOptions(info, options)),
        ...(first === null ? {} : { first }),
      });
      headers.set("content-type", multipart.contentType);
      headers.set("content-length", String(multipart.length));
      if (method === "HEAD") await multipart.body.cancel();
      const body = method === "HEAD" ? null : multipart.body;
      return reply(body, 206, headers);
    }
  }
  if (made || file.snippet !== undefined) {
    const readWhole = () =>
      read !== null
        ? Promise.resolve(read)
        : open(options, path, { start: 0, end: size - 1 }, info);
    const answer = {
      headers,
      validators,
      notModified: () => notModifiedHeaders(validators, options, cacheControl),
    };
    if (file.snippet !== undefined) {
      return await snippetReply(request, { ...file, snippet: file.snippet }, readWhole, answer);
    }
    return await compressedReply(request, file, readWhole, answer);
  }
  headers.set("content-length", String(size));
  // An empty file has no byte range to open; HEAD never reads the file.
  const body = method === "HEAD" || size === 0
    ? null
    : read ?? await open(options, path, { start: 0, end: size - 1 }, info);
  if (body instanceof Response) return body;
  const bytes = size === 0 ? new Uint8Array(0) : body instanceof Uint8Array ? body : null;
  if (file.onWhole !== undefined && method === "GET" && bytes !== null) {
    file.onWhole({
      info,
      bytes,
      validators,
      headers: [...headers],
      notModifiedHeaders: notModifiedHeaders(validators, options, cacheControl),
    });
  }
  return reply(body, 200, headers);
}

/**
 * Times at or before this (1 s after the epoch, in milliseconds) are no
 * times: reproducible builds give every file 0 or 1 (SOURCE_DATE_EPOCH,
 * Nix), so two versions of equal size would share `size-mtime`, and a
 * `Last-Modified` of 1970 would answer any `If-Modified-Since` with 304.
 */
export const NO_TIME_MS = 1000;

function usableTime(info: FileInfo): boolean {
  return info.mtimeMs !== null && info.mtimeMs > NO_TIME_MS;
}

// The strong tag of the file's bytes: from its size and time, or from its
// content when asked for, or when the time cannot tell versions apart. A
// port that cannot hash then gives no tag at all: size alone proves
// nothing, not even as a weak tag (two versions of one size would match
// If-None-Match, and the client would keep the old one).
async function fileEtag(
  path: string,
  info: FileInfo,
  options: ResolvedOptions,
): Promise<{ etag: string | null; bytes: Uint8Array<ArrayBuffer> | null } | Response> {
  if (options.etag === "mtime" && usableTime(info)) {
    return { etag: makeEtag(info.size, info.mtimeMs), bytes: null };
  }
  if (options.contentTags === null) return { etag: null, bytes: null };
  try {
    return await options.contentTags.tag(path, info, openOptions(info, options));
  } catch (error) {
    // Gone or unreadable since the lookup, as for open(); ESTALE goes up to
    // the handler, which looks again.
    const status = statusForFsError(error);
    if (status === null) throw error;
    return errorResponse(status, "GET");
  }
}

// The file may vanish or lose its permissions between stat and open; a file
// that changed in that time (ESTALE) is left to the handler, which looks
// again.
export async function open(
  options: ResolvedOptions,
  path: string,
  range: { start: number; end: number },
  info: FileInfo,
): Promise<FileBody | Response> {
  try {
    return await options.fs.open(path, range, openOptions(info, options));
  } catch (error) {
    const status = statusForFsError(error);
    if (status === null) throw error;
    return errorResponse(status, "GET");
  }
}

// Unless every link is followed anyway, `path` is the canonical path that
// locate() checked, and the port must prove that it opened that very file:
// a link swapped in since must not lead the read out of the root. A file
// changed a moment ago is read only once that change is quiet (QUIET_MS):
// its bytes may still be being copied under the times `info` already shows,
// and a change after that moves them, which the port's check catches.
function openOptions(info: FileInfo, options: ResolvedOptions): OpenOptions {
  const now = Date.now();
  const wait = quietDelay(info, now);
  const checks = { expected: info, canonical: options.symlinks !== "always" };
  return wait === 0 ? checks : { ...checks, notBefore: now + wait };
}

// The policy's value for this file; without `relative`, the path below the
// root is taken from the original's path (a caller that serves a fallback
// file), or its name when that is not under the root as configured.
function cacheControlOf(
  file: { path: string; relative?: string; typePath?: string },
  type: string,
  options: ResolvedOptions,
): string | null {
  if (options.cacheControl === null) return null;
  const path = file.typePath ?? file.path;
  const relative = file.relative ??
    (path.startsWith(options.root + "/")
      ? path.slice(options.root.length + 1)
      : path.slice(path.lastIndexOf("/") + 1));
  return options.cacheControl.decide(relative, type).value;
}

function representationHeaders(
  type: string,
  validators: Validators,
  options: ResolvedOptions,
  cacheControl: string | null,
): Headers {
  const headers = new Headers();
  headers.set("content-type", type);
  if (validators.lastModified !== null) {
    headers.set("last-modified", formatHttpDate(validators.lastModified));
  }
  if (validators.etag !== null) headers.set("etag", validators.etag);
  headers.set("accept-ranges", "bytes");
  headers.set("x-content-type-options", "nosniff");
  if (cacheControl !== null) headers.set("cache-control", cacheControl);
  for (const [name, value] of options.headers) headers.set(name, value);
  varyOnCoding(headers, options);
  return headers;
}

// Each coding's tag differs from the others' (RFC 9110 §8.8.3: a strong tag
// names one representation), even when a build gave the sidecars the same
// size and time as each other.
function codedEtag(etag: string, coding: ContentCoding | undefined): string {
  return coding === undefined ? etag : `${etag.slice(0, -1)}-${coding}"`;
}

/**
 * Adds `Vary: Accept-Encoding` when sidecars are served or answers
 * compressed: to every file
 * answer, 304s and the unencoded body included, since whether a path has
 * sidecars can change at any time and a shared cache must not hand one
 * client's coding to another.
 *
 * @param headers The answer's fields.
 * @param options The handler's options.
 */
export function varyOnCoding(headers: Headers, options: ResolvedOptions): void {
  if (options.precompressed.length > 0 || options.compress !== null) {
    addVary(headers, "accept-encoding");
  }
}

// RFC 9110 §15.4.5: a 304 carries the validators and the fields a cache
// would update (Cache-Control, Expires, Vary… from the user's headers), but
// no Content-Type or Content-Length of its own.
function notModifiedHeaders(
  validators: Validators,
  options: ResolvedOptions,
  cacheControl: string | null,
): Array<[string, string]> {
  const headers = new Headers();
  if (validators.etag !== null) headers.set("etag", validators.etag);
  if (validators.lastModified !== null) {
    headers.set("last-modified", formatHttpDate(validators.lastModified));
  }
  if (cacheControl !== null) headers.set("cache-control", cacheControl);
  for (const [name, value] of options.headers) headers.set(name, value);
  varyOnCoding(headers, options);
  return [...headers];
}
