/**
 * Resuming a cut download: a Range request validated with If-Range.
 *
 * While a download runs, a small marker file beside the output
 * (`FILE.fileserver-resume`) records the URL and the response's validator;
 * it is removed when the download completes. `--continue` sends
 * `Range: bytes=SIZE-` with `If-Range: VALIDATOR`, so a server whose file
 * changed sends the whole new file (200) instead of a mismatched tail.
 *
 * @module
 */

import { promises as fsp } from "node:fs";

/** What is known about a partial file. */
export interface PartialFile {
  /** Bytes already on disk. */
  size: number;
  /** The validator recorded when the download began, if any. */
  validator: string | null;
}

/** How to write a response given what was asked. */
export interface ResumeState {
  /** Append (206 continuing the partial file) or write from the start. */
  append: boolean;
  /** Bytes already on disk that the body continues. */
  offset: number;
  /** The complete size, when known. */
  total: number | null;
  /** Nothing is left to fetch: the partial file is whole already. */
  complete: boolean;
  /** The validator to record for a later resume. */
  validator: string | null;
}

/** The marker file that remembers a download's URL and validator. */
export class ResumeFile {
  readonly #path: string;
  readonly #url: string;

  constructor(output: string, url: URL) {
    this.#path = `${output}.fileserver-resume`;
    this.#url = url.href;
  }

  /**
   * Reads what is on disk for `output`, or `null` when there is no file.
   * The validator counts only when it was recorded for the same URL.
   */
  async read(output: string): Promise<PartialFile | null> {
    let size: number;
    try {
      size = (await fsp.stat(output)).size;
    } catch {
      return null;
    }
    let validator: string | null = null;
    try {
      const saved = JSON.parse(await fsp.readFile(this.#path, "utf8"));
      if (saved.url === this.#url && typeof saved.validator === "string") {
        validator = saved.validator;
      }
    } catch {
      // No marker: the file was complete, or not ours to resume.
    }
    return { size, validator };
  }

  /** Records the validator while the download is under way. */
  async write(validator: string | null): Promise<void> {
    if (validator === null) return;
    await fsp.writeFile(this.#path, JSON.stringify({ url: this.#url, validator }));
  }

  /** Removes the marker once the file is whole. */
  async remove(): Promise<void> {
    await fsp.rm(this.#path, { force: true });
  }
}

/**
 * The request headers that resume `partial`: only with a recorded
 * validator, since a Range without If-Range could splice two versions.
 */
export function resumeHeaders(partial: PartialFile): Array<[string, string]> {
  if (partial.validator === null || partial.size === 0) return [];
  return [["range", `bytes=${partial.size}-`], ["if-range", partial.validator]];
}

/**
 * Decides how to write `response`: append for a 206 that starts where the
 * partial file ends; done for a 416 whose size equals the partial file's;
 * from the start otherwise.
 */
export function resumeStateOf(response: Response, partial: PartialFile | null): ResumeState {
  const validator = strongValidator(response.headers);
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (partial !== null && response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (range !== null && Number(range[1]) === partial.size) {
      const total = range[3] === "*" ? null : Number(range[3]);
      return { append: true, offset: partial.size, total, complete: false, validator };
    }
  }
  if (partial !== null && response.status === 416) {
    const total = /^bytes \*\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
    if (total !== null && Number(total[1]) === partial.size) {
      return { append: true, offset: partial.size, total: partial.size, complete: true, validator };
    }
  }
  return {
    append: false,
    offset: 0,
    total: Number.isFinite(length) ? length : null,
    complete: false,
    validator,
  };
}

// If-Range needs a strong validator (RFC 9110 §13.1.5): a strong ETag, or
// else Last-Modified.
function strongValidator(headers: Headers): string | null {
  const etag = headers.get("etag");
  if (etag !== null && etag.startsWith('"')) return etag;
  return headers.get("last-modified");
}
