/**
 * Steady client load for the cluster tests: a request started every
 * `1000 / rate` ms (not one after another, so a slow answer does not slow
 * the load), each body checked against its SHA-256.
 */

import { createHash } from "node:crypto";

/** What a run of steady load saw. */
export interface LoadResult {
  sent: number;
  ok: number;
  /** Each failed request: when (ms from the start) and why. */
  failures: Array<{ at: number; reason: string }>;
  /** Answers per `X-Replica`. */
  replicas: Record<string, number>;
  /** When (ms from the start) each replica answered last. */
  lastSeen: Record<string, number>;
}

/** The hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Sends GETs for `paths` (in turn) to `base` at `rate` per second until
 * `stop` aborts, and waits for every one to end.
 */
export async function steadyLoad(
  base: URL,
  expected: Record<string, string>,
  options: { rate: number; stop: AbortSignal },
): Promise<LoadResult> {
  const paths = Object.keys(expected);
  const result: LoadResult = { sent: 0, ok: 0, failures: [], replicas: {}, lastSeen: {} };
  const start = performance.now();
  const pending = new Set<Promise<void>>();
  const one = async (path: string) => {
    try {
      const response = await fetch(new URL(path, base), { signal: AbortSignal.timeout(10_000) });
      const body = new Uint8Array(await response.arrayBuffer());
      const replica = response.headers.get("x-replica") ?? "?";
      if (response.status !== 200) throw new Error(`status ${response.status} from ${replica}`);
      if (sha256(body) !== expected[path]) throw new Error(`wrong body from ${replica}`);
      result.ok++;
      result.replicas[replica] = (result.replicas[replica] ?? 0) + 1;
      result.lastSeen[replica] = performance.now() - start;
    } catch (error) {
      result.failures.push({ at: performance.now() - start, reason: `${path}: ${error}` });
    }
  };
  while (!options.stop.aborted) {
    const due = start + (result.sent * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    if (options.stop.aborted) break;
    const request = one(paths[result.sent % paths.length]);
    result.sent++;
    pending.add(request);
    request.finally(() => pending.delete(request));
  }
  await Promise.all(pending);
  return result;
}
