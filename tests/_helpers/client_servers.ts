/**
 * Real local servers for the user-agent tests: each origin records every
 * request it gets and answers by path. Built on the running runtime's own
 * adapter, bound on 127.0.0.1 port 0.
 */

import { runtimeServe } from "./adapter.ts";

/** A request as an origin received it. */
export interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** Answers one path. `seen` is the request with its body already read. */
export type Route = (seen: Seen) => Response | Promise<Response>;

/** A running origin. */
export interface Origin {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  origin: string;
  /** An absolute URL on this origin. */
  at(path: string): string;
  /** Every request received, in order. */
  seen: Seen[];
  /** Stops the server and waits until it has. */
  stop(): Promise<void>;
}

const serve = await runtimeServe();

// Every origin answers this path with its id, so that an alias host name
// can be checked to reach the server it should.
const WHO = "/__who";
let ids = 0;

/**
 * Starts an origin answering `routes` by exact pathname; other paths are 404.
 * A route may be added later by setting `routes[path]`.
 */
export async function startOrigin(routes: Record<string, Route>): Promise<Origin> {
  const id = String(++ids);
  const controller = new AbortController();
  const seen: Seen[] = [];
  const server = await serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
    handler: async (request) => {
      const url = new URL(request.url);
      if (url.pathname === WHO) return new Response(id);
      const entry = {
        method: request.method,
        url,
        headers: request.headers,
        body: await request.text(),
      };
      seen.push(entry);
      const route = routes[url.pathname];
      return route === undefined ? new Response("not found", { status: 404 }) : await route(entry);
    },
  });
  const origin = server.url.origin;
  return {
    origin,
    at: (path) => new URL(path, origin).href,
    seen,
    stop: async () => {
      controller.abort();
      await server.finished;
    },
  };
}

/** Stops every origin given. */
export async function stopAll(...origins: Array<Origin | null | undefined>): Promise<void> {
  await Promise.all(origins.map((origin) => origin?.stop()));
}

/**
 * The same server under `localhost` (another origin: the host differs),
 * when `localhost` reaches it on this machine under this runtime; null when
 * it resolves elsewhere first (e.g. ::1), so the caller binds a second server.
 */
export async function localhostAlias(origin: Origin): Promise<string | null> {
  const port = new URL(origin.origin).port;
  const alias = `http://localhost:${port}`;
  try {
    const ours = await (await fetch(origin.at(WHO))).text();
    const response = await fetch(alias + WHO, { signal: AbortSignal.timeout(2000) });
    return (await response.text()) === ours ? alias : null;
  } catch {
    return null;
  }
}

/** A response redirecting to `location`, with a short body of declared length. */
export function redirect(status: number, location: string): Response {
  return new Response("moved\n", { status, headers: { location, "content-length": "6" } });
}

/** A response that says what it received, as JSON. */
export function echo(seen: Seen): Response {
  return Response.json({
    method: seen.method,
    path: seen.url.pathname + seen.url.search,
    body: seen.body,
    contentType: seen.headers.get("content-type"),
    authorization: seen.headers.get("authorization"),
  });
}
