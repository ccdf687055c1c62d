/**
 * The CLI's contact with its process: output, signals, exit.
 *
 * @module
 */

/** A failure to report as one line on stderr, exit status 1. */
export class CliError extends Error {
  /** The exit status. */
  readonly status: number;

  constructor(message: string, status = 1) {
    super(message);
    this.name = "CliError";
    this.status = status;
  }
}

/** Output and process control, passed in so that commands stay testable. */
export interface Io {
  /** Writes a line to stdout. */
  out: (line: string) => void;
  /** Writes a line to stderr. */
  err: (line: string) => void;
  /** Calls `handler` on each SIGINT or SIGTERM with how many have arrived. */
  onSignals: (handler: (count: number) => void) => void;
  /** Ends the process now. */
  exit: (status: number) => never;
}
