/**
 * `fileserver get URL`: download with the user agent (redirects, 401
 * challenges), to a file or stdout, optionally resuming a partial file.
 *
 * @module
 */

import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import process from "node:process";
import { chainOf, ClientError, createClient, type FetchFunction } from "../client/mod.ts";
import type { GetArgs } from "./args.ts";
import { UsageError } from "./args.ts";
import { CliError, type Io } from "./io.ts";
import { fileError } from "./file_error.ts";
import { Progress } from "./progress.ts";
import { planResume, ResumeFile, type ResumeState, resumeStateOf } from "./resume.ts";

/** Exit status for an HTTP error status (4xx, 5xx). */
export const EXIT_HTTP_ERROR = 3;
/** Exit status for a network error (or a redirect/challenge failure). */
export const EXIT_NETWORK_ERROR = 4;

/**
 * Runs the get command.
 *
 * @param args The parsed command line.
 * @param io Output streams.
 * @returns The exit status.
 */
export async function getCommand(args: GetArgs, io: Io): Promise<number> {
  const url = parseUrl(args.url);
  if (args.resume && args.output === null) {
    throw new UsageError("--continue needs -o FILE to resume into");
  }
  const client = createClient({
    maxRedirects: args.maxRedirects,
    ...(args.user === null ? {} : { credentials: { origin: url.origin, ...userOf(args.user) } }),
  });
  const marker = args.output === null ? null : new ResumeFile(args.output, url);
  const resume = args.resume && marker !== null ? await marker.read() : null;
  const plan = resume === null ? null : planResume(resume);
  if (plan?.notice) io.err(`fileserver: ${plan.notice}`);
  if (plan?.complete) return await alreadyComplete(marker!, io);
  const headers = new Headers(args.headers);
  for (const [name, value] of plan?.headers ?? []) headers.set(name, value);
  const ranged = plan !== null && plan.headers.length > 0;
  // The Fetch standard asks for the identity with a Range, so that the
  // bytes are the file's; Bun 1.4.5's fetch does not, so it is said here.
  if (ranged && !headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  const response = await fetchResponse(client, url, headers, ranged);
  if (args.verbose) {
    for (const hop of chainOf(response)) io.err(`${hop.method} ${hop.url} -> ${hop.status}`);
  }
  let state: ResumeState;
  try {
    state = resumeStateOf(response, ranged ? resume : null);
  } catch (error) {
    await response.body?.cancel();
    throw error;
  }
  const body = readAhead(response.body);
  if (state.notice !== null) io.err(`fileserver: ${state.notice}`);
  if (response.status >= 400 && !state.complete) {
    await body?.cancel();
    io.err(
      `fileserver: get ${response.url || url.href}: ${response.status} ${response.statusText}`
        .trim(),
    );
    return EXIT_HTTP_ERROR;
  }
  if (state.complete) {
    await body?.cancel();
    return await alreadyComplete(marker!, io);
  }
  await save(body, { output: args.output, marker }, state, io);
  return 0;
}

async function fetchResponse(
  client: FetchFunction,
  url: URL,
  headers: Headers,
  ranged: boolean,
): Promise<Response> {
  // A range must be the file's own bytes: an encoded one is refused as it
  // came, not decoded (Bun's `decompress`; the other runtimes ignore it).
  const init = ranged ? { headers, decompress: false } : { headers };
  try {
    return await client(url, init);
  } catch (error) {
    if (error instanceof ClientError) {
      throw new CliError(
        `get ${url.href}: ${error.name}: ${firstLine(error.message)}`,
        EXIT_NETWORK_ERROR,
      );
    }
    throw error;
  }
}

// The partial file is whole: it stays as it is, and so does the exit status.
async function alreadyComplete(marker: ResumeFile, io: Io): Promise<number> {
  await marker.remove().catch((error) => {
    throw fileError("remove", marker.path, error);
  });
  io.err(`fileserver: ${marker.output} is already complete`);
  return 0;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `'${text}' is not a URL`,
      "Example: fileserver get http://127.0.0.1:8000/",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`get fetches http: and https: URLs, not ${url.protocol}`);
  }
  return url;
}

function userOf(text: string): { username: string; password: string } {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new UsageError("Malformed --user: write USER:PASS");
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

// Writes the body where it goes: appended when the server sent the rest of
// a partial file (206), from the start otherwise.
async function save(
  body: ReadableStream<Uint8Array> | null,
  target: { output: string | null; marker: ResumeFile | null },
  state: ResumeState,
  io: Io,
): Promise<void> {
  const { output, marker } = target;
  const progress = process.stderr.isTTY ? new Progress(state.offset, state.total) : null;
  if (output === null || marker === null) {
    try {
      if (body !== null) await copy(body, (chunk) => writeStdout(chunk), progress);
    } catch (error) {
      progress?.interrupt((text) => process.stderr.write(text));
      throw error;
    }
    progress?.finish(io.err);
    return;
  }
  // The output first, so that a bad -o is reported under the name typed,
  // and not truncated yet, so that a record that cannot be written leaves a
  // partial file as it was.
  let file = await openOutput(output, "a");
  try {
    await marker.write(state);
    if (!state.append) {
      await file.close();
      file = await openOutput(output, "w");
    }
  } catch (error) {
    await file.close().catch(() => {});
    throw fileError("write", marker.path, error);
  }
  try {
    if (body !== null) {
      await copy(body, (chunk) =>
        file.write(chunk).then(() => {}, (error) => {
          throw fileError("write", output, error);
        }), progress);
    }
  } catch (error) {
    progress?.interrupt((text) => process.stderr.write(text));
    if (error instanceof CliError) throw error;
    throw new CliError(
      `get: the download stopped early (${
        (error as Error).name
      }); run again with --continue to resume`,
      EXIT_NETWORK_ERROR,
    );
  } finally {
    await file.close().catch((error) => {
      throw fileError("write", output, error);
    });
  }
  await marker.remove().catch((error) => {
    throw fileError("remove", marker.path, error);
  });
  progress?.finish(io.err);
}

// Node 24's fetch (undici before nodejs/undici#5474) throws an uncatchable
// AssertionError, ending the process, when the server closes the
// connection while the body waits unread under backpressure: any server
// that sends `Connection: close`, python's http.server for one, while the
// output file is opened or a slow disk is written. The body is read ahead
// of the writes, from the moment the response arrives, up to this much.
const READ_AHEAD_BYTES = 32 * 1024 * 1024;

function readAhead(body: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  const strategy = new ByteLengthQueuingStrategy({ highWaterMark: READ_AHEAD_BYTES });
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({}, undefined, strategy));
}

function openOutput(output: string, flags: "a" | "w"): Promise<FileHandle> {
  return fsp.open(output, flags).catch((error) => {
    throw fileError("write", output, error);
  });
}

async function copy(
  body: ReadableStream<Uint8Array>,
  write: (chunk: Uint8Array) => Promise<void>,
  progress: Progress | null,
): Promise<void> {
  for await (const chunk of body) {
    await write(chunk);
    progress?.add(chunk.byteLength, (line) => process.stderr.write(line));
  }
}

function writeStdout(chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    // write() calls back once the chunk is handed to the OS, which is the
    // backpressure a pipe into another program needs.
    process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
