/**
 * Tracks a Node server's connections so that shutdown can close idle ones at
 * once, let busy ones finish, and cut all of them after the grace period —
 * for HTTP/1 and HTTP/2 alike (`node:http2` servers have no
 * `closeIdleConnections()`).
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Http2Session } from "node:http2";
import type { NodeRequest } from "./_node_bridge.ts";

/** The open connections of one server, and how busy each is. */
export class Connections {
  /** HTTP/1 sockets and their number of unfinished responses. */
  #sockets = new Map<Socket, number>();
  #sessions = new Set<Http2Session>();
  #closing = false;

  /** Starts tracking an accepted socket. */
  addSocket(socket: Socket): void {
    this.#sockets.set(socket, 0);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  /** Starts tracking an HTTP/2 session. */
  addSession(session: Http2Session): void {
    this.#sessions.add(session);
    session.once("close", () => this.#sessions.delete(session));
    if (this.#closing) session.close();
  }

  /** Counts a request in (HTTP/2 streams are the session's business). */
  requestStarted(req: NodeRequest): void {
    const socket = req.socket as Socket;
    const count = this.#sockets.get(socket);
    if (req.httpVersionMajor === 1 && count !== undefined) this.#sockets.set(socket, count + 1);
  }

  /** Counts a response out, and closes its socket if shutdown left it idle. */
  responseEnded(req: NodeRequest): void {
    const socket = req.socket as Socket;
    const count = this.#sockets.get(socket);
    if (req.httpVersionMajor !== 1 || count === undefined) return;
    this.#sockets.set(socket, Math.max(0, count - 1));
    // Deferred: the response's last bytes are still being flushed.
    if (this.#closing && count <= 1) setImmediate(() => this.#endIfIdle(socket));
  }

  /**
   * Begins shutdown: idle HTTP/1 sockets end now, HTTP/2 sessions get
   * GOAWAY (their open streams finish), busy sockets end after their
   * response.
   */
  closeIdle(): void {
    this.#closing = true;
    for (const socket of this.#sockets.keys()) this.#endIfIdle(socket);
    for (const session of this.#sessions) session.close();
  }

  /** Cuts every connection still open. */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
    for (const session of this.#sessions) session.destroy();
  }

  #endIfIdle(socket: Socket): void {
    if (this.#sockets.get(socket) === 0) socket.destroy();
  }
}
