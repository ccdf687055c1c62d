/**
 * `-H NAME:VALUE`, for the responses of `serve` and the requests of `get`.
 *
 * @module
 */

import { UsageError } from "./usage_error.ts";

// Fields the runtime or the server sets itself: framing and
// connection-specific fields (RFC 9110 §7.6.1, refused by HTTP/2, RFC 9113
// §8.2.2), which fetch silently drops, sends or throws on depending on the
// runtime (Node's undici throws on Transfer-Encoding, Keep-Alive, Upgrade,
// Expect; Bun sends Host as given, Deno and Node replace it).
const CONNECTION_FIELDS: Record<string, string> = {
  "content-length": "the body's framing is set by the runtime",
  "transfer-encoding": "the body's framing is set by the runtime",
  "trailer": "the body's framing is set by the runtime",
  "connection": "it is connection-specific (RFC 9110 §7.6.1)",
  "keep-alive": "it is connection-specific (RFC 9110 §7.6.1)",
  "proxy-connection": "it is connection-specific (RFC 9110 §7.6.1)",
  "te": "it is connection-specific (RFC 9110 §7.6.1)",
  "upgrade": "it is connection-specific (RFC 9110 §7.6.1)",
};
const FORBIDDEN: Record<"request" | "response", Record<string, string>> = {
  request: {
    ...CONNECTION_FIELDS,
    host: "it comes from the URL",
    expect: "fetch cannot wait for 100 Continue",
  },
  response: {
    ...CONNECTION_FIELDS,
    "content-range": "it is computed for each Range request",
    etag: "it is computed for each file",
    "last-modified": "it is computed for each file",
  },
};

/**
 * Parses `NAME:VALUE` (the value may hold colons).
 *
 * @param text The flag's value.
 * @param kind Whether the header goes on requests (`get`) or responses (`serve`).
 * @returns The name and the trimmed value.
 * @throws {UsageError} when the name is missing or not a valid field name,
 *   the value holds a control character or one beyond Latin-1, or the field
 *   is one the runtime or the server sets itself.
 */
export function parseHeader(
  text: string,
  kind: "request" | "response" = "response",
): [string, string] {
  const colon = text.indexOf(":");
  const name = colon < 0 ? "" : text.slice(0, colon).trim();
  const value = colon < 0 ? "" : text.slice(colon + 1).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
    throw new UsageError(
      `Malformed header '${text}'`,
      "Write it as NAME:VALUE, e.g. -H 'Cache-Control: max-age=60'.",
    );
  }
  // field-value: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5); Deno and
  // undici refuse other control characters, and Headers anything > 0xFF.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new UsageError(
      `-H ${name}: the value may hold only printable Latin-1 characters`,
      "Percent-encode other characters, as URLs do.",
    );
  }
  const reason = FORBIDDEN[kind][name.toLowerCase()];
  if (reason !== undefined) {
    throw new UsageError(
      `-H ${name} cannot be set: ${reason}`,
      "Drop this -H; other headers are sent as given.",
    );
  }
  return [name, value];
}
