/**
 * `multipart/byteranges` bodies (RFC 9110 §14.6) for requests with several
 * ranges.
 *
 * @module
 */

import type { ByteRange, FileBody } from "./fs.ts";
import { contentRange } from "./range.ts";

// Re-exported so this module's documentation is complete on its own.
export type { ByteRange, FileBody } from "./fs.ts";

/** A `multipart/byteranges` response body and the headers it implies. */
export interface MultipartBody {
  /** The body; each part is opened only when the consumer reaches it. */
  body: ReadableStream<Uint8Array>;
  /** `multipart/byteranges; boundary=…`, the response's `Content-Type`. */
  contentType: string;
  /** The exact length of `body` in bytes, the response's `Content-Length`. */
  length: number;
}

/** Options of {@linkcode multipartByteranges}. */
export interface MultipartOptions {
  /** The selected representation's media type, repeated in every part. */
  contentType: string;
  /**
   * Opens the bytes of one range; called lazily, once per range, in order.
   * The body must yield exactly the range's length.
   */
  openPart: (range: ByteRange) => Promise<FileBody>;
  /**
   * The first range's body, opened already (so that the answer is decided
   * only once its file is known to be there): used instead of `openPart`
   * for it, and cancelled with the multipart body if it is never read.
   *
   * @default {undefined}
   */
  first?: FileBody;
  /**
   * The boundary, for reproducible output; it must be a valid RFC 2046
   * boundary that occurs nowhere in the parts.
   *
   * @default {32 random hexadecimal digits}
   */
  boundary?: string;
}

/**
 * Builds a `multipart/byteranges` body (RFC 9110 §14.6) whose parts are
 * opened lazily and one at a time.
 *
 * Cancelling the body cancels the open part, so its file handle closes, and
 * opens no more. A part that fails to open, fails to read, or yields a
 * length other than its range's errors the body, since `length` has already
 * been promised as the `Content-Length`.
 *
 * @param ranges The ranges to send, in order; at least one.
 * @param size The complete representation's length in bytes.
 * @param options The part media type, the part opener and the boundary.
 * @returns The body, its `Content-Type` and its exact length.
 * @throws {RangeError} When `ranges` is empty: RFC 2046 needs one part.
 *
 * @example Two parts of a small file
 * ```ts
 * import assert from "node:assert/strict";
 * import { multipartByteranges } from "./multipart_byteranges.ts";
 *
 * const file = new Blob(["hello world"]);
 * const ranges = [{ start: 0, end: 1 }, { start: 6, end: 7 }];
 * const multipart = multipartByteranges(ranges, file.size, {
 *   contentType: "text/plain",
 *   openPart: (r) => Promise.resolve(file.slice(r.start, r.end + 1)),
 *   boundary: "B",
 * });
 * const text = await new Response(multipart.body).text();
 * assert.equal(
 *   text,
 *   "--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/11\r\n\r\nhe" +
 *     "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 6-7/11\r\n\r\nwo" +
 *     "\r\n--B--\r\n",
 * );
 * assert.equal(multipart.length, text.length);
 * assert.equal(multipart.contentType, "multipart/byteranges; boundary=B");
 * ```
 */
export function multipartByteranges(
  ranges: ByteRange[],
  size: number,
  options: MultipartOptions,
): MultipartBody {
  if (ranges.length === 0) {
    throw new RangeError("Cannot build multipart/byteranges: no ranges");
  }
  const boundary = options.boundary ?? randomBoundary();
  const encoder = new TextEncoder();
  // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter,
  // so it is sent with the next part's header rather than after the bytes.
  const heads = ranges.map((range, i) =>
    encoder.encode(
      `${i === 0 ? "" : "\r\n"}--${boundary}\r\n` +
        `Content-Type: ${options.contentType}\r\n` +
        `Content-Range: ${contentRange(range, size)}\r\n\r\n`,
    )
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  let length = tail.byteLength;
  for (let i = 0; i < ranges.length; i++) {
    length += heads[i].byteLength + ranges[i].end - ranges[i].start + 1;
  }
  return {
    body: partsStream(ranges, size, heads, tail, options),
    contentType: `multipart/byteranges; boundary=${boundary}`,
    length,
  };
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function partsStream(
  ranges: ByteRange[],
  size: number,
  heads: Uint8Array[],
  tail: Uint8Array,
  options: MultipartOptions,
): ReadableStream<Uint8Array> {
  // Taken (and so owned by the stream's reader) once the first part starts.
  let first = options.first;
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let remaining = 0;
  let cancelled = false;
  let cancelReason: unknown;

  const abandon = (reason: string, cause?: unknown): Error => {
    // Cancelling releases the part's file handle; its own failure, if any,
    // is already the cause reported.
    const range = contentRange(ranges[index], size);
    const error = new Error(`Cannot send ${range}: ${reason}`, { cause });
    reader?.cancel(error).catch(() => {});
    reader = null;
    return error;
  };

  // Resolves to the part's header, or null when the body was cancelled
  // while the part was opening.
  const open = async (): Promise<Uint8Array | null> => {
    const body = index === 0 && first !== undefined ? first : await options.openPart(ranges[index]);
    first = undefined;
    const stream = body instanceof Blob
      ? body.stream()
      : body instanceof Uint8Array
      ? new Blob([body]).stream()
      : body;
    if (cancelled) {
      await stream.cancel(cancelReason);
      return null;
    }
    reader = stream.getReader();
    remaining = ranges[index].end - ranges[index].start + 1;
    return heads[index];
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Each pull enqueues a chunk before returning: a pull that enqueues
      // nothing is not scheduled again, and the body would stall.
      while (!cancelled) {
        if (reader === null) {
          if (index === ranges.length) {
            controller.enqueue(tail);
            controller.close();
            return;
          }
          const head = await open();
          if (head !== null) controller.enqueue(head);
          return;
        }
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw abandon("the part failed", error);
        }
        if (cancelled) return;
        if (chunk.done) {
          if (remaining !== 0) throw abandon(`${remaining} bytes are missing`);
          reader = null;
          index++;
        } else if (chunk.value.byteLength > remaining) {
          throw abandon("the part is longer than its range");
        } else if (chunk.value.byteLength > 0) {
          remaining -= chunk.value.byteLength;
          controller.enqueue(chunk.value);
          return;
        }
      }
    },
    async cancel(reason) {
      cancelled = true;
      cancelReason = reason;
      const current = reader;
      reader = null;
      if (first instanceof ReadableStream) await first.cancel(reason);
      first = undefined;
      await current?.cancel(reason);
    },
    // Pulling only on demand keeps at most one part open and nothing read
    // ahead of the consumer.
  }, { highWaterMark: 0 });
}
