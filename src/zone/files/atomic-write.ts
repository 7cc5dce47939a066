import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` with `text` so that a reader (the zone loader's folder watcher) sees the old file
 * or the complete new one, never a partial write: a temporary dot-file in the same folder (the
 * loader skips dot-files), fsync, rename (atomic within a file system, POSIX rename(2)). The
 * file's mode is kept. With `expected`, refuses when the file changed since it was read, so an
 * edit made meanwhile by someone else is not overwritten.
 */
export function writeAtomically(file: string, text: string, expected?: string): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o7777 : 0o644;
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (expected !== undefined && readFileSync(file, 'utf8') !== expected) throw new Error('the file changed while it was being edited; run the command again');
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
