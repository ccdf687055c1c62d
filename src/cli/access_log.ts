/**
 * The serve command's access log: one line per finished exchange, from
 * `serve()`'s `onResponseDone`, in Apache's Common or Combined Log Format
 * or as JSON.
 *
 * @module
 */

import type { ResponseInfo } from "../adapters/_response_info.ts";
import { credentialsOf } from "../core/basic_auth.ts";

/** The formats `--log-format` accepts. */
export const LOG_FORMATS = ["combined", "common", "json"] as const;

/** One of {@linkcode LOG_FORMATS}. */
export type LogFormat = typeof LOG_FORMATS[number];

/**
 * A hook for `serve()` that writes one line per exchange, and a counter of
 * the exchanges seen.
 *
 * @param format The line format.
 * @param write Where lines go.
 * @returns The hook and the counter.
 */
export function accessLog(
  format: LogFormat,
  write: (line: string) => void,
): { onResponseDone: (info: ResponseInfo) => void; count: () => number } {
  let count = 0;
  return {
    onResponseDone: (info) => {
      count++;
      write(formatEntry(info, format));
    },
    count: () => count,
  };
}

/**
 * Formats one exchange.
 *
 * - `common` is Apache's `%h %l %u %t "%r" %>s %b`, `combined` adds
 *   `"%{Referer}i" "%{User-Agent}i"`: the time is the request's arrival, in
 *   UTC; the user is the Basic user-id the client sent (as nginx's
 *   `$remote_user`: a 401 shows whom the server refused); the size is `-` for
 *   no content or an unknown count. Quoted fields escape `"` and `\` with a
 *   backslash and every other byte outside printable ASCII as `\xHH` (of its
 *   UTF-8), as Apache does, so that a line cannot be forged or broken.
 * - `json` is one object with every field, the duration and whether the
 *   response completed.
 *
 * @param info The exchange.
 * @param format The format.
 * @returns The line, without a newline.
 */
export function formatEntry(info: ResponseInfo, format: LogFormat): string {
  const user = basicUser(info.headers.get("authorization"));
  const referer = info.headers.get("referer");
  const agent = info.headers.get("user-agent");
  if (format === "json") {
    return JSON.stringify({
      time: new Date(info.startTime).toISOString(),
      address: info.remoteAddress,
      user,
      method: info.method,
      target: info.target,
      protocol: info.protocol,
      status: info.status,
      bytes: info.bytesSent,
      completed: info.completed,
      duration_ms: Math.round(info.durationMs * 10) / 10,
      referer,
      user_agent: agent,
    });
  }
  const line = `${info.method} ${info.target} ${info.protocol}`;
  const common = `${bare(info.remoteAddress)} - ${user === null ? "-" : bare(user)} ` +
    `[${clfDate(new Date(info.startTime))}] "${escape(line)}" ${info.status} ` +
    `${info.bytesSent ? info.bytesSent : "-"}`;
  if (format === "common") return common;
  return `${common} "${referer === null ? "-" : escape(referer)}" ` +
    `"${agent === null ? "-" : escape(agent)}"`;
}

/**
 * The user-id of a Basic `Authorization` field (RFC 7617), or `null`.
 *
 * @param field The field's value.
 * @returns The user-id.
 */
export function basicUser(field: string | null): string | null {
  const credentials = credentialsOf(field);
  const colon = credentials?.indexOf(":") ?? -1;
  return colon <= 0 ? null : credentials!.slice(0, colon);
}

const encoder = new TextEncoder();

// Inside quotes: `"` and `\` escaped, and every byte outside printable
// ASCII as \xHH (a Node header value arrives as Latin-1 code units, which
// are bytes; a longer code unit is escaped as its UTF-8).
function escape(text: string): string {
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  if (!/["\\\x00-\x1f\x7f-\uffff]/.test(text)) return text;
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "\\") out += "\\" + char;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += hex(code);
    else for (const byte of encoder.encode(char)) out += hex(byte);
  }
  return out;
}

// Outside quotes (address, user): a space would shift every later field.
function bare(text: string | null): string {
  if (text === null || text === "") return "-";
  return escape(text).replace(/ /g, "\\x20");
}

function hex(byte: number): string {
  return "\\x" + byte.toString(16).padStart(2, "0");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function clfDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
