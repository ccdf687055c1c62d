/**
 * File-system failures told in plain words, the same on Deno, Bun and Node.
 *
 * @module
 */

import { CliError } from "./io.ts";
import { missingPermission } from "./missing_permission.ts";

// Node and Bun set `code`; Deno's node:fs does too, but Deno's own errors
// carry a class name instead, and a few only "(os error N)" in the message.
const BY_CODE: Record<string, string> = {
  ENOENT: "no such folder",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "is a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "disk full",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  EIO: "input/output error",
  EFBIG: "file too large",
};
const BY_DENO_NAME: Record<string, string> = {
  NotFound: "ENOENT",
  NotADirectory: "ENOTDIR",
  IsADirectory: "EISDIR",
  PermissionDenied: "EACCES",
  FilesystemLoop: "ELOOP",
};
const BY_ERRNO: Record<number, string> = {
  2: "ENOENT",
  13: "EACCES",
  1: "EPERM",
  20: "ENOTDIR",
  21: "EISDIR",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
};

/**
 * The reason for a file-system failure in plain words.
 *
 * @param error What the operation threw.
 * @returns e.g. `no such folder`, `permission denied`, `is a folder`, `disk full`.
 *
 * @example Node's and Deno's shapes of one failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileReason } from "./file_error.ts";
 *
 * assert.equal(fileReason(Object.assign(new Error("x"), { code: "ENOSPC" })), "disk full");
 * assert.equal(fileReason(new Error("No space left on device (os error 28)")), "disk full");
 * ```
 */
export function fileReason(error: unknown): string {
  const denied = missingPermission(error);
  if (denied !== null) return denied;
  const code = errorCode(error);
  if (code !== undefined && code in BY_CODE) return BY_CODE[code];
  return code ?? "failed";
}

// The errno name (`ENOENT`) of a failure in Node's, Bun's or Deno's shape.
function errorCode(error: unknown): string | undefined {
  const e = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  let code = typeof e.code === "string" ? e.code : undefined;
  if (code === undefined && typeof e.name === "string") code = BY_DENO_NAME[e.name];
  const osError = /\(os error (\d+)\)/.exec(String(e.message ?? ""));
  if (code === undefined && osError !== null) code = BY_ERRNO[Number(osError[1])];
  return code;
}

/**
 * Whether a file-system failure means there is no such file.
 *
 * @param error What the operation threw.
 * @returns `true` for ENOENT in any runtime's shape.
 *
 * @example Node's and Deno's shapes
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNotFound } from "./file_error.ts";
 *
 * assert.ok(isNotFound(Object.assign(new Error("x"), { code: "ENOENT" })));
 * assert.ok(isNotFound(new Error("No such file or directory (os error 2)")));
 * assert.ok(!isNotFound(Object.assign(new Error("x"), { code: "EISDIR" })));
 * ```
 */
export function isNotFound(error: unknown): boolean {
  return errorCode(error) === "ENOENT";
}

/**
 * A one-line failure naming `path` and the reason, exit status 1.
 *
 * @param verb What was tried: `write`, `read`, `remove`.
 * @param path The file as the user named it.
 * @param error What the operation threw.
 * @returns The error to throw.
 */
export function fileError(verb: string, path: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(`cannot ${verb} ${path}: ${fileReason(error)}`);
}
