/**
 * Cross-origin access (the Fetch standard's CORS protocol) for public,
 * credential-less resources such as static files.
 *
 * @module
 */

import type { Handler } from "./handler.ts";
import { reply } from "./responses.ts";

// Validators and range fields a script may want to read; Content-Length and
// Last-Modified are CORS-safelisted already.
const EXPOSED = "Content-Range, Accept-Ranges, ETag";

/**
 * Wraps `handler` so that any origin may read its responses
 * (`Access-Control-Allow-Origin: *`), and answers CORS preflight requests.
 * Credentials are not allowed: `*` never goes with them.
 *
 * @param handler The handler to open up.
 * @returns The wrapped handler.
 *
 * @example A preflight
 * ```ts
 * import assert from "node:assert/strict";
 * import { withCors } from "./cors.ts";
 *
 * const handler = withCors(() => new Response("hi"));
 * const preflight = await handler(new Request("http://localhost/a", {
 *   method: "OPTIONS",
 *   headers: { origin: "https://app.example", "access-control-request-method": "GET" },
 * }));
 * assert.equal(preflight.status, 204);
 * assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
 * ```
 */
export function withCors(handler: Handler): Handler {
  return async (request) => {
    const method = request.headers.get("access-control-request-method");
    if (request.method === "OPTIONS" && method !== null && request.headers.has("origin")) {
      const headers = new Headers({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-max-age": "86400",
      });
      const asked = request.headers.get("access-control-request-headers");
      // Range and the If-* fields are not safelisted; echoing the request
      // lets a script send them.
      if (asked !== null) headers.set("access-control-allow-headers", asked);
      return reply(null, 204, headers);
    }
    const response = await handler(request);
    try {
      // Setting in place keeps the body as it is (a Bun file blob stays
      // eligible for sendfile).
      addCorsHeaders(response.headers);
      return response;
    } catch {
      // The headers of a fetch() response are immutable: copy them.
      const headers = new Headers(response.headers);
      addCorsHeaders(headers);
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }
  };
}

function addCorsHeaders(headers: Headers): void {
  headers.set("access-control-allow-origin", "*");
  headers.set("access-control-expose-headers", EXPOSED);
}
