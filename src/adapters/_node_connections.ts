/**
 * Tracks a Node server's connections so that shutdown can close idle ones at
 * once, let busy ones finish, and cut all of them after the grace period —
 * for HTTP/1 and HTTP/2 alike (`node:http2` servers have no
 * `closeIdleConnections()`) — and so that an HTTP/2 session with no open
 * stream is closed after the idle timeout.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Http2ServerRequest, Http2Session } from "node:http2";
import type { NodeRequest } from "./_node_bridge.ts";

/** An HTTP/2 session's open streams, and its idle timer while it has none. */
interface SessionState {
  streams: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The open connections of one server, and how busy each is. */
export class Connections {
  /** HTTP/1 sockets and their number of unfinished responses. */
  #sockets = new Map<Socket, number>();
  #sessions = new Map<Http2Session, SessionState>();
  #sessionOf = new WeakMap<NodeRequest, Http2Session>();
  #closing = false;
  #idleTimeoutMs: number;

  /**
   * @param idleTimeoutMs How long an HTTP/2 session may go without an open
   *   stream (0: for ever). HTTP/1 idle time is left to Node's
   *   `keepAliveTimeout`.
   */
  constructor(idleTimeoutMs: number) {
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  /** Starts tracking an accepted socket. */
  addSocket(socket: Socket): void {
    this.#sockets.set(socket, 0);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  /** Starts tracking an HTTP/2 session. */
  addSession(session: Http2Session): void {
    const state: SessionState = { streams: 0, timer: undefined };
    this.#sessions.set(session, state);
    session.once("close", () => {
      clearTimeout(state.timer);
      this.#sessions.delete(session);
    });
    if (this.#closing) session.close();
    // Armed from the start: a session that never opens a stream (or never
    // finishes a stream's header block) is idle too.
    else this.#armIdle(session, state);
  }

  /** Counts a request in: on its HTTP/1 socket, or its HTTP/2 session. */
  requestStarted(req: NodeRequest): void {
    if (isHttp2(req)) {
      const session = req.stream.session;
      if (session === undefined) return;
      // Node 24 has cleared stream.session by the time the response closes.
      this.#sessionOf.set(req, session);
      const state = this.#sessions.get(session);
      if (state === undefined) return;
      state.streams++;
      clearTimeout(state.timer);
      state.timer = undefined;
      return;
    }
    const socket = req.socket as Socket;
    const count = this.#sockets.get(socket);
    if (count !== undefined) this.#sockets.set(socket, count + 1);
  }

  /** Counts a response out, and closes its socket if shutdown left it idle. */
  responseEnded(req: NodeRequest): void {
    if (isHttp2(req)) {
      const session = this.#sessionOf.get(req);
      if (session === undefined) return;
      const state = this.#sessions.get(session);
      if (state === undefined) return;
      state.streams = Math.max(0, state.streams - 1);
      if (state.streams === 0) this.#armIdle(session, state);
      return;
    }
    const socket = req.socket as Socket;
    const count = this.#sockets.get(socket);
    if (count === undefined) return;
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
    for (const [session, state] of this.#sessions) {
      clearTimeout(state.timer);
      session.close();
    }
  }

  /** Cuts every connection still open. */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
    for (const session of this.#sessions.keys()) session.destroy();
  }

  // GOAWAY, then the session ends by itself: its streams are all closed.
  #armIdle(session: Http2Session, state: SessionState): void {
    if (this.#idleTimeoutMs === 0 || this.#closing) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (state.streams === 0) session.close();
    }, this.#idleTimeoutMs);
  }

  #endIfIdle(socket: Socket): void {
    if (this.#sockets.get(socket) === 0) socket.destroy();
  }
}

// An HTTP/2 request, told by its stream: not by its version, which an
// HTTP/1 request line may claim to be 2.0 or leave out (HTTP/0.9) before
// the adapter refuses it.
export function isHttp2(req: NodeRequest): req is Http2ServerRequest {
  return (req as { stream?: unknown }).stream !== undefined;
}
