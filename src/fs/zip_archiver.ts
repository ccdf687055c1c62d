/**
 * The {@linkcode Archiver} port over `client-zip`: zip archives written as
 * they are read, on web streams alone, so Deno, Bun and Node run the same
 * code.
 *
 * @module
 */

import type { ArchiveEntry, Archiver } from "../core/archive.ts";
import type { FileBody } from "../core/fs.ts";

/**
 * An archiver that writes zip files: stored (files are sent as they are,
 * not compressed: most of what a server holds is compressed already, and
 * a client unpacks a stored zip at disk speed), names in UTF-8 (flag bit
 * 11), ZIP64 records for a file or an archive past 4 GiB, sizes and CRCs
 * in data descriptors, so that nothing is read twice or buffered.
 *
 * @returns The archiver.
 *
 * @example One file, read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { zipArchiver } from "./zip_archiver.ts";
 *
 * const bytes = new TextEncoder().encode("hello\n");
 * async function* entries() {
 *   yield { name: "a.txt", kind: "file" as const, mtimeMs: 0, size: 6, open: async () => bytes };
 * }
 * const zip = new Uint8Array(await new Response(zipArchiver().archive(entries())).arrayBuffer());
 * // A local file header, then the name.
 * assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
 * assert.equal(new TextDecoder().decode(zip.subarray(30, 35)), "a.txt");
 * ```
 */
export function zipArchiver(): Archiver {
  return { mediaType: "application/zip", extension: "zip", archive: zipStream };
}

type ClientZip = typeof import("client-zip");
let clientZip: Promise<ClientZip> | null = null;

// Loaded on the first download, not with the adapter: a Deno project that
// imports an adapter from a clone (no import map for client-zip) runs as
// before, and only a zip asked for there needs the package.
function loadClientZip(): Promise<ClientZip> {
  clientZip ??= import("client-zip").catch((error) => {
    clientZip = null;
    throw error;
  });
  return clientZip;
}

/** What `makeZip()` takes for one entry: a folder has no input. */
type ZipInput =
  | { name: string; lastModified: Date }
  | { name: string; lastModified: Date; input: Uint8Array }
  | { name: string; lastModified: Date; input: ReadableStream<Uint8Array> };

function zipStream(entries: AsyncIterable<ArchiveEntry>): ReadableStream<Uint8Array> {
  const source = entries[Symbol.asyncIterator]();
  let cancelled = false;
  // The file being read. client-zip 2.5.1 locks each input stream and, on
  // cancel, neither cancels it nor ends its own generator: the file's
  // descriptor would stay open. So it gets a stream of ours, and we keep
  // the reader of the file's to cancel.
  let reading: ReadableStreamDefaultReader<Uint8Array> | null = null;

  async function* inputs(): AsyncGenerator<ZipInput> {
    for (;;) {
      const next = await source.next();
      if (next.done || cancelled) return;
      const entry = next.value;
      const lastModified = new Date(entry.mtimeMs ?? Date.now());
      // client-zip takes an entry with neither input nor size for a folder.
      if (entry.kind === "directory") {
        yield { name: entry.name, lastModified };
        continue;
      }
      const body = await entry.open();
      if (body === null) continue;
      if (cancelled) return await release(body);
      if (body instanceof Uint8Array) {
        yield { name: entry.name, lastModified, input: body };
        continue;
      }
      const reader = (body instanceof Blob ? body.stream() : body).getReader();
      reading = reader;
      yield {
        name: entry.name,
        lastModified,
        input: passThrough(reader, () => {
          reading = null;
        }),
      };
    }
  }

  const zip = loadClientZip().then(({ makeZip }) =>
    makeZip(inputs(), { buffersAreUTF8: true }).getReader()
  );
  const stop = async (reason: unknown) => {
    cancelled = true;
    const file = reading;
    reading = null;
    await Promise.allSettled([
      file?.cancel(reason),
      zip.then((reader) => reader.cancel(reason)),
      source.return?.(),
    ]);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk;
      try {
        chunk = await (await zip).read();
      } catch (error) {
        await stop(error);
        throw error;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: stop,
  }, { highWaterMark: 0 });
}

/** A stream of `reader`'s chunks, pulled one at a time. */
function passThrough(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        onEnd();
        controller.close();
      } else controller.enqueue(value);
    },
  }, { highWaterMark: 0 });
}

async function release(body: FileBody): Promise<void> {
  if (body instanceof ReadableStream) await body.cancel().catch(() => {});
}
