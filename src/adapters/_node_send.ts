/**
 * Sending a body through a Node response with backpressure: a file from
 * reused buffers, or the chunks of a web stream.
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { closeSync } from "node:fs";
import type { FileSource } from "../fs/node.ts";
import { readAt } from "../fs/_node_fs.ts";
import type { NodeResponse } from "./_node_bridge.ts";

/**
 * A response's content bytes, kept only when `onResponseDone` is set:
 * `queued` given to the response, `flushed` taken by the socket (counted in
 * write callbacks). A finished response sent all it queued; a cut one, what
 * it flushed.
 */
export interface Meter {
  queued: number;
  flushed: number;
  /** Date.now() and performance.now() at the request's arrival. */
  startTime: number;
  started: number;
  remoteAddress: string | null;
}

/** Where a response's {@linkcode Meter} is kept. */
export const METER: unique symbol = Symbol("meter");

/**
 * The meter of `res`, or `undefined` when no one asked for one.
 *
 * @param res The response.
 * @returns Its meter.
 */
export function meterOf(res: NodeResponse): Meter | undefined {
  return (res as { [METER]?: Meter })[METER];
}

/**
 * Sends the file range `source` as the rest of `res`, closing its descriptor.
 * A file goes to the socket from two 1 MiB buffers used in turn, skipping
 * web streams: each buffer is read into again only once the socket has
 * taken what was last written from it. A download then allocates nothing
 * per chunk (with a fresh buffer per read, serving 1 GiB grew RSS by
 * 66 MiB before the collector caught up) and keeps at most 2 MiB in
 * flight; 1 MiB reads sent 10 MiB files at 1.2 of sirv's rate against 0.7
 * with Node's 64 KiB (bench/README.md).
 */
export async function sendFile(source: FileSource, res: NodeResponse): Promise<void> {
  const { fd } = source;
  const meter = meterOf(res);
  const buffers = [new Uint8Array(FILE_READ_SIZE), new Uint8Array(FILE_READ_SIZE)];
  const written: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  const closed = new Promise<void>((resolve) => res.once("close", resolve));
  const end = source.end + 1;
  let position = source.start;
  try {
    for (let turn = 0; position < end; turn ^= 1) {
      await Promise.race([written[turn], closed]);
      if (res.destroyed) return;
      const length = Math.min(FILE_READ_SIZE, end - position);
      const bytesRead = await readAt(fd, buffers[turn].subarray(0, length), position);
      // Truncated while being sent: cut the connection, so that the client
      // sees a short body rather than a complete one.
      if (bytesRead === 0) throw new Error("file shrank while being sent");
      position += bytesRead;
      if (meter !== undefined) meter.queued += bytesRead;
      written[turn] = new Promise((resolve, reject) => {
        (res as ServerResponse).write(buffers[turn].subarray(0, bytesRead), (error) => {
          if (error) return reject(error);
          if (meter !== undefined) meter.flushed += bytesRead;
          resolve();
        });
      });
      written[turn].catch(() => {});
    }
    await Promise.race([Promise.all(written), closed]);
    if (!res.destroyed) res.end();
  } catch (error) {
    res.destroy(error as Error);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}

const FILE_READ_SIZE = 1024 * 1024;

/** The chunks of a web stream, as an async iterable. */
export async function* chunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  while (true) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/**
 * Copies chunks to the response. write() returning false means the socket
 * buffer is full: wait for drain (or close) before reading more, so memory
 * stays bounded whatever the client's speed. `stop` releases the source
 * when the client leaves.
 */
export async function pump(
  source: AsyncIterable<Uint8Array> | Readable,
  res: NodeResponse,
  stop: () => void,
): Promise<void> {
  res.once("close", stop);
  const meter = meterOf(res);
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      if (res.destroyed) break;
      if (meter !== undefined) meter.queued += chunk.byteLength;
      const flushed = meter === undefined ? undefined : (error?: Error | null) => {
        if (!error) meter.flushed += chunk.byteLength;
      };
      if (!(res as ServerResponse).write(chunk, flushed)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    res.destroy(error as Error);
  } finally {
    res.off("close", stop);
    if (res.destroyed) stop();
  }
}

function drained(res: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
