/**
 * The response for `GET /folder/?download=zip`: the folder and everything
 * under it that the handler would serve, as one archive streamed as it is
 * read.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import type { DirEntry, FileBody } from "./fs.ts";
import { type ArchiveEntry, attachment } from "./archive.ts";
import { locate, type Located } from "./locate.ts";
import { errorResponse, reply, statusForFsError } from "./responses.ts";
import { visible } from "./listing_response.ts";

/** Where the walk runs: the root's real path and the handler's options. */
interface Walk {
  root: string;
  options: ResolvedOptions;
}

/**
 * Streams the folder at `path` as an archive, with the same rules as
 * serving: hidden dotfiles, links out of the root (or any link, under
 * `symlinks: "never"`) and special files are left out. A HEAD answer
 * carries the same fields and touches no file.
 *
 * @param request The request (GET or HEAD).
 * @param path The folder's real path.
 * @param segments The folder's decoded URL segments below the root.
 * @param context The root's real path and the handler's options, with an archiver.
 * @returns A 200 response with no `Content-Length`, or an error response.
 */
export async function archiveResponse(
  request: RequestView,
  path: string,
  segments: readonly string[],
  context: Walk,
): Promise<Response> {
  const { options } = context;
  const archiver = options.archive!;
  const headers = new Headers();
  headers.set("content-type", archiver.mediaType);
  headers.set(
    "content-disposition",
    attachment(`${downloadName(segments, options)}.${archiver.extension}`),
  );
  // Built anew for each request from whatever the folder holds then: no
  // validators to revalidate with, nothing for a cache to keep.
  headers.set("cache-control", "no-store");
  headers.set("x-content-type-options", "nosniff");
  for (const [name, value] of options.headers) headers.set(name, value);
  if (request.method === "HEAD") return reply(null, 200, headers);
  // The folder itself is read before the 200 goes out, so that a folder
  // gone or unreadable since its lookup still gets its status.
  let listed: DirEntry[];
  try {
    listed = await readFolder(path, options);
  } catch (error) {
    const status = statusForFsError(error);
    if (status === null) throw error;
    return errorResponse(status, request.method);
  }
  // The folder and those above it: a link back up to any of them (inside
  // the root, so followed) would put the folder inside its own archive.
  const ancestors = new Set<string>();
  for (let depth = 0; depth <= segments.length; depth++) {
    const above = await locate(context.root, segments.slice(0, depth), options);
    if (typeof above !== "number") ancestors.add(identity(above));
  }
  const entries = walk(context, { segments, names: [], listed, ancestors });
  return reply(archiver.archive(entries), 200, headers);
}

// The folder's own name, or the URL root's, or "download" at the root: the
// server's folder name is not the client's business.
function downloadName(segments: readonly string[], options: ResolvedOptions): string {
  const last = segments.at(-1) ?? decodeURIComponent(options.urlRoot.split("/").at(-1) ?? "");
  return last === "" ? "download" : last;
}

function readFolder(path: string, options: ResolvedOptions): Promise<DirEntry[]> {
  return options.fs.readDir(path, { canonical: options.symlinks !== "always" });
}

/** A folder being walked. */
interface Folder {
  /** Its URL segments below the root. */
  segments: readonly string[];
  /** Its path inside the archive, as names. */
  names: readonly string[];
  /** Its entries. */
  listed: DirEntry[];
  /** The folders it is inside (and itself), by device and inode. */
  ancestors: ReadonlySet<string>;
}

// Depth first, names in code-point order (a stable archive for one tree);
// each entry is looked up just before it is yielded, so the walk is as
// fresh as the archive is fast, and holds one listing per level.
async function* walk(context: Walk, folder: Folder): AsyncGenerator<ArchiveEntry> {
  const { root, options } = context;
  const atRoot = folder.segments.length === 0;
  const names = folder.listed.map((entry) => entry.name)
    .filter((name) => visible(name, atRoot, options))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const segments = [...folder.segments, name];
    const found = await locate(root, segments, options);
    if (typeof found === "number" || found.info.kind === "other") continue;
    const inner = [...folder.names, name];
    const entry = { name: inner.join("/"), mtimeMs: found.info.mtimeMs };
    if (found.info.kind === "directory") {
      // A link to a folder above would make the walk endless.
      const id = identity(found);
      if (folder.ancestors.has(id)) continue;
      let listed: DirEntry[];
      try {
        listed = await readFolder(found.path, options);
      } catch (error) {
        // Gone, refused or swapped since its lookup: left out.
        if (statusForFsError(error) === null && !isStale(error)) throw error;
        continue;
      }
      yield {
        ...entry,
        kind: "directory",
        size: 0,
        open: () => Promise.resolve(new Uint8Array(0)),
      };
      const ancestors = new Set(folder.ancestors).add(id);
      yield* walk(context, { segments, names: inner, listed, ancestors });
    } else {
      const open = () => openFile(context, segments, found);
      yield { ...entry, kind: "file", size: found.info.size, open };
    }
  }
}

// The version listed, or the one there now when it changed since (one more
// lookup); `null` when it is gone, refused, or keeps changing.
async function openFile(
  context: Walk,
  segments: readonly string[],
  found: Located,
): Promise<FileBody | null> {
  const { root, options } = context;
  let current = found;
  for (let attempt = 0; attempt < 2; attempt++) {
    const { size } = current.info;
    if (size === 0) return new Uint8Array(0);
    try {
      return await options.fs.open(current.path, { start: 0, end: size - 1 }, {
        expected: current.info,
        canonical: options.symlinks !== "always",
      });
    } catch (error) {
      if (!isStale(error)) {
        if (statusForFsError(error) === null) throw error;
        return null;
      }
      const again = await locate(root, segments, options);
      if (typeof again === "number" || again.info.kind !== "file") return null;
      current = again;
    }
  }
  return null;
}

function isStale(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ESTALE";
}

function identity(found: Located): string {
  // Without inode numbers (0), the real path stands in.
  return found.info.ino === 0 ? found.path : `${found.info.dev}:${found.info.ino}`;
}
