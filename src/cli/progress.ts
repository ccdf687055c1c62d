/**
 * A one-line progress bar for downloads (bytes, rate, ETA), for terminals.
 *
 * @module
 */

import { formatBytes } from "../core/format_bytes.ts";

export { formatBytes };

// Redrawing more often than this only costs time.
const REDRAW_MS = 100;
// Erase to the end of the line (ECMA-48 EL): a shorter line drawn over a
// longer one would otherwise keep the longer one's tail ("ETA 00:0000").
const CLEAR_TO_END = "\x1b[K";

/** Progress of one download. */
export class Progress {
  #done: number;
  readonly #total: number | null;
  readonly #started = performance.now();
  readonly #initial: number;
  #drawn = -Infinity;
  // A line is on screen that no newline has ended yet.
  #open = false;

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
    this.#open = true;
    write("\r" + this.line(now) + CLEAR_TO_END);
  }

  /** Draws the final state; `writeLine` ends the line. */
  finish(writeLine: (line: string) => void): void {
    this.#open = false;
    writeLine("\r" + this.line(performance.now()) + CLEAR_TO_END);
  }

  /**
   * Ends the line of a bar cut short, so that an error message printed next
   * starts on a clean line; writes nothing when no bar is on screen.
   */
  interrupt(write: (text: string) => void): void {
    if (!this.#open) return;
    this.#open = false;
    write("\n");
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
