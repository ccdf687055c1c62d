/**
 * The error of a mistyped command line: one line on stderr, exit status 2.
 *
 * @module
 */

/** A usage mistake: one line for stderr, exit status 2. */
export class UsageError extends Error {
  /** A hint shown after the message. */
  readonly hint: string;

  constructor(message: string, hint = "Run 'fileserver --help' for usage.") {
    super(printable(message));
    this.name = "UsageError";
    this.hint = hint;
  }
}

// Messages quote what was typed, which may hold line breaks or escape
// sequences; escaped, the message stays the one line main() promises on
// stderr and cannot drive the terminal.
// deno-lint-ignore no-control-regex
const CONTROL = /[\0-\x1f\x7f-\x9f\u2028\u2029]/g;

function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code === 10) return "\\n";
    if (code === 13) return "\\r";
    if (code === 9) return "\\t";
    return "\\u" + code.toString(16).padStart(4, "0");
  });
}
