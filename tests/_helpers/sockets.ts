/** Raw HTTP/1.1 over node:net, to control reading speed and connection reuse. */

import { connect, type Socket } from "node:net";

/** A raw connection to `url`'s host and port. */
export function openSocket(url: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves when `socket` closes, or with `false` after `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Reads from `socket` until it has `length` bytes after the header block, or closes. */
export function readResponse(
  socket: Socket,
  options: { bodyLength: number; slowMs?: number; onFirstData?: () => void },
): Promise<{ head: string; body: Uint8Array; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let headLength = -1;
    let first = true;
    const finish = () => {
      socket.off("data", onData);
      const all = concat(chunks, total);
      const head = headLength < 0 ? "" : new TextDecoder().decode(all.subarray(0, headLength));
      const body = headLength < 0 ? new Uint8Array(0) : all.subarray(headLength + 4);
      resolve({ head, body, complete: body.byteLength === options.bodyLength });
    };
    const onData = (data: Uint8Array) => {
      chunks.push(data);
      total += data.byteLength;
      if (first) {
        first = false;
        options.onFirstData?.();
      }
      if (headLength < 0) headLength = indexOfHeadEnd(concat(chunks, total));
      if (headLength >= 0 && total - headLength - 4 >= options.bodyLength) {
        socket.off("close", finish);
        finish();
        return;
      }
      if (options.slowMs !== undefined) {
        socket.pause();
        setTimeout(() => socket.resume(), options.slowMs);
      }
    };
    socket.on("data", onData);
    socket.once("close", finish);
  });
}

// Joins the chunks into one (and keeps only that), so that searching for
// the end of the header block stays linear.
export function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  chunks.length = 0;
  chunks.push(all);
  return all;
}

/** The offset of the CRLFCRLF that ends a header block, or -1. */
export function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}
