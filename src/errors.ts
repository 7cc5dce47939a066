/**
 * The one error type mxlb raises on purpose. `code` is stable and machine-readable (tests and the
 * CLI switch on it); `message` is for operators and says what to fix.
 */
export class MxlbError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MxlbError';
    this.code = code;
  }
}

/** An error in an input file, reported as `file:line: reason`. */
export class SourceError extends MxlbError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  /**
   * Every problem found in the file, this one first, when the parser went on after it (master
   * files: one per bad entry); `zone validate` lists them all, the server logs the first.
   */
  readonly all: readonly SourceError[];

  constructor(file: string, line: number, reason: string, more: readonly SourceError[] = []) {
    super('source-error', `${file}:${line}: ${reason}`);
    this.name = 'SourceError';
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.all = [this, ...more];
  }
}
