/**
 * The body of an answer compressed on the fly: a small file compressed
 * whole (and handed to the cache), or a large one compressed as it is sent.
 *
 * @module
 */

import type { FileBody, FileInfo } from "./fs.ts";
import type { Validators } from "./conditional.ts";
import type { RequestView } from "./request_view.ts";
import type { WholeFile } from "./file_response.ts";
import { reply } from "./responses.ts";

/**
 * Sends `file` compressed, with `answer.headers` (the coded representation's
 * fields, preconditions already passed).
 *
 * @param request The request (GET or HEAD).
 * @param file The file, and how to compress it: `compress` for bytes read
 *   whole (read even for HEAD, whose Content-Length is the compressed
 *   size), or `compressStream` (no length ahead, no ranges, HEAD unread).
 * @param read Opens the whole file (or answers the status to send).
 * @param answer Fields, validators, and the 304 fields for the cache.
 * @returns The 200.
 */
export async function compressedReply(
  request: RequestView,
  file: {
    info: FileInfo;
    onWhole?: (whole: WholeFile) => void;
    compress?: (bytes: Uint8Array) => Promise<Uint8Array<ArrayBuffer>>;
    compressStream?: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
  },
  read: () => Promise<FileBody | Response>,
  answer: { headers: Headers; validators: Validators; notModified: () => Array<[string, string]> },
): Promise<Response> {
  const { info } = file;
  const { headers, validators } = answer;
  if (file.compressStream !== undefined) {
    headers.set("accept-ranges", "none");
    if (request.method === "HEAD") return reply(null, 200, headers);
    const whole = info.size === 0 ? new Uint8Array(0) : await read();
    if (whole instanceof Response) return whole;
    const source = whole instanceof ReadableStream ? whole : new Response(whole).body!;
    return reply(file.compressStream(source), 200, headers);
  }
  const raw = info.size === 0 ? new Uint8Array(0) : await read();
  if (raw instanceof Response) return raw;
  const bytes = raw instanceof Uint8Array
    ? raw
    : new Uint8Array(await new Response(raw).arrayBuffer());
  const coded = await file.compress!(bytes);
  headers.set("content-length", String(coded.byteLength));
  file.onWhole?.({
    info,
    bytes: coded,
    validators,
    headers: [...headers],
    notModifiedHeaders: answer.notModified(),
  });
  return reply(request.method === "HEAD" ? null : coded, 200, headers);
}
