/**
 * The timeouts of `serve()` that bound what slow or idle clients can hold:
 * the options, their defaults and their validation, the same on every
 * runtime. What each runtime makes of them is said in each adapter and in
 * the README ("Slow clients and timeouts").
 *
 * @module
 */

/** How long a client may take over each part of a connection. */
export interface TimeoutOptions {
  /**
   * How long a client may take to send a request's header block, counted
   * from the connection's start (or, on a kept-alive connection, from the
   * first byte of the next request); then the connection is closed (with a
   * 408 on Node). Over TLS on Node it also bounds the TLS handshake (which
   * `0` leaves at Node's 120 s). `0` turns it off. Node only: Bun always
   * allows 10 s (its own fixed limit) and Deno 2.9 has no such limit.
   * @default {10000}
   */
  headersTimeoutMs?: number;
  /**
   * How long a kept-alive connection may wait for its next request before
   * it is closed (an HTTP/2 session: how long it may go without an open
   * stream). `0` turns it off. Node and Bun (where it also ends a response
   * that makes no progress for that long, rounded to Bun's 4 s clock);
   * Deno 2.9 keeps idle connections open.
   * @default {10000}
   */
  idleTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request, header block and
   * body; then 408 and the connection is closed. At least
   * `headersTimeoutMs` unless one of them is `0`. `0` turns it off. Node
   * only (Bun bounds the gaps in a body with its idle timeout instead).
   * @default {300000}
   */
  requestTimeoutMs?: number;
}

/** The timeouts after validation, in milliseconds; `0` for none. */
export interface ResolvedTimeouts {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

/** The defaults, also shown by the CLI's help. */
export const DEFAULT_TIMEOUTS: Readonly<ResolvedTimeouts> = Object.freeze({
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
});

// The longest delay setTimeout() takes on every runtime.
const MAX_MS = 2 ** 31 - 1;

/**
 * Validates the timeout options and fills in their defaults.
 *
 * @param options The user's options.
 * @returns The timeouts.
 * @throws {RangeError} for a timeout that is not a whole number of
 *   milliseconds from 0 to 2147483647, or a `headersTimeoutMs` longer than
 *   `requestTimeoutMs`.
 *
 * @example Defaults, and a header timeout longer than the request's
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTimeouts } from "./_timeouts.ts";
 *
 * assert.equal(resolveTimeouts({}).headersTimeoutMs, 10_000);
 * assert.throws(
 *   () => resolveTimeouts({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }),
 *   RangeError,
 * );
 * ```
 */
export function resolveTimeouts(options: TimeoutOptions): ResolvedTimeouts {
  const resolved = { ...DEFAULT_TIMEOUTS };
  for (const name of Object.keys(DEFAULT_TIMEOUTS) as Array<keyof ResolvedTimeouts>) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "number") {
      throw new TypeError(`Cannot serve: "${name}" must be a number of milliseconds`);
    }
    if (!Number.isInteger(value) || value < 0 || value > MAX_MS) {
      throw new RangeError(
        `Cannot serve: "${name}" must be a whole number of milliseconds from 0 to ${MAX_MS}`,
      );
    }
    resolved[name] = value;
  }
  const { headersTimeoutMs, requestTimeoutMs } = resolved;
  // Node refuses the same (ERR_OUT_OF_RANGE): the header block is part of
  // the request.
  if (headersTimeoutMs > 0 && requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    throw new RangeError('Cannot serve: "headersTimeoutMs" must not exceed "requestTimeoutMs"');
  }
  return resolved;
}
