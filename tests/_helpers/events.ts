/** A Server-Sent Events client for the live reload suites. */

/** One event as parsed from the stream. */
export interface ServerEvent {
  event: string;
  id: string | null;
  data: string;
  retry: number | null;
}

/** An open event stream. */
export interface EventStream {
  response: Response;
  /** The next event (comments skipped), or rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ServerEvent>;
  /** Events that arrive within `ms`. */
  collect(ms: number): Promise<ServerEvent[]>;
  /** Resolves `true` once the server ends the stream within `ms`. */
  ended(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens `url` as an event stream. */
export async function openEvents(url: URL, headers: HeadersInit = {}): Promise<EventStream> {
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
  if (response.body === null) throw new Error(`no body (${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const queue: ServerEvent[] = [];
  let buffer = "";
  let done = false;
  let wake = () => {};
  const pump = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value;
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = parse(block);
          if (parsed !== null) queue.push(parsed);
        }
        wake();
      }
    } catch {
      // Cancelled or cut.
    }
    done = true;
    wake();
  })();
  const waitFor = async (ready: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  };
  return {
    response,
    async next(timeoutMs = 5_000) {
      if (!await waitFor(() => queue.length > 0 || done, timeoutMs) || queue.length === 0) {
        throw new Error(`no event within ${timeoutMs} ms (ended: ${done})`);
      }
      return queue.shift()!;
    },
    async collect(ms) {
      await waitFor(() => done, ms);
      return queue.splice(0);
    },
    ended: (ms) => waitFor(() => done, ms),
    async close() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

function parse(block: string): ServerEvent | null {
  const event: ServerEvent = { event: "message", id: null, data: "", retry: null };
  let any = false;
  for (const line of block.split("\n")) {
    if (line.startsWith(":") || line === "") continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    any = true;
    if (field === "event") event.event = value;
    else if (field === "id") event.id = value;
    else if (field === "data") event.data += (event.data === "" ? "" : "\n") + value;
    else if (field === "retry") event.retry = Number(value);
  }
  return any ? event : null;
}
