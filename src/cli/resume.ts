/**
 * Resuming a cut download: a Range request validated with If-Range.
 *
 * While a download runs, a small record beside the output
 * (`FILE.fileserver-resume`) keeps the URL, the response's validator and the
 * complete size; it is removed when the download completes. `--continue`
 * sends `Range: bytes=SIZE-` with `If-Range: VALIDATOR`, so a server whose
 * file changed sends the whole new file (200) instead of a mismatched tail.
 * Bytes that cannot be checked against the server's are never spliced: with
 * no usable record, or one without a validator, the file is fetched whole.
 *
 * @module
 */

import { promises as fsp } from "node:fs";
import { fileReason, isNotFound } from "./file_error.ts";
import { CliError } from "./io.ts";

/** What `FILE.fileserver-resume` holds. */
export interface ResumeRecord {
  /** The URL the download was asked for. */
  url: string;
  /** The strong validator of the response, or `null` when it had none. */
  validator: string | null;
  /** The complete size, or `null` when the server did not say. */
  total: number | null;
}

/** What is known about a partial file. */
export interface PartialFile {
  /** The file, as the user named it. */
  path: string;
  /** Bytes already on disk. */
  size: number;
  /** The record for this URL, or `null` when there is none to use. */
  record: ResumeRecord | null;
  /** Why a record on disk was not used (`not valid JSON`), or `null`. */
  ignored: string | null;
}

/** What `--continue` does before asking the server anything. */
export interface ResumePlan {
  /** Request headers that ask for the rest; none means the whole file. */
  headers: Array<[string, string]>;
  /** A line for stderr when the file cannot be resumed, or `null`. */
  notice: string | null;
  /** The record shows the file whole already: nothing to fetch. */
  complete: boolean;
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
  /** A line for stderr when a Range request was answered with the whole file. */
  notice: string | null;
}

/** The record file that remembers a download's URL, validator and size. */
export class ResumeFile {
  readonly #output: string;
  readonly #url: string;

  constructor(output: string, url: URL) {
    this.#output = output;
    this.#url = url.href;
  }

  /** The output file, as the user named it. */
  get output(): string {
    return this.#output;
  }

  /** The record file's path. */
  get path(): string {
    return `${this.#output}.fileserver-resume`;
  }

  /**
   * Reads what is on disk for the output, or `null` when there is no file.
   * A record counts only when it was written for the same URL.
   */
  async read(): Promise<PartialFile | null> {
    let size: number;
    try {
      size = (await fsp.stat(this.#output)).size;
    } catch {
      return null;
    }
    const partial: PartialFile = { path: this.#output, size, record: null, ignored: null };
    let text: string;
    try {
      text = await fsp.readFile(this.path, "utf8");
    } catch (error) {
      // No record: the file was complete, or not ours to resume.
      if (isNotFound(error)) return partial;
      return { ...partial, ignored: `cannot read it (${fileReason(error)})` };
    }
    const record = parseRecord(text);
    if (typeof record === "string") return { ...partial, ignored: record };
    if (record.url !== this.#url) return { ...partial, ignored: `it is for ${record.url}` };
    return { ...partial, record };
  }

  /** Records the validator and size while the download is under way. */
  async write(state: { validator: string | null; total: number | null }): Promise<void> {
    const record: ResumeRecord = { url: this.#url, validator: state.validator, total: state.total };
    await fsp.writeFile(this.path, JSON.stringify(record));
  }

  /** Removes the record once the file is whole. */
  async remove(): Promise<void> {
    await fsp.rm(this.path, { force: true });
  }
}

// The reason `text` is not a record, or the record. `total` may be absent:
// records written before it existed hold only the URL and validator.
function parseRecord(text: string): ResumeRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a resume record";
  }
  const { url, validator, total = null } = value as Record<string, unknown>;
  if (
    typeof url !== "string" || (typeof validator !== "string" && validator !== null) ||
    (total !== null && !(Number.isSafeInteger(total) && (total as number) >= 0))
  ) {
    return "not a resume record";
  }
  return { url, validator, total: total as number | null };
}

/**
 * Decides how `--continue` asks for `partial`: the rest, validated with
 * If-Range; nothing, when the record shows it whole; or the whole file,
 * with a notice saying why.
 *
 * @param partial What {@linkcode ResumeFile.read} found.
 * @returns The plan.
 * @throws {CliError} When the file is larger than its record's total.
 *
 * @example The rest, nothing, or a refusal
 * ```ts
 * import assert from "node:assert/strict";
 * import { planResume } from "./resume.ts";
 *
 * const record = { url: "http://127.0.0.1:8000/a.bin", validator: '"v1"', total: 100 };
 * const at = (size: number) => planResume({ path: "a.bin", size, record, ignored: null });
 * assert.deepEqual(at(40).headers, [["range", "bytes=40-"], ["if-range", '"v1"']]);
 * assert.equal(at(100).complete, true);
 * assert.throws(() => at(120), /a\.bin: it has 120 bytes, more than the 100 recorded/);
 * ```
 */
export function planResume(partial: PartialFile): ResumePlan {
  const { path, size, record } = partial;
  const whole = (notice: string | null): ResumePlan => ({ headers: [], notice, complete: false });
  if (partial.ignored !== null) {
    return whole(
      `ignoring the resume record ${path}.fileserver-resume: ${partial.ignored}; downloading ${path} whole`,
    );
  }
  // Like wget -c, a retry loop still makes progress; unlike curl -C -,
  // bytes that cannot be checked against the server's are never spliced.
  if (record === null) {
    return whole(size === 0 ? null : `no resume record for ${path}; downloading it whole`);
  }
  if (record.total !== null && size > record.total) {
    // Not bytes this command wrote: refused like wget -c, rather than
    // overwritten, since they may be the only copy of something.
    throw new CliError(
      `cannot resume ${path}: it has ${size} bytes, more than the ${record.total} recorded for it; remove it or drop --continue`,
    );
  }
  if (record.total === size) return { headers: [], notice: null, complete: true };
  if (size === 0) return whole(null);
  if (record.validator === null) {
    // A Range without If-Range could splice two versions of the file.
    return whole(
      `cannot verify ${path} against the server (it sent no ETag or Last-Modified); downloading it whole`,
    );
  }
  return {
    headers: [["range", `bytes=${size}-`], ["if-range", record.validator]],
    notice: null,
    complete: false,
  };
}

/**
 * Decides how to write `response`: append for a 206 that starts where the
 * partial file ends; done for a 416 whose size equals the partial file's;
 * from the start for anything else.
 *
 * @param response The final response.
 * @param resumed The partial file the request asked the rest of, or `null`
 *   when it asked for the whole file.
 * @returns How to write the body.
 * @throws {CliError} For a 206 that does not continue the partial file, or
 *   a 416 that shows it larger than the server's.
 *
 * @example A 206 is appended only where the partial file ends
 * ```ts
 * import assert from "node:assert/strict";
 * import { resumeStateOf } from "./resume.ts";
 *
 * const record = { url: "http://127.0.0.1:8000/a.bin", validator: '"v1"', total: 100 };
 * const partial = { path: "a.bin", size: 40, record, ignored: null };
 * const tail = (range: string) =>
 *   new Response("x", { status: 206, headers: { "content-range": range, etag: '"v1"' } });
 * assert.equal(resumeStateOf(tail("bytes 40-99/100"), partial).append, true);
 * assert.throws(() => resumeStateOf(tail("bytes 0-99/100"), partial), /refusing to append/);
 * ```
 */
export function resumeStateOf(response: Response, resumed: PartialFile | null): ResumeState {
  const validator = strongValidator(response.headers);
  if (resumed !== null && response.status === 206) return continued(response, resumed, validator);
  if (resumed !== null && response.status === 416) return satisfied(response, resumed, validator);
  const length = Number(response.headers.get("content-length") ?? NaN);
  // A decoded body is longer than the Content-Length of its encoding.
  const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
  let notice: string | null = null;
  if (resumed !== null && response.status === 200) {
    const { path, record } = resumed;
    notice = validator === record?.validator
      ? `the server ignored the Range request; downloading ${path} whole`
      : `${path} changed on the server; downloading it whole`;
  }
  return {
    append: false,
    offset: 0,
    total: Number.isSafeInteger(length) && !encoded ? length : null,
    complete: false,
    validator,
    notice,
  };
}

// A 206 must carry exactly the bytes after the partial file's end, of the
// file the record describes; anything else would splice at the wrong place.
function continued(
  response: Response,
  partial: PartialFile,
  validator: string | null,
): ResumeState {
  const { path, size } = partial;
  // RFC 9110 lets a server apply Range to an encoding of the file: those
  // bytes decode to something else than the file's from `size` on. (fetch
  // asks for the identity with a Range, which most servers honour.)
  const coding = response.headers.get("content-encoding")?.trim().toLowerCase() ?? "identity";
  if (coding !== "identity") {
    throw new CliError(
      `refusing to append to ${path}: the server sent a range of its ${coding} encoding, not of the file; ${path} is left as it was`,
    );
  }
  const header = response.headers.get("content-range");
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header ?? "");
  if (range === null || Number(range[1]) !== size) {
    const sent = header === null ? "no Content-Range" : header;
    throw new CliError(
      `refusing to append to ${path}: the server sent ${sent}, not the bytes from ${size} on; ${path} is left as it was`,
    );
  }
  const total = range[3] === "*" ? null : Number(range[3]);
  const recorded = partial.record?.total ?? null;
  if (total !== null && recorded !== null && total !== recorded) {
    throw new CliError(
      `refusing to append to ${path}: the file has ${total} bytes on the server, not the ${recorded} recorded; ${path} is left as it was`,
    );
  }
  return {
    append: true,
    offset: size,
    total: total ?? recorded,
    complete: false,
    validator,
    notice: null,
  };
}

// Sent with If-Range, a 416 means the validator matched and the server's
// file ends at or before the partial file's end (RFC 9110 §15.5.17).
function satisfied(
  response: Response,
  partial: PartialFile,
  validator: string | null,
): ResumeState {
  const { path, size } = partial;
  const match = /^bytes \*\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
  const total = match === null ? null : Number(match[1]);
  if (total === size) {
    return { append: true, offset: size, total, complete: true, validator, notice: null };
  }
  throw new CliError(
    total === null
      ? `cannot resume ${path}: the server has no bytes from ${size} on (416); remove it or drop --continue`
      : `cannot resume ${path}: it has ${size} bytes, more than the ${total} on the server; remove it or drop --continue`,
  );
}

// If-Range needs a strong validator (RFC 9110 §13.1.5): a strong ETag, or
// else Last-Modified.
function strongValidator(headers: Headers): string | null {
  const etag = headers.get("etag");
  if (etag !== null && etag.startsWith('"')) return etag;
  return headers.get("last-modified");
}
