/**
 * The soak's traffic: a mix of the requests a public file server meets
 * (keep-alive and not, ranges, conditionals, 404s, HEAD, clients that leave
 * mid-body or before the answer, readers that pause, senders that trickle
 * their headers), each checked against what the site holds. Everything is
 * bounded by a deadline and a request budget, and `close()` ends every
 * connection the traffic opened.
 *
 * @module
 */

import { Agent } from "node:http";
import type { Socket } from "node:net";
import { abortEarly, checkedRequest, type Expect, slowloris } from "./_soak_clients.ts";

/** A file of the soak site: its path and size, and validators once known. */
export interface SiteFile {
  path: string;
  size: number;
  etag?: string;
  lastModified?: string;
}

/** What the traffic did and saw. */
export interface Tally {
  /** Requests started (the slowloris connections not counted). */
  requests: number;
  /** Responses read to their end and checked. */
  completed: number;
  /** Requests the client gave up on by design. */
  aborted: number;
  /** A reused keep-alive connection that the server had just closed. */
  resets: number;
  /** Any other network error or timeout. */
  errors: number;
  /** A response with the wrong status or length. */
  mismatches: number;
  /** Slowloris connections opened (each trickles until the server closes it). */
  slowloris: number;
  /** The first problems seen, for the report. */
  problems: string[];
}

type Kind =
  | "small"
  | "large"
  | "abortMidBody"
  | "abortEarly"
  | "range"
  | "conditional"
  | "notFound"
  | "head"
  | "slowReader"
  | "close";

// Relative weights of each kind of request.
const MIX: Array<[Kind, number]> = [
  ["small", 30],
  ["large", 4],
  ["abortMidBody", 8],
  ["abortEarly", 6],
  ["range", 12],
  ["conditional", 12],
  ["notFound", 10],
  ["head", 6],
  ["slowReader", 4],
  ["close", 8],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);

/** mulberry32: a small seeded generator, so that a run's mix can be repeated. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One run of traffic against `url`; `close()` ends it. */
export class Traffic {
  readonly tally: Tally = {
    requests: 0,
    completed: 0,
    aborted: 0,
    resets: 0,
    errors: 0,
    mismatches: 0,
    slowloris: 0,
    problems: [],
  };
  #url: URL;
  #files: SiteFile[];
  #random: () => number;
  #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  #sockets = new Set<Socket>();
  #closed = false;

  constructor(url: URL, files: SiteFile[], seed: number) {
    this.#url = url;
    this.#files = files;
    this.#random = generator(seed);
  }

  /**
   * Runs `workers` request loops and `slowloris` trickling connections
   * until `deadline` (a `Date.now()` time) or `maxRequests`.
   */
  async run(options: {
    deadline: number;
    workers: number;
    slowloris: number;
    maxRequests: number;
  }): Promise<void> {
    const loops = Array.from({ length: options.workers }, async () => {
      while (!this.#closed && Date.now() < options.deadline) {
        if (this.tally.requests >= options.maxRequests) return;
        await this.#one(this.#pick());
      }
    });
    const crowd = Array.from({ length: options.slowloris }, async () => {
      while (!this.#closed && Date.now() < options.deadline) {
        await this.#slowloris(options.deadline);
      }
    });
    await Promise.all([...loops, ...crowd]);
  }

  /** Ends every connection the traffic holds. */
  close(): void {
    this.#closed = true;
    this.#agent.destroy();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #pick(): Kind {
    let roll = this.#random() * TOTAL_WEIGHT;
    for (const [kind, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return "small";
  }

  #file(predicate: (file: SiteFile) => boolean): SiteFile {
    const files = this.#files.filter(predicate);
    return files[Math.floor(this.#random() * files.length)];
  }

  #problem(kind: string, text: string): void {
    if (this.tally.problems.length < 20) this.tally.problems.push(`${kind}: ${text}`);
  }

  #one(kind: Kind): Promise<void> {
    this.tally.requests++;
    const small = (file: SiteFile) => file.size <= 64 * 1024;
    const large = (file: SiteFile) => file.size > 1024 * 1024;
    switch (kind) {
      case "small": {
        const file = this.#file(small);
        return this.#get(kind, file.path, {}, { status: 200, length: file.size });
      }
      case "large": {
        const file = this.#file(large);
        return this.#get(kind, file.path, {}, { status: 200, length: file.size });
      }
      case "abortMidBody": {
        const file = this.#file(large);
        const after = Math.floor(this.#random() * file.size * 0.8);
        return this.#get(kind, file.path, {}, { status: 200, abortAfter: after });
      }
      case "abortEarly":
        return this.#abortEarly();
      case "range":
        return this.#range();
      case "conditional":
        return this.#conditional();
      case "notFound":
        return this.#get(kind, `/missing-${Math.floor(this.#random() * 1e6)}.txt`, {}, {
          status: 404,
        });
      case "head": {
        const file = this.#file(() => true);
        return this.#get(kind, file.path, {}, { status: 200, length: 0, method: "HEAD" });
      }
      case "slowReader": {
        const file = this.#file((f) => f.size > 64 * 1024 && f.size <= 4 * 1024 * 1024);
        return this.#get(kind, file.path, {}, { status: 200, length: file.size, pauses: 3 });
      }
      case "close": {
        const file = this.#file(small);
        return this.#get(kind, file.path, { connection: "close" }, {
          status: 200,
          length: file.size,
          fresh: true,
        });
      }
    }
  }

  #range(): Promise<void> {
    const file = this.#file((f) => f.size > 1024);
    const start = Math.floor(this.#random() * (file.size - 1));
    const end = Math.min(file.size - 1, start + Math.floor(this.#random() * 100_000));
    const roll = this.#random();
    if (roll < 0.5) {
      return this.#get("range", file.path, { range: `bytes=${start}-${end}` }, {
        status: 206,
        length: end - start + 1,
      });
    }
    if (roll < 0.7) {
      const n = 1 + Math.floor(this.#random() * Math.min(file.size, 5000));
      return this.#get("range", file.path, { range: `bytes=-${n}` }, { status: 206, length: n });
    }
    if (roll < 0.9) {
      // Far apart, so that they are not coalesced: multipart/byteranges.
      return this.#get("range", file.path, { range: `bytes=0-9,${file.size - 10}-` }, {
        status: 206,
      });
    }
    return this.#get("range", file.path, { range: `bytes=${file.size}-` }, { status: 416 });
  }

  #conditional(): Promise<void> {
    const file = this.#file((f) => f.etag !== undefined);
    const roll = this.#random();
    if (roll < 0.45) {
      return this.#get("conditional", file.path, { "if-none-match": file.etag! }, { status: 304 });
    }
    if (roll < 0.8) {
      return this.#get("conditional", file.path, { "if-modified-since": file.lastModified! }, {
        status: 304,
      });
    }
    return this.#get("conditional", file.path, { "if-none-match": '"stale"' }, {
      status: 200,
      length: file.size,
    });
  }

  #get(kind: string, path: string, headers: Record<string, string>, expect: Expect): Promise<void> {
    return checkedRequest(new URL(path, this.#url), {
      headers,
      expect,
      agent: expect.fresh ? false : this.#agent,
      random: this.#random,
    }).then(({ outcome, problem }) => {
      this.tally[outcome]++;
      if (problem !== undefined) this.#problem(kind, problem);
    });
  }

  #abortEarly(): Promise<void> {
    const file = this.#file(() => true);
    return abortEarly(this.#url, file.path, this.#random, this.#sockets).then(() => {
      this.tally.aborted++;
    });
  }

  #slowloris(deadline: number): Promise<void> {
    this.tally.slowloris++;
    return slowloris(this.#url, () => this.#closed || Date.now() >= deadline, this.#sockets);
  }
}
