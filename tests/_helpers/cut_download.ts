/** A client that leaves in the middle of a download. */

import { connect } from "node:net";

/**
 * Asks for `path` over a raw socket, reads a little more than 256 KiB of
 * the answer, then destroys the socket.
 *
 * @param url The server.
 * @param path The path to fetch.
 * @param fields Extra header lines, e.g. `["Authorization: Basic …"]`.
 */
export function cutDownload(url: URL, path: string, fields: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), "127.0.0.1", () => {
      const head = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, ...fields].join("\r\n");
      socket.write(`${head}\r\n\r\n`);
    });
    let received = 0;
    socket.on("data", (chunk) => {
      received += chunk.length;
      if (received > 256 * 1024) {
        socket.destroy();
        resolve();
      }
    });
    socket.on("error", reject);
  });
}
