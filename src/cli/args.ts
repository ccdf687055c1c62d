/**
 * Command-line parsing for `fileserver`: `[serve] [DIR]` and `get URL`.
 *
 * @module
 */

import { LOG_FORMATS, type LogFormat } from "./access_log.ts";
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_TIMEOUTS } from "../adapters/_timeouts.ts";
import { UsageError } from "./usage_error.ts";
import { parseHeader } from "./header_arg.ts";
import { parseCache } from "./cache_arg.ts";

export { UsageError } from "./usage_error.ts";
export { parseHeader } from "./header_arg.ts";
export { parseCache } from "./cache_arg.ts";

/** The parsed `serve` command. */
export interface ServeArgs {
  command: "serve";
  dir: string;
  port: number;
  host: string;
  listing: boolean;
  dotfiles: "ignore" | "deny" | "allow";
  index: string[] | false;
  headers: Array<[string, string]>;
  /** `--spa[=FILE]`: the shell, relative to DIR, or `null` for no SPA fallback. */
  spa: string | null;
  /** `--404 FILE`, or `null`: then `404.html` if DIR has one, unless `noNotFound`. */
  notFound: string | null;
  /** `--no-404`: the plain 404 even when DIR has a `404.html`. */
  noNotFound: boolean;
  cleanUrls: boolean;
  cors: boolean;
  precompressed: boolean;
  compress: boolean;
  /** `--etag`: strong tags from size and mtime, or from a hash of the bytes. */
  etag: "mtime" | "content";
  /** `--zip`: offer each listed folder as a zip download (implies `--listing`). */
  zip: boolean;
  cert: string | null;
  key: string | null;
  auth: string[];
  authFile: string | null;
  quiet: boolean;
  logFormat: LogFormat;
  graceSeconds: number;
  reusePort: boolean;
  /** `--headers-timeout`, `--idle-timeout`, `--request-timeout`; 0 for none. */
  headersTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  /** `--cache`: rules tried first, then the preset unless `off`; `false` for none. */
  cache: { rules: Array<[string, string]>; preset: boolean } | false;
  /** `--cache-explain PATH`: print the decision for each and exit. */
  cacheExplain: string[];
  /** `--watch`: live reload (watch DIR, reload open pages on a change). */
  watch: boolean;
}

/** The parsed `get` command. */
export interface GetArgs {
  command: "get";
  url: string;
  output: string | null;
  user: string | null;
  maxRedirects: number;
  headers: Array<[string, string]>;
  resume: boolean;
  verbose: boolean;
}

/** `--help` or `--version`. */
export type InfoArgs = { command: "help" } | { command: "version" };

const SERVE_OPTIONS = {
  port: { type: "string", short: "p" },
  host: { type: "string" },
  listing: { type: "boolean" },
  // Deno std's file-server flags, where they map onto ours.
  "dir-listing": { type: "boolean" },
  "no-dir-listing": { type: "boolean" },
  dotfiles: { type: "string" },
  "no-dotfiles": { type: "boolean" },
  index: { type: "string", multiple: true },
  "no-index": { type: "boolean" },
  header: { type: "string", short: "H", multiple: true },
  spa: { type: "string" },
  "404": { type: "string" },
  "no-404": { type: "boolean" },
  "clean-urls": { type: "boolean" },
  cors: { type: "boolean" },
  "no-cors": { type: "boolean" },
  "no-precompressed": { type: "boolean" },
  "no-compress": { type: "boolean" },
  etag: { type: "string" },
  zip: { type: "boolean" },
  cert: { type: "string", short: "c" },
  key: { type: "string", short: "k" },
  auth: { type: "string", multiple: true },
  "auth-file": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  "log-format": { type: "string" },
  grace: { type: "string" },
  "reuse-port": { type: "boolean" },
  "headers-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "request-timeout": { type: "string" },
  cache: { type: "string", multiple: true },
  "cache-explain": { type: "string", multiple: true },
  watch: { type: "boolean", short: "w" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

const GET_OPTIONS = {
  output: { type: "string", short: "o" },
  user: { type: "string", short: "u" },
  "max-redirects": { type: "string" },
  header: { type: "string", short: "H", multiple: true },
  continue: { type: "boolean", short: "c" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/**
 * Parses the arguments after the program name.
 *
 * @param argv The arguments.
 * @returns The command to run.
 * @throws {UsageError} for an unknown flag, a missing or bad value.
 */
export function parseCommandLine(argv: readonly string[]): ServeArgs | GetArgs | InfoArgs {
  refuseMistypedCommand(argv[0]);
  const isGet = argv[0] === "get";
  const rest = argv[0] === "serve" || isGet ? argv.slice(1) : [...argv];
  let parsed;
  try {
    parsed = parseArgs({
      args: isGet ? rest : bareDotfiles(bareSpa(rest)),
      options: isGet ? GET_OPTIONS : SERVE_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = cleanMessage((error as Error).message);
    throw new UsageError(message + didYouMean(message, isGet ? GET_OPTIONS : SERVE_OPTIONS));
  }
  const values = parsed.values as Record<string, unknown>;
  refuseEmpty(values, isGet ? GET_OPTIONS : SERVE_OPTIONS);
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  return isGet ? getArgs(values, parsed.positionals) : serveArgs(values, parsed.positionals);
}

/** The shell `--spa` without `=FILE` names. */
export const DEFAULT_SHELL = "index.html";

// `--spa` takes its file only as `--spa=FILE`: `fileserver --spa dist`
// serves the folder dist, as every other boolean-looking flag would.
function bareSpa(args: readonly string[]): string[] {
  const end = args.indexOf("--");
  return args.map((arg, i) =>
    arg === "--spa" && (end === -1 || i < end) ? `--spa=${DEFAULT_SHELL}` : arg
  );
}

const DOTFILE_MODES = ["ignore", "deny", "allow"];

// Deno std's `--dotfiles` is a switch (serve them); ours takes a mode. A
// bare `--dotfiles` (not followed by a mode) is std's, and means allow.
function bareDotfiles(args: readonly string[]): string[] {
  const end = args.indexOf("--");
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const bare = args[i] === "--dotfiles" && (end === -1 || i < end) &&
      !DOTFILE_MODES.includes(args[i + 1]);
    out.push(bare ? "--dotfiles=allow" : args[i]);
  }
  return out;
}

// `fileserver serv site` or `fileserver gte URL`: the first word is near a
// command and is not a folder. A real folder named `serv` is served as
// before (the folder wins: `fileserver DIR` is the documented shorthand);
// a missing one near a command is far more likely a typo than a folder
// that does not exist yet.
function refuseMistypedCommand(first: string | undefined): void {
  if (first === undefined || first.startsWith("-") || first === "serve" || first === "get") return;
  const word = first.toLowerCase();
  const command = word === "get" || editDistance(word, "get") <= 1
    ? "get"
    : word === "serve" || editDistance(word, "serve") <= 2
    ? "serve"
    : null;
  if (command === null || isFolder(first)) return;
  throw new UsageError(
    `Unknown command '${first}': did you mean '${command}'?`,
    command === "get"
      ? "Example: fileserver get http://127.0.0.1:8000/"
      : "Example: fileserver serve DIR",
  );
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// "Unknown option '--listin'" → ": did you mean --listing?", for the one
// option of this command within two edits (a typo, a transposition).
function didYouMean(message: string, options: Record<string, unknown>): string {
  const typed = /^Unknown option '--([^'=]+)/.exec(message)?.[1];
  if (typed === undefined) return "";
  const near = Object.keys(options).filter((name) => editDistance(typed, name) <= 2);
  return near.length === 1 ? `: did you mean --${near[0]}?` : "";
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions
 * and transpositions of neighbours each count one.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

// parseArgs' messages name the API ("To specify an option argument…"),
// on further lines for some mistakes (`--index --verbose`); keep the first
// sentence, which names the flag.
function cleanMessage(message: string): string {
  return message.split(/\.\s/)[0].replace(/\.$/, "");
}

function serveArgs(values: Record<string, unknown>, positionals: string[]): ServeArgs {
  if (positionals.length > 1) {
    throw new UsageError(`Unexpected argument '${positionals[1]}': serve takes one folder`);
  }
  if (values["404"] !== undefined && values["no-404"]) {
    throw new UsageError("--404 and --no-404 cannot go together");
  }
  refuseBoth(values, ["listing", "dir-listing", "zip"], "no-dir-listing");
  refuseBoth(values, ["dotfiles"], "no-dotfiles");
  refuseBoth(values, ["cors"], "no-cors");
  refuseBoth(values, ["verbose"], "quiet");
  const index = values["no-index"]
    ? false
    : values.index === undefined
    ? ["index.html"]
    : (values.index as string[]).flatMap((v) => v.split(",")).filter((v) => v !== "");
  const headers = ((values.header ?? []) as string[]).map((h) => parseHeader(h, "response"));
  return {
    command: "serve",
    dir: positionals[0] ?? ".",
    port: integer(values.port, "--port", 8000, 0, 65535),
    host: (values.host as string | undefined) ?? "127.0.0.1",
    // The zip is offered on the listing page, and needs it.
    listing: values.listing === true || values["dir-listing"] === true || values.zip === true,
    dotfiles: oneOf(values.dotfiles, "--dotfiles", ["ignore", "deny", "allow"], "ignore"),
    index,
    headers,
    spa: (values.spa as string | undefined) ?? null,
    notFound: (values["404"] as string | undefined) ?? null,
    noNotFound: values["no-404"] === true,
    cleanUrls: values["clean-urls"] === true,
    cors: values.cors === true,
    // On unless turned off: sidecars are what a build wrote to be served.
    precompressed: values["no-precompressed"] !== true,
    compress: values["no-compress"] !== true,
    etag: oneOf(values.etag, "--etag", ["mtime", "content"], "mtime"),
    zip: values.zip === true,
    cert: (values.cert as string | undefined) ?? null,
    key: (values.key as string | undefined) ?? null,
    auth: (values.auth ?? []) as string[],
    authFile: (values["auth-file"] as string | undefined) ?? null,
    quiet: values.quiet === true,
    logFormat: oneOf(values["log-format"], "--log-format", [...LOG_FORMATS], "combined"),
    graceSeconds: number(values.grace, "--grace", 10),
    reusePort: values["reuse-port"] === true,
    headersTimeoutSeconds: number(
      values["headers-timeout"],
      "--headers-timeout",
      DEFAULT_TIMEOUTS.headersTimeoutMs / 1000,
    ),
    idleTimeoutSeconds: number(
      values["idle-timeout"],
      "--idle-timeout",
      DEFAULT_TIMEOUTS.idleTimeoutMs / 1000,
    ),
    requestTimeoutSeconds: number(
      values["request-timeout"],
      "--request-timeout",
      DEFAULT_TIMEOUTS.requestTimeoutMs / 1000,
    ),
    cache: parseCache((values.cache ?? []) as string[], headers),
    cacheExplain: (values["cache-explain"] ?? []) as string[],
    watch: values.watch === true,
  };
}

// A flag and its opposite together: which one was meant cannot be known.
function refuseBoth(values: Record<string, unknown>, flags: string[], opposite: string): void {
  const given = flags.find((flag) => values[flag] !== undefined);
  if (given !== undefined && values[opposite] !== undefined) {
    throw new UsageError(`--${given} and --${opposite} cannot go together`);
  }
}

function getArgs(values: Record<string, unknown>, positionals: string[]): GetArgs {
  if (positionals.length !== 1) {
    throw new UsageError(
      "get takes exactly one URL",
      "Example: fileserver get http://127.0.0.1:8000/",
    );
  }
  return {
    command: "get",
    url: positionals[0],
    output: (values.output as string | undefined) ?? null,
    user: (values.user as string | undefined) ?? null,
    maxRedirects: integer(values["max-redirects"], "--max-redirects", 20, 0, 1000),
    headers: ((values.header ?? []) as string[]).map((h) => parseHeader(h, "request")),
    resume: values.continue === true,
    verbose: values.verbose === true,
  };
}

// An empty value is always a slip (`--host ''`, `-o "$UNSET"`): refused
// here, naming the flag, rather than failing later in a stranger way.
function refuseEmpty(
  values: Record<string, unknown>,
  options: Record<string, { type: string; short?: string }>,
): void {
  for (const [name, value] of Object.entries(values)) {
    const list = Array.isArray(value) ? value : [value];
    if (options[name]?.type !== "string" || !list.some((v) => String(v).trim() === "")) continue;
    const short = options[name].short;
    throw new UsageError(`--${name}${short ? ` (-${short})` : ""} needs a value, not ''`);
  }
}

function integer(value: unknown, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return n;
}

function number(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (String(value).trim() === "" || !Number.isFinite(n) || n < 0 || n > 86_400) {
    throw new UsageError(`${flag} must be a number of seconds from 0 to 86400, not '${value}'`);
  }
  return n;
}

function oneOf<T extends string>(value: unknown, flag: string, allowed: T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, not '${value}'`);
  }
  return value as T;
}
