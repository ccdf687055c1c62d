/**
 * File bodies that an adapter can cut without wrapping them: the port's
 * streamed bodies register here how to fail them, when they end, and how to
 * let go of their chunks early.
 *
 * On Deno 2.9 a grace period is enforced by failing the body of each
 * download still in flight (src/adapters/deno.ts). Wrapping every large
 * body in a second stream for that cost a JavaScript step per chunk and
 * about a tenth of the 10 MiB throughput (bench/README.md, "Large files on
 * Deno"); a body made by the port can be failed directly instead.
 *
 * @module
 */

/** How to cut one body, and when it is over. */
export interface Cuttable {
  /** Fails the body with `error` (closing its file), unless it is over. */
  cut(error: Error): void;
  /**
   * Promises that only the runtime's own server reads the body, one chunk
   * at a time, and keeps its own reference to each chunk's memory until it
   * is written. Each chunk's ArrayBuffer is then detached when the next
   * one is asked for, so that its memory is freed once the server has
   * written it rather than at the next garbage collection. Deno 2.9 holds
   * a chunk as a reference to its V8 backing store (deno_core `JsBuffer`),
   * which detaching does not free. Without it the garbage of 10 MiB
   * downloads held ours-deno at about 110 MiB of RSS against 50 for
   * `FsFile.readable`, and 404s measured after them inherited that peak
   * (bench/README.md, "Large files on Deno").
   */
  detachSent(): void;
  /** Resolves once the body has ended: read to the end, cancelled, failed or cut. */
  ended: Promise<void>;
}

const registry = new WeakMap<ReadableStream<Uint8Array>, Cuttable>();

/**
 * Records that `body` can be cut by `cuttable` (and its chunks detached).
 *
 * @param body A body made by the file-system port.
 * @param cuttable How to cut it, and when it ends.
 *
 * @example Registering a body
 * ```ts
 * import assert from "node:assert/strict";
 * import { cuttableBody, markCuttable } from "./cuttable_body.ts";
 *
 * const body = new ReadableStream<Uint8Array>();
 * markCuttable(body, { cut: () => {}, detachSent: () => {}, ended: Promise.resolve() });
 * assert.notEqual(cuttableBody(body), null);
 * ```
 */
export function markCuttable(body: ReadableStream<Uint8Array>, cuttable: Cuttable): void {
  registry.set(body, cuttable);
}

/**
 * How to cut `body`, when the port made it and it is not yet locked (a body
 * already being read by someone else is theirs to end).
 *
 * @param body A response body.
 * @returns Its cut and end, or `null` for any other body.
 *
 * @example Any other body has none
 * ```ts
 * import assert from "node:assert/strict";
 * import { cuttableBody } from "./cuttable_body.ts";
 *
 * assert.equal(cuttableBody(new Response("hi").body), null);
 * ```
 */
export function cuttableBody(body: ReadableStream<Uint8Array> | null): Cuttable | null {
  if (body === null || body.locked) return null;
  return registry.get(body) ?? null;
}
