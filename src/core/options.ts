/**
 * The options of {@linkcode createFileHandler}, validated once at
 * construction.
 *
 * @module
 */

import type { FileSystem } from "./fs.ts";
import type { FileCacheLimits } from "./file_cache.ts";
import type { CacheControlOptions, CachePolicy } from "./cache_policy.ts";
import type { ContentCoding } from "./accept_encoding.ts";
import type { Compressor } from "./compression.ts";
import { type HtmlSnippet, resolveHtmlSnippet } from "./html_snippet.ts";
import type { Archiver } from "./archive.ts";
import { ContentTags } from "./content_tags.ts";
import {
  fail,
  oneOf,
  relativeFile,
  resolveArchive,
  resolveCache,
  resolveCacheControl,
  resolveCompress,
  resolveEtag,
  resolveFs,
  resolveHeaders,
  resolveIndex,
  resolveMaxRanges,
  resolveOnError,
  resolvePrecompressed,
  resolveRoot,
  resolveUrlRoot,
} from "./option_checks.ts";

/** How dotfiles (names starting with `.`) are treated. */
export type DotfilePolicy = "ignore" | "deny" | "allow";

/** What a file's strong entity tag is made from. */
export type EtagSource = "mtime" | "content";

/** Which symbolic links are followed. */
export type SymlinkPolicy = "inside" | "always" | "never";

/** Options of {@linkcode createFileHandler}. */
export interface FileHandlerOptions {
  /** The folder to serve: an absolute path. */
  root: string;
  /** The runtime's file system, e.g. `denoFileSystem()` from `@seed/fileserver/fs/deno`. */
  fs: FileSystem;
  /**
   * A URL path prefix under which the root is served, such as `/static`.
   * Requests outside it get 404.
   * @default {""}
   */
  urlRoot?: string;
  /**
   * The files tried, in order, for a directory URL; `false` or `[]` for none.
   * @default {["index.html"]}
   */
  index?: readonly string[] | false;
  /**
   * Whether a directory without an index file is listed: an HTML page
   * (breadcrumbs, sort links `?sort=name|size|time&order=asc|desc`, a
   * filter box, a strict `Content-Security-Policy`), or JSON or plain text
   * when `Accept` weighs `application/json` or `text/plain` above HTML.
   * @default {false}
   */
  listing?: boolean;
  /**
   * Dotfiles: `"ignore"` answers 404, `"deny"` 403, `"allow"` serves them.
   * `/.well-known/` is always served.
   * @default {"ignore"}
   */
  dotfiles?: DotfilePolicy;
  /**
   * Symbolic links: `"inside"` follows a link only when its real path stays
   * under the root's real path, `"never"` follows none, `"always"` follows
   * every link (the root's own path may still be a link in every mode).
   * @default {"inside"}
   */
  symlinks?: SymlinkPolicy;
  /**
   * Extra headers on every file, listing and 304 response, such as
   * `Cache-Control`. Framing and validator headers are refused.
   * @default {{}}
   */
  // What `new Headers()` takes, i.e. HeadersInit, spelled without that name:
  // it is DOM lib only, and @types/node 24 does not declare it, so a Node
  // project's tsc failed on the published .d.ts (tests/npm_package.test.ts).
  headers?: ConstructorParameters<typeof Headers>[0];
  /**
   * The most ranges (after coalescing) one request may ask for; more are
   * answered with the whole file.
   * @default {10}
   */
  maxRanges?: number;
  /**
   * Files up to 64 KiB (what the ports read at once) are kept in memory with
   * their headers ready, within these limits, or `false` for no cache. The
   * cache is never stale: before each use one `lstat` per path component
   * checks that the file is still the version read (same inode, size, mtime
   * and ctime, reached through real directories). A file is cached only
   * once it has not changed for 2 s, and paths through symbolic links are
   * not cached (unless `symlinks` is `"always"`). Paths that name nothing
   * are kept too, as many as `maxFiles`: a 404 then costs one `lstat` of
   * the deepest folder on the path, which must still be the version the
   * name was missing from.
   * @default {{ maxBytes: 33554432, maxFiles: 4096 }}
   */
  cache?: FileCacheLimits | false;
  /**
   * Single-page app fallback: a navigation (GET or HEAD whose `Accept`
   * names `text/html`, for a path whose last segment has no extension and
   * no segment starts with `.`) that matches no file gets this file, a path
   * relative to the root, with 200 and `Cache-Control: no-cache`; `true`
   * for `"index.html"`. A missing asset (`/assets/x.js`) still gets 404.
   * When the shell itself is missing, the request gets 404.
   * @default {false}
   */
  spa?: boolean | string;
  /**
   * A page, relative to the root, sent with status 404 for a path that
   * names nothing, to a client that accepts `text/html` and does not
   * prefer `application/json`; others get the plain 404. When the page is
   * missing, the plain 404 is sent.
   * @default {undefined}
   */
  notFound?: string;
  /**
   * Clean URLs: `/about` serves `about.html` when there is no file
   * `about` (order: exact file, `.html`, folder index), and `/about.html`
   * redirects to `/about` with 301 (query kept).
   * @default {false}
   */
  cleanUrls?: boolean;
  /**
   * Which `Cache-Control` each file's 200, 206, HEAD and 304 answers carry:
   * `true` for the preset (fingerprinted names such as `index-BxT3k9Qa.js`
   * a year and `immutable`, everything else `no-cache`), or
   * `{ rules: [[glob, value], …], preset }` with rules tried first (first
   * match wins). Off by default, so that an app embedding the handler keeps
   * its own caching; the CLI turns the preset on. A `Cache-Control` in
   * `headers` as well is a `TypeError`: say it in one place.
   * @default {false}
   */
  cacheControl?: boolean | CacheControlOptions;
  /**
   * What a file's entity tag is made from. `"mtime"`: its size and
   * modification time, with no extra I/O. `"content"`: a SHA-256 of its
   * bytes (128 bits, base64url), computed once per file version (from the
   * first answer's read up to 64 KiB, through the port's `hash()` above)
   * and kept for the last 10,000 versions, so that replicas
   * holding the same bytes with different times (git clone, cp, rsync,
   * container builds) send the same tag. A first request for a new version
   * waits for its hash. Either way, a file whose time is unknown or at most
   * 1 s after the epoch (reproducible builds) gets the content tag, since
   * size and time would not tell its versions apart.
   * @default {"mtime"}
   */
  etag?: EtagSource;
  /**
   * Serve precompressed sidecars (`app.js.br`, `app.js.zst`, `app.js.gz`
   * beside `app.js`) to clients that accept the coding: `true` for all
   * three, or the codings to use in the server's order of preference. A
   * sidecar older than its file is never used; every file answer then
   * carries `Vary: Accept-Encoding`.
   * @default {false}
   */
  precompressed?: boolean | readonly ContentCoding[];
  /**
   * Compress on the fly what has no sidecar: text, JavaScript, JSON, SVG,
   * XML, wasm and the like from 1 KiB to 64 KiB, for clients that accept
   * one of the compressor's codings, once per file version (the compressed
   * bytes are kept in the small-file cache). Never images, archives or
   * woff2, nor an answer to a Range request. The compressor is the
   * runtime's zlib: `zlibCompressor()` from an adapter (`serve()` also
   * takes `true`).
   * @default {false}
   */
  compress?: Compressor | false;
  /**
   * Markup inserted into every HTML file answer (`text/html`, SPA shell and
   * 404 page included) before the last `</body>`, or at the end when there
   * is none: live reload's script tag. The inserted bytes are part of the
   * answer: `Content-Length` counts them, the entity tag differs from the
   * plain file's, such answers ignore `Range` (`Accept-Ranges: none`) and
   * are neither compressed nor taken from a sidecar. HTML files over
   * 16 MiB are sent as they are.
   * @default {undefined}
   */
  htmlSnippet?: string;
  /**
   * Folder download: a listed folder offers "Download as zip", and
   * `GET /folder/?download=zip` streams the folder, subfolders included,
   * as one archive (no temporary file, memory bounded whatever its size),
   * with the rules of serving: hidden dotfiles, links out of the root and
   * special files are left out. The archiver is a zip library:
   * `zipArchiver()` from an adapter (`serve()` also takes `true`). Needs
   * `listing: true`: the archive shows what the listing shows, and a
   * server that hides its folders' names must not hand them out in a zip.
   * @default {false}
   */
  archive?: Archiver | false;
  /**
   * Called with any unexpected error (the client then gets a bare 500).
   * Without it, the first error of each kind is printed as one line with
   * `console.error` (Deno without `--allow-read`, for one, shows that way),
   * and later ones of that kind are not.
   * @default {undefined}
   */
  onError?: (error: unknown, request: Request) => void;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  root: string;
  fs: FileSystem;
  urlRoot: string;
  index: readonly string[];
  listing: boolean;
  dotfiles: DotfilePolicy;
  symlinks: SymlinkPolicy;
  headers: ReadonlyArray<readonly [string, string]>;
  maxRanges: number;
  cache: Required<FileCacheLimits> | null;
  /** The shell's segments under the root, or `null` for no SPA fallback. */
  spa: readonly string[] | null;
  /** The 404 page's segments under the root, or `null`. */
  notFound: readonly string[] | null;
  cleanUrls: boolean;
  cacheControl: CachePolicy | null;
  /** What strong entity tags are made from. */
  etag: EtagSource;
  /** The content tags kept, or `null` when the port has no `hash()`. */
  contentTags: ContentTags | null;
  /** The sidecar codings to look for, best first; empty for none. */
  precompressed: readonly ContentCoding[];
  /** The compressor for compression on the fly, or `null` for none. */
  compress: Compressor | null;
  /** The snippet inserted into HTML answers, or `null`. */
  htmlSnippet: HtmlSnippet | null;
  /** The archiver for folder downloads, or `null` for none. */
  archive: Archiver | null;
  /** `onError`, or the default; `request` builds the Request when called. */
  onError: (error: unknown, request: () => Request) => void;
}

/**
 * Validates options and fills in defaults.
 *
 * @param options The user's options.
 * @returns The resolved options.
 * @throws {TypeError} for a missing or mistyped option.
 * @throws {RangeError} for a value out of range.
 *
 * @example Defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveOptions } from "./options.ts";
 * import type { FileSystem } from "./fs.ts";
 *
 * const unused = () => Promise.reject(new Error("not called"));
 * const fs = {
 *   stat: unused, lstat: unused, realPath: unused, realStat: unused, readDir: unused, open: unused,
 * } as unknown as FileSystem;
 * const resolved = resolveOptions({ root: "/srv/www/", fs });
 * assert.equal(resolved.root, "/srv/www");
 * assert.deepEqual(resolved.index, ["index.html"]);
 * assert.throws(() => resolveOptions({ root: "www", fs }), TypeError);
 * ```
 */
export function resolveOptions(options: FileHandlerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot create file handler: options must be an object");
  }
  const dotfiles = oneOf<DotfilePolicy>("dotfiles", options.dotfiles ?? "ignore", [
    "ignore",
    "deny",
    "allow",
  ]);
  const spa = options.spa ?? false;
  if (typeof spa !== "boolean" && typeof spa !== "string") {
    fail("spa", "must be a boolean or a file name");
  }
  const fs = resolveFs(options.fs);
  return {
    root: resolveRoot(options.root),
    fs,
    urlRoot: resolveUrlRoot(options.urlRoot ?? ""),
    index: resolveIndex(options.index ?? ["index.html"]),
    listing: oneOf("listing", options.listing ?? false, [true, false]),
    dotfiles,
    symlinks: oneOf("symlinks", options.symlinks ?? "inside", [
      "inside",
      "always",
      "never",
    ]),
    headers: resolveHeaders(options.headers ?? {}),
    maxRanges: resolveMaxRanges(options.maxRanges ?? 10),
    cache: resolveCache(options.cache ?? {}),
    spa: spa === false ? null : relativeFile("spa", spa === true ? "index.html" : spa, dotfiles),
    notFound: options.notFound === undefined
      ? null
      : relativeFile("notFound", options.notFound, dotfiles),
    cleanUrls: oneOf("cleanUrls", options.cleanUrls ?? false, [true, false]),
    cacheControl: resolveCacheControl(options.cacheControl ?? false, options.headers),
    etag: resolveEtag(options.etag ?? "mtime", fs),
    contentTags: typeof fs.hash === "function" ? new ContentTags(fs) : null,
    precompressed: resolvePrecompressed(options.precompressed ?? false),
    compress: resolveCompress(options.compress ?? false),
    htmlSnippet: resolveHtmlSnippet(options.htmlSnippet),
    archive: resolveArchive(options.archive ?? false, options.listing ?? false),
    onError: resolveOnError(options.onError),
  };
}
