/**
 * What `createFileHandler()` does with an unexpected error when it is given
 * no `onError`.
 *
 * @module
 */

// Long enough for a message that names a path and a remedy.
const MOST_CHARACTERS = 400;

// Error kinds are few (names and codes of the runtimes' I/O errors), but a
// file-system port may invent codes: the set stays bounded whatever it does.
const MOST_KINDS = 32;

/**
 * Creates the `onError` a file handler uses when none is given: it prints
 * the first error of each kind (its `name` and `code`) as one line with
 * `console.error`, and nothing for later errors of that kind. A
 * misconfiguration (Deno without `--allow-read`, an unreadable mount) thus
 * shows once instead of never, or once per request. The client still gets
 * a bare 500; the line is for the operator, with control characters of the
 * error's message escaped, since the message may quote a file name.
 *
 * @param print Where the line goes.
 * @returns The handler's error reporter, taking the error and a function
 *   that builds the request (called only when a line is printed).
 *
 * @example One line per kind of error
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultOnError } from "./default_on_error.ts";
 *
 * const lines: string[] = [];
 * const report = defaultOnError((line) => lines.push(line));
 * const request = () => new Request("http://localhost/a.txt");
 * const eio = Object.assign(new Error("i/o error"), { code: "EIO" });
 * report(eio, request);
 * report(eio, request);
 * assert.equal(lines.length, 1);
 * assert.match(lines[0], /^Cannot serve "\/a\.txt": Error \(EIO\): i\/o error/);
 * ```
 */
export function defaultOnError(
  // Looked up when printing, so that a console.error replaced later is used.
  print: (line: string) => void = (line) => console.error(line),
): (error: unknown, request: () => Request) => void {
  const seen = new Set<string>();
  return (error, request) => {
    const { name, code, message } = describe(error);
    const kind = code === "" ? name : `${name} (${code})`;
    if (seen.has(kind) || seen.size >= MOST_KINDS) return;
    seen.add(kind);
    const path = new URL(request().url).pathname;
    print(
      `Cannot serve "${path}": ${kind}: ${message} ` +
        "(answered 500; each kind of error is printed once: pass onError to see every one)",
    );
  };
}

function describe(error: unknown): { name: string; code: string; message: string } {
  if (!(error instanceof Error)) return { name: typeof error, code: "", message: text(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: text(error.name),
    code: typeof code === "string" || typeof code === "number" ? text(code) : "",
    message: text(error.message).slice(0, MOST_CHARACTERS),
  };
}

// One line, and nothing a terminal would act on (a file name may hold
// escape sequences).
function text(value: unknown): string {
  return String(value).replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
