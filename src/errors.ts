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

  constructor(file: string, line: number, reason: string) {
    super('source-error', `${file}:${line}: ${reason}`);
    this.name = 'SourceError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
