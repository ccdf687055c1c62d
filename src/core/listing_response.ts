/**
 * The response for a directory without an index file, when listing is on.
 *
 * @module
 */

import type { ResolvedOptions } from "./options.ts";
import type { RequestView } from "./request_view.ts";
import { locate } from "./locate.ts";
import { errorResponse, reply, statusForFsError } from "./responses.ts";
import type { DirEntry } from "./fs.ts";
import { type ListingEntry, listingFormat, renderJsonListing } from "./listing.ts";
import { renderHtmlListing } from "./listing_html.ts";
import { renderTextListing } from "./listing_text.ts";
import { listingCsp } from "./listing_page.ts";
import { insertSnippet } from "./html_snippet.ts";
import { parseListingSort, sortEntries } from "./listing_sort.ts";

const CONTENT_TYPES = {
  html: "text/html; charset=utf-8",
  json: "application/json; charset=utf-8",
  text: "text/plain; charset=utf-8",
} as const;

// Stats run in batches so that a huge folder does not open thousands of
// file-system requests at once.
const BATCH = 64;

/**
 * Lists the directory at `path` as HTML, or as JSON or plain text when the
 * client prefers them, in the order the query asks for
 * (`?sort=name|size|time&order=asc|desc`).
 * Entries the handler would refuse (dotfiles under the policy, links out of
 * the root, FIFOs and other special files) are left out.
 *
 * @param request The request (GET or HEAD).
 * @param path The directory's real path.
 * @param segments The directory's decoded URL segments below the root.
 * @param context The root's real path, the request's query and the handler's options.
 * @returns A 200 response.
 */
export async function listingResponse(
  request: RequestView,
  path: string,
  segments: readonly string[],
  context: { root: string; search: string; options: ResolvedOptions },
): Promise<Response> {
  const { root, options } = context;
  let listed: DirEntry[];
  try {
    listed = await options.fs.readDir(path, { canonical: options.symlinks !== "always" });
  } catch (error) {
    // Gone or closed since the lookup; ESTALE goes back to the handler,
    // which looks again.
    const status = statusForFsError(error);
    if (status === null) throw error;
    return errorResponse(status, request.method);
  }
  const shown = listed.filter((entry) => visible(entry.name, segments.length === 0, options));
  const entries: ListingEntry[] = [];
  for (let i = 0; i < shown.length; i += BATCH) {
    const batch = shown.slice(i, i + BATCH).map(async ({ name, isSymlink, info: own }) => {
      // The port's own reading, through the folder it proved, when it gave
      // one (never for a link); else the entry's own checked lookup.
      let info = own;
      if (info === undefined) {
        const found = await locate(root, [...segments, name], options);
        if (typeof found === "number") return null;
        info = found.info;
      }
      if (info.kind !== "file" && info.kind !== "directory") return null;
      const directory = info.kind === "directory";
      return {
        name,
        directory,
        size: directory ? 0 : info.size,
        mtimeMs: info.mtimeMs,
        symlink: isSymlink,
      };
    });
    for (const entry of await Promise.all(batch)) if (entry !== null) entries.push(entry);
  }
  const sort = parseListingSort(context.search);
  const sorted = sortEntries(entries, sort);
  const base = decodedUrlRoot(options.urlRoot);
  const urlPath = base + "/" + segments.map((s) => s + "/").join("");
  const format = listingFormat(request.headers.get("accept"));
  const body = format === "json"
    ? renderJsonListing(urlPath, sorted)
    : format === "text"
    ? renderTextListing(urlPath, sorted)
    : renderHtmlListing(urlPath, sorted, {
      parent: segments.length > 0,
      base,
      sort,
      archive: options.archive !== null,
    });
  // Live reload's script tag, as in every HTML page the handler sends.
  const snippet = format === "html" ? options.htmlSnippet : null;
  const encoded = new TextEncoder().encode(body);
  const bytes = snippet === null ? encoded : insertSnippet(encoded, snippet.bytes);
  const headers = new Headers();
  headers.set("content-type", CONTENT_TYPES[format]);
  headers.set("content-length", String(bytes.byteLength));
  // Only Accept picks the form (never User-Agent: see listingFormat()).
  headers.set("vary", "Accept");
  headers.set("x-content-type-options", "nosniff");
  if (format === "html") {
    headers.set("content-security-policy", await listingCsp(snippet !== null));
  }
  // A listing changes whenever the folder does: revalidated, never kept.
  const cacheControl = options.cacheControl?.listing ?? null;
  if (cacheControl !== null) headers.set("cache-control", cacheControl);
  for (const [name, value] of options.headers) headers.set(name, value);
  return reply(request.method === "HEAD" ? null : bytes, 200, headers);
}

/**
 * Whether a folder's entry may be shown (or archived): not a dotfile the
 * policy hides, nor a name with a backslash.
 */
export function visible(name: string, atRoot: boolean, options: ResolvedOptions): boolean {
  // A name the path rules refuse (resolvePath(): a backslash is a
  // separator to some file systems and proxies) would be a link to a 400.
  if (name.includes("\\")) return false;
  if (options.dotfiles === "allow" || !name.startsWith(".")) return true;
  return atRoot && name === ".well-known";
}

function decodedUrlRoot(urlRoot: string): string {
  return urlRoot.split("/").map((s) => decodeURIComponent(s)).join("/");
}
