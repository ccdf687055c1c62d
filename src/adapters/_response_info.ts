/**
 * What `serve()` tells `onResponseDone` about each exchange, once it is
 * over: the facts an access log needs, taken from the runtime.
 *
 * @module
 */

/** One request and how its response went, given to `onResponseDone`. */
export interface ResponseInfo {
  /** When the request arrived, in milliseconds since the epoch. */
  startTime: number;
  /** From the request's arrival to the end of its response, in milliseconds. */
  durationMs: number;
  /** The client's IP address, or `null` when the runtime does not tell. */
  remoteAddress: string | null;
  /** The request method. */
  method: string;
  /** The request target as a path and query, e.g. `/docs/?q=1`. */
  target: string;
  /**
   * The protocol: `HTTP/1.0`, `HTTP/1.1` or `HTTP/2.0`. Deno 2.9 and Bun
   * 1.4.5 do not tell the version: there an HTTP/2 request is known by its
   * missing Host field (Bun does not speak HTTP/2), and HTTP/1.0 is
   * reported as `HTTP/1.1`.
   */
  protocol: string;
  /** Reads a request header field (`null` when absent). */
  headers: { get(name: string): string | null };
  /** The response's status code. */
  status: number;
  /**
   * Bytes of content the server handed to the connection, headers not
   * counted: 0 for HEAD, 304 and other bodiless answers; fewer than the
   * Content-Length when the transfer was cut. `null` when the runtime does
   * not tell (see the README's access-log section).
   */
  bytesSent: number | null;
  /** `false` when the client left or the grace period cut the response. */
  completed: boolean;
}

/** The hook that receives each {@linkcode ResponseInfo}. */
export type OnResponseDone = (info: ResponseInfo) => void;

/**
 * Calls `hook` with `info`. A hook that throws must not touch the server
 * (the exchange is over, and a log that fails must not cut other
 * responses), so its first error is printed once and the rest are dropped.
 *
 * @param hook The user's hook.
 * @param info What to report.
 */
export function report(hook: OnResponseDone, info: ResponseInfo): void {
  try {
    hook(info);
  } catch (error) {
    if (failed.has(hook)) return;
    failed.add(hook);
    console.error("onResponseDone threw (later errors are not shown):", error);
  }
}

const failed = new WeakSet<OnResponseDone>();
