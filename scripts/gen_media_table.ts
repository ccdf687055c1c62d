/**
 * Generates `src/core/_media_table.ts` from the `mime-db` package.
 *
 * Run with any of:
 *
 * ```sh
 * node_modules/.bin/node scripts/gen_media_table.ts
 * node_modules/.bin/deno run -A scripts/gen_media_table.ts
 * node_modules/.bin/bun scripts/gen_media_table.ts
 * ```
 *
 * Importing this module has no side effects: the file is only written when
 * the module is the program's entry point.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One entry of `mime-db`'s `db.json`, keyed there by media type. */
export interface MimeDbEntry {
  /** Where the entry comes from: `"iana"`, `"apache"`, `"nginx"`, or absent. */
  source?: string;
  /** The default charset of the type, such as `"UTF-8"`, if known. */
  charset?: string;
  /** Whether the type is worth compressing. */
  compressible?: boolean;
  /** File extensions, without the dot. */
  extensions?: string[];
}

/** The whole `mime-db` database: media type to entry. */
export type MimeDb = Readonly<Record<string, MimeDbEntry>>;

/** The repository root (this file lives in `<root>/scripts/`). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the generated table is written, relative to the repository root. */
export const MEDIA_TABLE_PATH: string = join(
  ROOT,
  "src",
  "core",
  "_media_table.ts",
);

/**
 * Extensions whose type is fixed here instead of taken from `mime-db`.
 *
 * `mime-db` lists `.cjs` only under `application/node`, which browsers and
 * tools do not treat as script; a CommonJS file is JavaScript source.
 */
const OVERRIDES: Readonly<Record<string, string>> = {
  cjs: "text/javascript",
};

/** Rank of each `source`: a higher rank wins an extension. */
const SOURCE_RANK: Readonly<Record<string, number>> = {
  iana: 3,
  apache: 2,
  nginx: 1,
};

function sourceRank(entry: MimeDbEntry): number {
  const source = entry.source;
  return source !== undefined && Object.hasOwn(SOURCE_RANK, source) ? SOURCE_RANK[source] : 0;
}

function isOctetStream(type: string): boolean {
  return type.toLowerCase() === "application/octet-stream";
}

/**
 * Whether `candidate` should replace `current` as the type of an extension.
 *
 * Order: higher source rank; then not `application/octet-stream`; then a
 * type outside `application/`; otherwise the first seen stays.
 */
function isBetter(
  candidate: string,
  candidateEntry: MimeDbEntry,
  current: string,
  currentEntry: MimeDbEntry,
): boolean {
  const rankDiff = sourceRank(candidateEntry) - sourceRank(currentEntry);
  if (rankDiff !== 0) return rankDiff > 0;
  const candidateOctet = isOctetStream(candidate);
  const currentOctet = isOctetStream(current);
  if (candidateOctet !== currentOctet) return currentOctet;
  const candidateApp = candidate.toLowerCase().startsWith("application/");
  const currentApp = current.toLowerCase().startsWith("application/");
  if (candidateApp !== currentApp) return currentApp;
  return false;
}

/** Whether `type` is XML, whose encoding the document itself declares. */
function isXmlFamily(type: string): boolean {
  const subtype = type.slice(type.indexOf("/") + 1);
  return subtype === "xml" || subtype.startsWith("xml-") ||
    subtype.endsWith("+xml");
}

/** The full `Content-Type` value to send for the media `type`. */
function contentTypeValue(
  type: string,
  entry: MimeDbEntry | undefined,
): string {
  const markedUtf8 = entry?.charset?.toUpperCase() === "UTF-8";
  let utf8 = markedUtf8;
  if (!utf8 && !isXmlFamily(type)) {
    utf8 = type.startsWith("text/") ||
      type === "application/javascript" ||
      type === "application/json" ||
      type.endsWith("+json");
  }
  return utf8 ? `${type}; charset=utf-8` : type;
}

/** The line width `deno fmt` formats to by default. */
const LINE_WIDTH = 80;

/**
 * Computes the extension table: lower-case extension (no dot) to the full
 * `Content-Type` value.
 *
 * @param db The parsed `mime-db` database.
 * @returns The table as a plain object.
 */
export function buildMediaTable(db: MimeDb): Record<string, string> {
  const chosen = new Map<string, string>();
  for (const type of Object.keys(db)) {
    const entry = db[type];
    for (const rawExt of entry.extensions ?? []) {
      const ext = rawExt.toLowerCase();
      const current = chosen.get(ext);
      if (
        current === undefined || isBetter(type, entry, current, db[current])
      ) {
        chosen.set(ext, type);
      }
    }
  }
  const table: Record<string, string> = Object.create(null);
  const exts = [...chosen.keys(), ...Object.keys(OVERRIDES)];
  for (const ext of [...new Set(exts)].sort()) {
    const type = Object.hasOwn(OVERRIDES, ext) ? OVERRIDES[ext] : chosen.get(ext) as string;
    table[ext] = contentTypeValue(type.toLowerCase(), db[type]);
  }
  return table;
}

/**
 * Renders the source of `src/core/_media_table.ts`, already formatted as
 * `deno fmt` would.
 *
 * @param db The parsed `mime-db` database.
 * @param version The `mime-db` version, named in the header comment.
 * @returns The complete file text, ending with a newline.
 */
export function renderMediaTable(db: MimeDb, version: string): string {
  const table = buildMediaTable(db);
  const lines = [
    `// Generated by scripts/gen_media_table.ts from mime-db ${version}; do not edit.`,
    "",
    "/** File extension (lower case, no dot) to the `Content-Type` to send. */",
    "export const MEDIA_TABLE: Readonly<Record<string, string>> = {",
  ];
  // Sort again: `Object.entries` lists integer-like keys ("123") first.
  for (const ext of Object.keys(table).sort()) {
    const key = JSON.stringify(ext);
    const type = JSON.stringify(table[ext]);
    const line = `  ${key}: ${type},`;
    // `deno fmt` (80 columns) moves a value that does not fit to its own line.
    if (line.length <= LINE_WIDTH) lines.push(line);
    else lines.push(`  ${key}:`, `    ${type},`);
  }
  lines.push("};", "");
  return lines.join("\n");
}

/**
 * Reads the installed `mime-db` database and its version from
 * `node_modules/mime-db`.
 *
 * @returns The database and the package version.
 */
export function readMimeDb(): { db: MimeDb; version: string } {
  const dir = join(ROOT, "node_modules", "mime-db");
  const db = JSON.parse(readFileSync(join(dir, "db.json"), "utf8")) as MimeDb;
  const pkg = JSON.parse(
    readFileSync(join(dir, "package.json"), "utf8"),
  ) as { version: string };
  return { db, version: pkg.version };
}

if (import.meta.main) {
  const { db, version } = readMimeDb();
  writeFileSync(MEDIA_TABLE_PATH, renderMediaTable(db, version));
  console.log(`Wrote ${MEDIA_TABLE_PATH} from mime-db ${version}.`);
}
