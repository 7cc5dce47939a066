import { MxlbError } from '../errors.ts';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * What a zone command prints and how it exits, so tests need no process. Exit codes (docs/cli.md):
 * 0 success; 1 invalid zone, refused edit or failed operation; 2 usage error (bad path, flag or name);
 * 3 Redis unreachable (zone push|pull|diff).
 */
export interface CommandOutput {
  exitCode: 0 | 1 | 2 | 3;
  stdout: string;
  stderr: string;
}

export function ok(stdout: string, stderr = ''): CommandOutput {
  return { exitCode: 0, stdout, stderr };
}

export function failed(stderr: string, stdout = ''): CommandOutput {
  return { exitCode: 1, stdout, stderr: stderr.endsWith('\n') || stderr === '' ? stderr : `${stderr}\n` };
}

/** A usage error: the handler turns it into MxlbError('usage') so the CLI prints usage help and exits 2. */
export function usage(stderr: string): CommandOutput {
  return { exitCode: 2, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

export function json(value: unknown, exitCode: 0 | 1 = 0): CommandOutput {
  return { exitCode, stdout: `${JSON.stringify(value, null, 2)}\n`, stderr: '' };
}

/** Writes a command's output and sets the exit code; usage errors go through yargs' failure path. */
export function emit(out: CommandOutput): void {
  if (out.exitCode === 2) throw new MxlbError('usage', out.stderr.trim().replace(/^mxlb /, ''));
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  process.exitCode = out.exitCode;
}

/**
 * A plain-text table: a header row in capitals, columns padded to their widest cell and separated
 * by two spaces, the last column unpadded (no trailing blanks).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((row) => indent + row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd() + '\n')
    .join('');
}

/**
 * A unified diff (`diff -u` form, 3 lines of context) from `before` to `after`; '' when equal.
 * jsdiff (the `diff` package) does the line matching (docs/decisions.md).
 */
export function unifiedDiff(beforeName: string, afterName: string, before: string, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(beforeName, afterName, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
