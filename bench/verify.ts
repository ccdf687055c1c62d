/**
 * Checks, before measuring, that a server answers each scenario as it
 * must; a server that does not is left out of that row, with a note.
 *
 * @module
 */

import type { Scenario } from "./config.ts";
import { probe } from "./probe.ts";
import type { WrkResult } from "./wrk.ts";

/** How a scenario is requested from one server, or why it is not. */
export type Plan =
  | { ok: true; headers: Record<string, string>; note?: string }
  | { ok: false; note: string };

/**
 * Verifies one scenario against one server.
 *
 * @param base The server's URL.
 * @param scenario The scenario.
 * @returns The headers wrk must send (for 304: the validator), or a note.
 */
export async function verify(base: URL, scenario: Scenario): Promise<Plan> {
  try {
    return scenario.status === 304
      ? await verifyNotModified(base, scenario)
      : await verifyPlain(base, scenario);
  } catch (error) {
    return { ok: false, note: `request failed: ${(error as Error).message}` };
  }
}

async function verifyPlain(base: URL, scenario: Scenario): Promise<Plan> {
  const headers = scenario.headers ?? {};
  const answer = await probe(new URL(scenario.path, base), { headers });
  const { status, length } = answer;
  if (status !== scenario.status) {
    return { ok: false, note: `answered ${status}, not ${scenario.status}` };
  }
  if (scenario.size !== undefined && length !== scenario.size) {
    return { ok: false, note: `sent ${length} bytes, not ${scenario.size}` };
  }
  const encoding = answer.headers["content-encoding"] ?? "none";
  if (scenario.encoding !== undefined && encoding !== scenario.encoding) {
    return { ok: false, note: `sent ${encoding}, not ${scenario.encoding}` };
  }
  return { ok: true, headers };
}

/**
 * RFC 9110 §13.1: If-None-Match with the ETag the server gave; with no
 * ETag (or one it does not honour), If-Modified-Since with its
 * Last-Modified.
 */
async function verifyNotModified(base: URL, scenario: Scenario): Promise<Plan> {
  const url = new URL(scenario.path, base);
  const { headers } = await probe(url);
  const candidates: Array<[string, string | undefined]> = [
    ["If-None-Match", headers.etag],
    ["If-Modified-Since", headers["last-modified"]],
  ];
  const tried: string[] = [];
  for (const [name, value] of candidates) {
    if (value === undefined) continue;
    const { status } = await probe(url, { headers: { [name]: value } });
    if (status === 304) {
      const note = tried.length > 0 ? `${tried.join("; ")}; used ${name}` : undefined;
      return { ok: true, headers: { [name]: value }, note };
    }
    tried.push(`${name} got ${status}`);
  }
  return {
    ok: false,
    note: tried.length > 0 ? `no 304: ${tried.join("; ")}` : "no ETag and no Last-Modified",
  };
}

/**
 * What a finished wrk run says that verification could not: error
 * answers, socket errors, or bodies of the wrong size.
 *
 * @param scenario The scenario.
 * @param wrk The run's numbers.
 * @returns Short notes, none when all is well.
 */
export function anomalies(scenario: Scenario, wrk: WrkResult): string[] {
  const notes: string[] = [];
  if (scenario.status !== 404 && wrk.non2xx3xx > 0) notes.push(`${wrk.non2xx3xx} non-2xx/3xx`);
  if (wrk.socketErrors !== null) notes.push(`socket errors: ${wrk.socketErrors}`);
  if (wrk.requests === 0) notes.push("no request completed");
  const perRequest = wrk.requestsPerSec > 0 ? wrk.bytesPerSec / wrk.requestsPerSec : 0;
  // Transfer/sec counts headers too, so a body is seen when it exceeds them.
  if (scenario.status === 304 && perRequest >= 1024) notes.push("bodies seen on 304");
  if (scenario.size !== undefined && perRequest > 0 && perRequest < scenario.size * 0.99) {
    notes.push(`${Math.round(perRequest)} bytes per response`);
  }
  return notes;
}
