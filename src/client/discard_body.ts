/**
 * Letting go of the body of a response that is not the result (a redirect
 * or an answered 401), so that its connection is not held.
 *
 * @module
 */

// Small bodies are read to the end, which leaves a keep-alive connection
// reusable for the next hop; anything larger or of unknown length is
// cancelled, which may cost the connection but never waits on the server.
const DRAIN_LIMIT = 64 * 1024;

/**
 * Reads a body declared at most 64 KiB long to its end; cancels any other.
 * Errors of the body are ignored: it is not the result.
 *
 * @param response The response whose body is not wanted.
 *
 * @example A short body is read to its end
 * ```ts
 * import assert from "node:assert/strict";
 * import { discardBody } from "./discard_body.ts";
 *
 * const response = new Response("moved", { headers: { "content-length": "5" } });
 * await discardBody(response);
 * assert.equal(response.bodyUsed, true);
 * ```
 */
export async function discardBody(response: Response): Promise<void> {
  if (response.body === null || response.bodyUsed) return;
  const length = Number(response.headers.get("content-length") ?? NaN);
  try {
    if (length >= 0 && length <= DRAIN_LIMIT) await response.arrayBuffer();
    else await response.body.cancel();
  } catch {
    // A broken body of a response we are leaving behind changes nothing.
  }
}
