/**
 * A request body that can be sent again on the next hop: the caller's
 * source is kept and handed to fetch() anew each time, as the Fetch
 * standard does with a body's "source" (HTTP-redirect fetch, step 14).
 *
 * @module
 */

/** The bodies that can be sent more than once. */
export type BodySource =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | FormData
  | URLSearchParams;

// A source after the snapshot: views are copied into a plain Uint8Array.
type Snapshot = Exclude<BodySource, ArrayBufferView> | Uint8Array<ArrayBuffer>;

/** A body ready for fetch(), with the `duplex` a stream needs. */
export interface OutgoingBody {
  /** The body for `RequestInit.body`. */
  body: BodyInit | null;
  /** `"half"` for a stream (required by Node and Deno). */
  duplex?: "half";
}

// A snapshot, as fetch() extracts a body when it is called: changes the
// caller makes to the object afterwards do not reach later hops.
function snapshot(body: BodySource): Snapshot {
  if (typeof body === "string" || body instanceof Blob) return body;
  if (body instanceof ArrayBuffer) return body.slice(0);
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
  }
  if (body instanceof URLSearchParams) return new URLSearchParams(body);
  const copy = new FormData();
  for (const [name, value] of body) copy.append(name, value);
  return copy;
}

function isSource(body: unknown): body is BodySource {
  return typeof body === "string" || body instanceof ArrayBuffer || ArrayBuffer.isView(body) ||
    body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams;
}

/**
 * The body of the request the user agent is sending: nothing, a source it
 * can send on every hop, or a one-shot stream.
 *
 * @example A string is sent on every hop; a stream once
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestBody } from "./request_body.ts";
 *
 * const text = RequestBody.from("hello");
 * assert.equal(text.take().body, "hello");
 * assert.equal(text.canSend, true);
 *
 * const stream = RequestBody.from(new Blob(["hello"]).stream());
 * assert.equal(stream.take().duplex, "half");
 * assert.equal(stream.canSend, false);
 * ```
 */
export class RequestBody {
  /** No body. */
  static readonly none: RequestBody = new RequestBody(null, null);

  #source: Snapshot | null;
  #stream: unknown;
  #sent = false;

  private constructor(source: Snapshot | null, stream: unknown) {
    this.#source = source;
    this.#stream = stream;
  }

  /**
   * Wraps what a caller passed as `init.body` (or a `Request`'s body).
   *
   * @param body The body; anything that is not a known source is a stream.
   * @returns The wrapper.
   */
  static from(body: unknown): RequestBody {
    if (body === null || body === undefined) return RequestBody.none;
    if (isSource(body)) return new RequestBody(snapshot(body), null);
    return new RequestBody(null, body);
  }

  /** Whether there is no body at all. */
  get isNull(): boolean {
    return this.#source === null && this.#stream === null;
  }

  /** Whether the body can still be sent: false once a stream has gone. */
  get canSend(): boolean {
    return this.#stream === null || !this.#sent;
  }

  /**
   * The body for one fetch() call. A stream can be taken once.
   *
   * @returns The body and, for a stream, `duplex: "half"`.
   * @throws {TypeError} when a stream is taken twice.
   */
  take(): OutgoingBody {
    if (this.#stream === null) return { body: this.#source };
    if (this.#sent) throw new TypeError("Cannot send a stream body twice");
    this.#sent = true;
    return { body: this.#stream as BodyInit, duplex: "half" };
  }

  /**
   * The bytes fetch() would send, and the `Content-Type` it would add, for
   * hashing the body (Digest `auth-int`). Null for a stream, which would
   * have to be read to be hashed.
   *
   * @returns The bytes and the default content type, or null.
   */
  async bytes(): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string | null } | null> {
    if (this.#stream !== null) return null;
    if (this.#source === null) return { bytes: new Uint8Array(), type: null };
    // Serialising through a Request gives the exact bytes, and for FormData
    // the one boundary that the Content-Type then has to name.
    const request = new Request("http://body.invalid/", { method: "POST", body: this.#source });
    // Read before the body: Bun 1.4 drops the Content-Type once it is consumed.
    const type = request.headers.get("content-type");
    return { bytes: new Uint8Array(await request.arrayBuffer()), type };
  }
}
