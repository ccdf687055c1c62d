/**
 * Sending a large file that the Bun port opened and checked, through Bun's
 * own file path (sendfile), with exactly the header fields Deno and Node
 * send, and the descriptor closed once Bun no longer needs it.
 *
 * Three Bun 1.4.5 behaviours shape this (each pinned by a test in
 * tests/bun_send.test.ts):
 * - A web-stream body loses its Content-Length (oven-sh/bun#10507), so a
 *   file is handed to Bun as a file Blob whenever possible.
 * - A file Blob made from a path gets `Content-Disposition: filename="…"`
 *   added unless its media type is text, image, audio, video, font, JSON or
 *   wasm; one made from a descriptor gets none, but Bun never closes that
 *   descriptor, and a slice of it goes out with the whole file's length.
 * - Bun opens a path Blob while it renders the response, in the same task
 *   as the handler's promise resolves, and applies the request's Range
 *   itself to a Blob it takes as the whole file.
 * - A request counts in `server.pendingRequests`, and its Response stays
 *   alive, until its file body is sent: a descriptor handed to Bun is
 *   closed after either, never before.
 *
 * So: types Bun leaves alone go out as `/proc/self/fd/N` (a path that can
 * only reach the checked file while N is open), closed right after Bun has
 * opened its own; other types go out as the descriptor itself when the
 * whole file is sent, closed once Bun has let go of the response, or read
 * into memory when a part of them is (up to a budget); anything else stays
 * a stream.
 *
 * @module
 */

import { closeSync } from "node:fs";
import { type BunFileSource, takeBunFileSource } from "../fs/bun.ts";
import { descriptorBody, provesPlaces, readAt, SMALL_READ } from "../fs/_node_fs.ts";
import { errorResponse } from "../core/responses.ts";

/** The part of Bun's API used here. */
export interface BunFiles {
  file(path: string | number): Blob;
  gc(force: boolean): void;
}

// A file sent as a stream after all is read as the Bun port reads it.
const CHUNK_SIZE = 1024 * 1024;

/** The largest part of a file, and all parts together, held in memory at once. */
const BUFFERED_PART = 8 * 1024 * 1024;
const BUFFERED_TOTAL = 64 * 1024 * 1024;

// Past this many descriptors and buffers held for Bun at once, a collection
// is asked for (see FileSender's hold()).
const COLLECT_AT = 256;

// How often a server with descriptors held checks whether it is idle.
const SWEEP_MS = 100;

type Held = { fd: number } | { bytes: number };

/**
 * Hands the Bun port's files to one `Bun.serve` server natively (see the
 * module's documentation), and closes each descriptor once Bun is done
 * with it.
 */
export class FileSender {
  #bun: BunFiles;
  #pendingRequests: () => number;
  // What Bun may still be using, by a token of its own: a descriptor's
  // number is reused once it is closed.
  #held = new Map<object, Held>();
  #buffered = 0;
  #sweep: ReturnType<typeof setInterval> | null = null;
  #collected = new FinalizationRegistry<object>((token) => this.#release(token));
  #native = new WeakSet<Response>();

  /**
   * @param bun Bun's API.
   * @param pendingRequests The server's count of requests not yet answered
   *   in full: at 0, Bun uses no descriptor any more.
   */
  constructor(bun: BunFiles, pendingRequests: () => number) {
    this.#bun = bun;
    this.#pendingRequests = pendingRequests;
  }

  /**
   * The response to send for `response`: the same status and header
   * fields, with a body the Bun port opened handed to Bun natively when
   * that keeps every header field as it is, or `response` itself.
   *
   * @param request The request answered.
   * @param response The handler's response.
   * @returns The response to give `Bun.serve`.
   */
  async send(request: Request, response: Response): Promise<Response> {
    const { status, headers } = response;
    const length = Number(headers.get("content-length"));
    if (!(length > SMALL_READ) || (status !== 200 && status !== 206)) return response;
    const source = takeBunFileSource(response.body);
    if (source === null) return response;
    const init = { status, statusText: response.statusText, headers };
    // What is sent is decided by the file opened, never by the header
    // fields alone: a handler wrapped around the files may have answered a
    // part of one as a 200.
    const whole = source.start === 0 && source.end === source.size - 1;
    const fits = length <= BUFFERED_PART && this.#buffered + length <= BUFFERED_TOTAL;
    // Bun applies the request's Range itself to a file Blob it takes as
    // the whole file, even when the handler chose to ignore it (If-Range
    // no longer matching, too many ranges) or read it otherwise: a whole
    // file goes to Bun as a Blob only when Bun would send just what the
    // handler chose.
    const rerange = whole && !sameAsBun(request.headers.get("range"), status, length);
    const how = source.end - source.start + 1 !== length
      ? null
      : rerange
      ? (fits ? "memory" : null)
      : !addsDisposition(headers.get("content-type") ?? "") && provesPlaces()
      ? "path"
      : whole
      ? "descriptor"
      : fits
      ? "memory"
      : null;
    if (how === null) {
      // A stream again, as the port made it (Bun sends it chunked).
      return new Response(descriptorBody(source.fd, source, source.size, CHUNK_SIZE), init);
    }
    if (how === "path") {
      const file = this.#bun.file(`/proc/self/fd/${source.fd}`);
      const sent = new Response(file.slice(source.start, source.end + 1), init);
      this.#native.add(sent);
      // Bun opens the path while it renders the response, in the task that
      // hands it over, and marks the body used then: one macrotask later
      // the descriptor can go. A response not rendered by then (the client
      // left, or something awaited a timer after the handler) keeps it, so
      // that N is never closed, and its number never reused, before Bun has
      // opened the file.
      setImmediate(() => sent.bodyUsed ? close(source.fd) : this.#hold(sent, { fd: source.fd }));
      return sent;
    }
    if (how === "descriptor") {
      const sent = new Response(this.#bun.file(source.fd), init);
      this.#native.add(sent);
      this.#hold(sent, { fd: source.fd });
      return sent;
    }
    // Reserved before the read, so that requests at once cannot all pass
    // the budget.
    this.#buffered += length;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readPart(source);
    } catch {
      this.#buffered -= length;
      // Truncated since the open: nothing is sent yet, and the file is
      // changing; the core's answer for that.
      return errorResponse(503, request.method, { "retry-after": "1" });
    } finally {
      close(source.fd);
    }
    const sent = new Response(bytes, init);
    this.#hold(sent, { bytes: length });
    return sent;
  }

  /**
   * Whether `response` came from {@linkcode send} with a file Blob body:
   * Bun sends it natively, and tells nothing of how much it sent.
   *
   * @param response A response.
   * @returns `true` for a native file send.
   */
  isNative(response: Response): boolean {
    return this.#native.has(response);
  }

  /** Closes every descriptor still held: for a server that has stopped. */
  releaseAll(): void {
    for (const token of [...this.#held.keys()]) this.#release(token);
  }

  // Kept until `response` is collected (Bun keeps it alive until the send
  // ends or fails), or until the server has no request in flight at all,
  // whichever comes first: collection alone can take long when little is
  // allocated.
  #hold(response: Response, what: Held): void {
    const token = {};
    this.#held.set(token, what);
    this.#collected.register(response, token);
    if (this.#held.size > COLLECT_AT) this.#bun.gc(false);
    if (this.#sweep !== null) return;
    this.#sweep = setInterval(() => {
      if (this.#pendingRequests() === 0) this.releaseAll();
    }, SWEEP_MS);
    (this.#sweep as { unref?: () => void }).unref?.();
  }

  #release(token: object): void {
    const what = this.#held.get(token);
    if (what === undefined) return;
    this.#held.delete(token);
    if ("fd" in what) close(what.fd);
    else this.#buffered -= what.bytes;
    if (this.#held.size === 0 && this.#sweep !== null) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }
}

/**
 * Whether Bun 1.4.5 adds `Content-Disposition` to a path Blob sent with
 * this Content-Type: unless its top-level type is text, image, audio, video
 * or font, or it is JSON, GeoJSON or wasm (compared as Bun does, case and
 * all, so that any doubt answers "adds").
 */
export function addsDisposition(type: string): boolean {
  const slash = type.indexOf("/");
  if (slash <= 0) return true;
  const top = type.slice(0, slash);
  const sub = type.slice(slash + 1).split(";")[0].trim();
  if (["text", "image", "audio", "video", "font"].includes(top)) return false;
  return !(top === "application" && ["json", "geo+json", "wasm"].includes(sub));
}

// Whether Bun, given the whole file as a Blob and the request's `range`,
// sends what the handler chose: no Range at all for a 200, or for a 206
// the one form whose meaning no parser can differ on.
function sameAsBun(range: string | null, status: number, size: number): boolean {
  if (range === null) return status === 200;
  return status === 206 && (range === "bytes=0-" || range === `bytes=0-${size - 1}`);
}

function close(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

async function readPart(source: BunFileSource): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(source.end - source.start + 1);
  for (let done = 0; done < bytes.byteLength;) {
    const count = await readAt(source.fd, bytes.subarray(done), source.start + done);
    if (count === 0) throw new Error("file shrank while being read");
    done += count;
  }
  return bytes;
}
