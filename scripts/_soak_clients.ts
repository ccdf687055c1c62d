/**
 * The soak's clients, one request or connection each: a request checked
 * against its expected status and length (and given up on, or read with
 * pauses, when asked); a request dropped before its answer; a connection
 * that trickles its header block.
 *
 * @module
 */

import { type Agent, type IncomingMessage, request } from "node:http";
import { connect, type Socket } from "node:net";

/** What a request must get, and how the client behaves while reading. */
export interface Expect {
  status: number;
  /** Body bytes; unchecked when absent. */
  length?: number;
  method?: string;
  /** Drop the connection once this many body bytes arrived. */
  abortAfter?: number;
  /** Stop reading for a while, up to this many times. */
  pauses?: number;
  /** A connection of its own (`Connection: close`), not the pool's. */
  fresh?: boolean;
}

/** How a request ended. */
export type Outcome = "completed" | "aborted" | "resets" | "errors" | "mismatches";

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Sends one request and checks its answer.
 *
 * @returns The outcome, and what went wrong when it was a problem.
 */
export function checkedRequest(url: URL, options: {
  headers: Record<string, string>;
  expect: Expect;
  agent: Agent | false;
  random: () => number;
}): Promise<{ outcome: Outcome; problem?: string }> {
  const { expect, random } = options;
  const where = `${url.pathname} ${JSON.stringify(options.headers)}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome, problem?: string) => {
      if (done) return;
      done = true;
      resolve({ outcome, problem });
    };
    const req = request(url, {
      method: expect.method ?? "GET",
      headers: options.headers,
      agent: options.agent,
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy();
      finish("errors", `${where}: no answer in ${REQUEST_TIMEOUT_MS} ms`);
    });
    req.on("error", (error: Error & { code?: string }) => {
      // The server closed an idle kept-alive connection as it was reused.
      if (req.reusedSocket && error.code === "ECONNRESET") return finish("resets");
      finish("errors", `${where}: ${error.code ?? error.message}`);
    });
    req.on("response", (res: IncomingMessage) => {
      if (res.statusCode !== expect.status) {
        res.resume();
        return finish("mismatches", `${where}: ${res.statusCode}`);
      }
      let received = 0;
      let pauses = expect.pauses ?? 0;
      res.on("data", (chunk: Uint8Array) => {
        received += chunk.byteLength;
        if (expect.abortAfter !== undefined && received >= expect.abortAfter) {
          req.destroy();
          return finish("aborted");
        }
        if (pauses > 0 && random() < 0.05) {
          // A reader that stops for a while (under Bun's 10 s idle limit).
          pauses--;
          res.pause();
          setTimeout(() => res.resume(), 200 + Math.floor(random() * 1300));
        }
      });
      res.on("end", () => {
        if (expect.length !== undefined && received !== expect.length) {
          return finish("mismatches", `${where}: ${received} of ${expect.length} bytes`);
        }
        finish("completed");
      });
      res.on("error", () => finish(expect.abortAfter === undefined ? "errors" : "aborted"));
    });
    req.end();
  });
}

/**
 * Writes a request for `path`, whole or cut inside its header block, then
 * drops the connection before (or just as) the answer comes.
 *
 * @param sockets Where the connection is kept while open, so that it can be
 *   ended from outside.
 */
export function abortEarly(
  url: URL,
  path: string,
  random: () => number,
  sockets: Set<Socket>,
): Promise<void> {
  const whole = random() < 0.5;
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${whole ? "\r\n" : "Accept: "}`);
      setTimeout(() => socket.destroy(), Math.floor(random() * 5));
    });
    socket.on("error", () => {});
    socket.once("close", () => {
      sockets.delete(socket);
      resolve();
    });
    sockets.add(socket);
  });
}

/**
 * A connection that sends a header line two bytes a second until the
 * server closes it or `stop()` says so; resolves 100 ms after it closed.
 */
export function slowloris(url: URL, stop: () => boolean, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      timer = setInterval(() => {
        if (stop()) socket.destroy();
        else socket.write("a");
      }, 500);
    });
    socket.on("error", () => {});
    socket.resume();
    socket.once("close", () => {
      clearInterval(timer);
      sockets.delete(socket);
      // Not at once: a server that refuses at once must not spin the loop.
      setTimeout(resolve, 100);
    });
    sockets.add(socket);
  });
}
