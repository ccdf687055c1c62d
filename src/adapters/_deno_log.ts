/**
 * `onResponseDone` on Deno: each answer is reported once Deno's
 * `info.completed` settles, with the bytes Deno took from its body.
 *
 * @module
 */

import { targetPath } from "./_request_framing.ts";
import { type OnResponseDone, report } from "./_response_info.ts";

/** The part of `Deno.ServeHandlerInfo` used here. */
interface HandlerInfo {
  remoteAddr: { hostname?: string };
  completed: Promise<void>;
}

// Bodies up to this size (and with a Content-Length) are left alone: they
// are bytes or strings that Deno sends in one write, and reading `body`
// would turn them into a stream that Deno 2.9 sends chunked. The deno
// adapter streams larger ones already.
const WHOLE_SIZE = 64 * 1024;

/**
 * Wraps the adapter's answer so that `done` hears of each exchange.
 *
 * @param answer The adapter's request → response function.
 * @param done The user's hook.
 * @returns A `Deno.serve` handler.
 */
export function loggedAnswers(
  answer: (request: Request) => Response | Promise<Response>,
  done: OnResponseDone,
): (request: Request, info: HandlerInfo) => Promise<Response> {
  return async (request, info) => {
    const startTime = Date.now();
    const started = performance.now();
    // Read now: Deno 2.9 throws "Request closed" for them once it is over.
    const { method, url, headers } = request;
    const remoteAddress = info.remoteAddr.hostname ?? null;
    // HTTP/1.1 requires Host (checkFraming() refuses it missing); Deno 2.9
    // gives HTTP/2 requests none. Reading a field now also copies the
    // header list out of the request, so that the hook can read it later.
    const protocol = headers.has("host") ? "HTTP/1.1" : "HTTP/2.0";
    const response = await answer(request);
    const length = response.headers.get("content-length");
    const bodiless = method === "HEAD" || response.body === null;
    const meter = bodiless || length === null || Number(length) <= WHOLE_SIZE
      ? null
      : new StreamMeter();
    const sent = meter === null ? response : meter.wrap(response);
    // Deno 2.9 resolves `completed` however the response ended, a client
    // that left included (checked); a stream it cut is cancelled first.
    const settled = () => {
      report(done, {
        startTime,
        durationMs: performance.now() - started,
        remoteAddress,
        method,
        target: targetPath(url),
        protocol,
        headers,
        status: response.status,
        bytesSent: bodiless ? 0 : meter?.sent ?? (length === null ? null : Number(length)),
        completed: meter?.ended ?? true,
      });
    };
    info.completed.then(settled, settled);
    return sent;
  };
}

/**
 * Counts what Deno takes from a streamed body. Deno asks for the next chunk
 * once it has written the last one, so a chunk counts as sent when the one
 * after it is asked for, or when the body ends; the chunk in flight when a
 * transfer is cut is not counted.
 */
class StreamMeter {
  sent = 0;
  cut = false;
  #ended = false;

  /** Whether the body was read to its end, not cut. */
  get ended(): boolean {
    return this.#ended && !this.cut;
  }

  wrap(response: Response): Response {
    const reader = response.body!.getReader();
    let pending = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        this.sent += pending;
        pending = 0;
        try {
          const { done, value } = await reader.read();
          if (done) {
            this.#ended = true;
            return controller.close();
          }
          pending = value.byteLength;
          controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: (reason) => {
        // A read pending when Deno cancels resolves as done: not an end.
        this.cut = true;
        return reader.cancel(reason);
      },
      // No read-ahead: a file body whose sent chunks are detached
      // (src/fs/cuttable_body.ts) must be asked for its next chunk only
      // once Deno has taken the last one.
    }, { highWaterMark: 0 });
    return withBody(response, body);
  }
}

/**
 * `response` with `body` instead of its own: same status and fields.
 *
 * @param response The response.
 * @param body The new body.
 * @returns The new response.
 */
export function withBody(response: Response, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
