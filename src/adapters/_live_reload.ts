/**
 * Live reload: the root watched (one `node:fs` `watch()` per folder, see
 * `_tree_watcher.ts`), changes debounced and pushed to every open page as
 * Server-Sent Events on a reserved path.
 *
 * @module
 */

import type { Handler } from "../core/handler.ts";
import { LIVE_RELOAD_CLIENT } from "./_live_reload_client.ts";
import { TreeWatcher } from "./_tree_watcher.ts";

/** The event stream's path, reserved while live reload is on. */
export const LIVE_PATH = "/.fileserver/live";
/** The client script's path, reserved while live reload is on. */
export const LIVE_SCRIPT_PATH = "/.fileserver/live.js";
/**
 * What is inserted into HTML pages: a script tag, not inline code, so a
 * page whose Content-Security-Policy allows `'self'` scripts runs it.
 */
export const LIVE_SNIPPET = `<script src="${LIVE_SCRIPT_PATH}"></script>`;

/**
 * Changes are sent once the root has been quiet this long, so that an
 * editor's save (write a temporary file, rename it over the old one) is one
 * event.
 */
export const DEBOUNCE_MS = 75;
// ... but a file written without pause still gets news this often.
const MAX_DELAY_MS = 500;
// The browser reconnects this long after the stream ends (a restart).
const RETRY_MS = 500;

/** Options of {@linkcode LiveReload}. */
export interface LiveReloadOptions {
  /** The folder watched: an absolute path. */
  root: string;
  /** The URL path the root is served under (`""` for `/`). */
  urlRoot?: string;
  /**
   * How often an idle stream gets a comment line, so that a client gone
   * without a word is noticed (the write fails) and proxies keep it open.
   * @default {15000}
   */
  heartbeatMs?: number;
  /**
   * Called (once) when a folder cannot be watched: no inotify watches
   * left, no permission, the root removed. By default one line on stderr.
   */
  onError?: (error: unknown, folder: string) => void;
  /** Watch with one recursive watch rather than one per folder (see `_tree_watcher.ts`). */
  recursive?: boolean;
}

const encoder = new TextEncoder();

/**
 * One server's live reload: the watcher, the open event streams, and the
 * handler wrapper that answers the reserved paths.
 */
export class LiveReload {
  /** What `createFileHandler()` inserts into HTML pages (`htmlSnippet`). */
  readonly snippet: string = LIVE_SNIPPET;
  #root: string;
  #urlRoot: string;
  #heartbeatMs: number;
  #recursive: boolean;
  #onError: (error: unknown, folder: string) => void;
  // Tells a restarted server from the one a page last heard from.
  #startId = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  #seq = 0;
  #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #watcher: TreeWatcher | null = null;
  #pending = new Set<string>();
  #firstPending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: LiveReloadOptions) {
    this.#root = options.root;
    this.#urlRoot = options.urlRoot ?? "";
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#recursive = options.recursive ?? false;
    this.#onError = options.onError ?? ((error, folder) => {
      const e = error as { code?: string; message?: string } | null;
      const path = folder === "" ? this.#root : `${this.#root}/${folder}`;
      console.error(
        `Live reload cannot watch "${path}" (${e?.code ?? e?.message ?? error}): ` +
          "changes there do not reload pages",
      );
    });
  }

  /** Starts watching the root (once the server listens). */
  start(): void {
    if (this.#watcher !== null || this.#closed) return;
    this.#watcher = new TreeWatcher(this.#root, {
      onChange: (relative) => this.#changed(relative),
      ignored,
      onError: this.#onError,
      recursive: this.#recursive,
    });
  }

  /** Stops watching and ends every event stream at once (polite shutdown waits for none). */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) {
      try {
        client.close();
      } catch {
        // Cancelled by the client already.
      }
    }
    this.#clients.clear();
  }

  /**
   * Puts the reserved paths in front of `handler`.
   *
   * @param handler The file handler.
   * @returns A handler that answers {@linkcode LIVE_PATH} and
   *   {@linkcode LIVE_SCRIPT_PATH} itself.
   */
  wrap(handler: Handler): Handler {
    return (request) => {
      // A cheap look first: every request passes here.
      if (!request.url.includes("/.fileserver/live")) return handler(request);
      const path = URL.parse(request.url)?.pathname;
      if (path === LIVE_PATH) return this.#events(request);
      if (path === LIVE_SCRIPT_PATH) return script(request);
      return handler(request);
    };
  }

  #events(request: Request): Response {
    const refused = refusal(request);
    if (refused !== null) return refused;
    const headers = {
      "content-type": "text/event-stream",
      // no-transform: Deno.serve would otherwise gzip the stream, holding
      // events back in the compressor.
      "cache-control": "no-store, no-transform",
      "x-content-type-options": "nosniff",
    };
    if (request.method === "HEAD") return new Response(null, { headers });
    if (this.#closed) return new Response(null, { status: 503, headers: { "retry-after": "1" } });
    const id = `${this.#startId}-${this.#seq}`;
    // A page that reconnects to another server (a restart), or after
    // changes it missed, reloads.
    const last = request.headers.get("last-event-id");
    const first = last !== null && last !== id ? "reload" : "hello";
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const clients = this.#clients;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        clients.add(c);
        c.enqueue(encoder.encode(`retry: ${RETRY_MS}\nid: ${id}\nevent: ${first}\ndata: {}\n\n`));
        this.#heartbeat ??= setInterval(() => this.#send(":\n\n"), this.#heartbeatMs);
      },
      cancel: () => this.#drop(controller),
    });
    return new Response(body, { headers });
  }

  #drop(client: ReadableStreamDefaultController<Uint8Array>): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  #send(text: string): void {
    const bytes = encoder.encode(text);
    for (const client of this.#clients) {
      try {
        client.enqueue(bytes);
      } catch {
        this.#drop(client);
      }
    }
  }

  // `relative` is "" for the root itself: "/" reloads every page.
  #changed(relative: string): void {
    if (this.#closed) return;
    const path = this.#urlRoot + "/" + relative.split("/").map(encodeURIComponent).join("/");
    const now = Date.now();
    if (this.#pending.size === 0) this.#firstPending = now;
    this.#pending.add(path);
    clearTimeout(this.#timer);
    const wait = Math.min(DEBOUNCE_MS, this.#firstPending + MAX_DELAY_MS - now);
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, wait));
  }

  #flush(): void {
    const paths = [...this.#pending].sort();
    this.#pending.clear();
    this.#seq++;
    const data = JSON.stringify({ paths });
    this.#send(`id: ${this.#startId}-${this.#seq}\nevent: change\ndata: ${data}\n\n`);
  }
}

/**
 * Whether a change under the root is left unsaid: dotfiles and folders
 * (`.git`, editors' `.x.swp`), `node_modules`, and backups ending in `~`.
 *
 * @param relative The changed path below the root, `/`-separated.
 * @returns `true` when no page is told.
 */
export function ignored(relative: string): boolean {
  const segments = relative.split("/");
  return segments.some((s) => s.startsWith(".") || s === "node_modules") ||
    relative.endsWith("~");
}

function refusal(request: Request): Response | null {
  if (request.method === "GET" || request.method === "HEAD") return null;
  return new Response("Method Not Allowed\n", {
    status: 405,
    headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
  });
}

function script(request: Request): Response {
  const refused = refusal(request);
  if (refused !== null) return refused;
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-length": String(encoder.encode(LIVE_RELOAD_CLIENT).byteLength),
  };
  return new Response(request.method === "HEAD" ? null : LIVE_RELOAD_CLIENT, { headers });
}
