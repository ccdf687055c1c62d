/**
 * A one-line progress bar for downloads (bytes, rate, ETA), for terminals.
 *
 * @module
 */

import { formatBytes } from "../core/format_bytes.ts";

export { formatBytes };

// Redrawing more often than this only costs time.
const REDRAW_MS = 100;

/** Progress of one download. */
export class Progress {
  #done: number;
  readonly #total: number | null;
  readonly #started = performance.now();
  readonly #initial: number;
  #drawn = 0;

  /**
   * @param offset Bytes already on disk (a resumed download).
   * @param total The complete size, or `null` when unknown.
   */
  constructor(offset: number, total: number | null) {
    this.#done = offset;
    this.#initial = offset;
    this.#total = total;
  }

  /** Counts `bytes` more, and redraws through `write` when due. */
  add(bytes: number, write: (text: string) => void): void {
    this.#done += bytes;
    const now = performance.now();
    if (now - this.#drawn < REDRAW_MS) return;
    this.#drawn = now;
    write("\r" + this.line(now));
  }

  /** Draws the final state and ends the line. */
  finish(write: (line: string) => void): void {
    write("\r" + this.line(performance.now()));
  }

  /** The text of the bar at time `now` (ms, from performance.now()). */
  line(now: number): string {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const rate = (this.#done - this.#initial) / seconds;
    const size = formatBytes(this.#done);
    if (this.#total === null || this.#total === 0) return `${size}  ${formatBytes(rate)}/s`;
    const ratio = Math.min(this.#done / this.#total, 1);
    const width = 24;
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const eta = rate > 0 ? formatDuration((this.#total - this.#done) / rate) : "--:--";
    return `[${bar}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${size} of ` +
      `${formatBytes(this.#total)}  ${formatBytes(rate)}/s  ETA ${eta}`;
  }
}

/** `75` → `01:15`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  if (minutes >= 60) return `${Math.floor(minutes / 60)}:${two(minutes % 60)}:${two(total % 60)}`;
  return `${two(minutes)}:${two(total % 60)}`;
}
