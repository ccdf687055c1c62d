/**
 * `onResponseDone` on Bun. Bun 1.4.5 has no event for a response that has
 * been sent, and its `request.signal` aborts only when the client leaves
 * before the end (checked). So:
 * - a body Bun sends from memory (bytes, strings, cached files) or no body
 *   at all is reported as soon as it is handed over, counted whole;
 * - a file Bun sends natively is reported when the client leaves
 *   (`bytesSent` unknown, since Bun does not count), or once Bun has let go
 *   of the response (collected) or the server has no request in flight,
 *   whichever comes first. Bun 1.4.5 does not abort the signal of every
 *   client that leaves during such a send (about one in five when the
 *   server is otherwise idle, in tests/response_done.test.ts): those are
 *   reported whole.
 *
 * @module
 */

import { targetPath } from "./_request_framing.ts";
import { type OnResponseDone, report, type ResponseInfo } from "./_response_info.ts";

/** The part of Bun's server used here. */
export interface LoggedServer {
  pendingRequests: number;
  requestIP(request: Request): { address: string } | null;
}

// How often a server with native sends still unreported checks whether it
// is idle, and how many it lets wait before asking for a collection.
const SWEEP_MS = 100;
const COLLECT_AT = 256;

/**
 * Reports each exchange of one Bun server to `done`.
 */
export class BunResponseLog {
  #done: OnResponseDone;
  #server: () => LoggedServer;
  #gc: () => void;
  #waiting = new Map<object, () => void>();
  #collected = new FinalizationRegistry<object>((token) => this.#settle(token));
  #sweep: ReturnType<typeof setInterval> | null = null;

  /**
   * @param done The user's hook.
   * @param server The running server.
   * @param gc Asks Bun for a collection.
   */
  constructor(done: OnResponseDone, server: () => LoggedServer, gc: () => void) {
    this.#done = done;
    this.#server = server;
    this.#gc = gc;
  }

  /**
   * Wraps the adapter's answer so that each exchange is reported.
   *
   * @param answer The adapter's request → response function.
   * @param isNative Whether a response is a file Bun sends natively.
   * @returns The `fetch` handler to give `Bun.serve`.
   */
  wrap(
    answer: (request: Request) => Response | Promise<Response>,
    isNative: (response: Response) => boolean,
  ): (request: Request) => Promise<Response> {
    return async (request) => {
      const startTime = Date.now();
      const started = performance.now();
      const remoteAddress = this.#server().requestIP(request)?.address ?? null;
      const response = await answer(request);
      const length = response.headers.get("content-length");
      const bodiless = request.method === "HEAD" || response.body === null;
      const info = (bytesSent: number | null, completed: boolean): ResponseInfo => ({
        startTime,
        durationMs: performance.now() - started,
        remoteAddress,
        method: request.method,
        target: targetPath(request.url),
        // Bun 1.4.5 speaks HTTP/1 only, also over TLS (checked with curl).
        protocol: "HTTP/1.1",
        headers: request.headers,
        status: response.status,
        bytesSent,
        completed,
      });
      if (bodiless || !isNative(response)) {
        const whole = bodiless ? 0 : length === null ? null : Number(length);
        report(this.#done, info(whole, !request.signal.aborted));
      } else {
        this.#await(response, request.signal, (cut) => {
          report(this.#done, cut ? info(null, false) : info(Number(length), true));
        });
      }
      return response;
    };
  }

  #await(response: Response, signal: AbortSignal, settle: (cut: boolean) => void): void {
    const token = {};
    const onAbort = () => this.#settle(token);
    this.#waiting.set(token, () => {
      signal.removeEventListener("abort", onAbort);
      settle(signal.aborted);
    });
    signal.addEventListener("abort", onAbort, { once: true });
    this.#collected.register(response, token);
    if (this.#waiting.size > COLLECT_AT) this.#gc();
    this.#sweep ??= setInterval(() => {
      if (this.#server().pendingRequests === 0) this.settleAll();
    }, SWEEP_MS);
    (this.#sweep as { unref?: () => void }).unref?.();
  }

  /** Reports every native send still waiting: for an idle or stopped server. */
  settleAll(): void {
    for (const token of [...this.#waiting.keys()]) this.#settle(token);
  }

  #settle(token: object): void {
    const settle = this.#waiting.get(token);
    if (settle === undefined) return;
    this.#waiting.delete(token);
    settle();
    if (this.#waiting.size === 0 && this.#sweep !== null) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }
}
