/**
 * Reads a growing log file line by line from a saved position, across rotation (edge: files).
 *
 * A position names the *content* it points into, not a path: the hash of the file's first line
 * (`head`), the device and inode the content was first seen under, and a byte offset. Each read
 * finds the file holding that content among the log path and its rotated siblings (names that
 * start with the log's name, compressed ones skipped):
 * - the path itself still holds it: read on from the offset;
 * - rotation by rename (`maillog` → `maillog.1`, a new `maillog`): the sibling with that head is
 *   read to its end first, then the new file from its start;
 * - copytruncate (`maillog` copied to `maillog.1`, then truncated): the copy has the same head, so
 *   the lines after the offset are read from the copy, then the truncated file from its start;
 * - neither found (the rotated file was deleted or compressed already): the path from its start,
 *   reported as `lost`.
 *
 * Contract: `read` never moves the position; the caller applies a chunk with `commit` once its
 * outcomes are safely delivered, so a crash re-reads the same chunk with the same id
 * (`<tag>:<dev>:<ino>:<head>:<from>-<to>`). A chunk holds only complete lines, at most `maxLines`
 * and `maxBytes` (a line longer than `maxBytes` is cut and its rest read as further lines).
 * Memory is bounded by `maxBytes`. Synchronous: one read at a time, for a CLI loop.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface LogPosition {
  /** sha1 (12 hex) of the first line of the content; '' before any line was read. */
  head: string;
  dev: number;
  ino: number;
  offset: number;
}

export interface LogChunk {
  /** Stable id of this range of this content: a resend is the same batch. */
  id: string;
  lines: string[];
  from: LogPosition;
  to: LogPosition;
  /** The file read (the path or a rotated sibling). */
  file: string;
}

export interface ReadLimits {
  maxLines: number;
  maxBytes: number;
}

const HEAD_BYTES = 512;
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z)$/i;

/** The head hash of an open file: its first line (up to HEAD_BYTES), '' while it has no full line. */
function headOf(fd: number): string {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const n = readSync(fd, buffer, 0, HEAD_BYTES, 0);
  const end = buffer.subarray(0, n).indexOf(10);
  if (end < 0 && n < HEAD_BYTES) return '';
  return createHash('sha1').update(buffer.subarray(0, end < 0 ? n : end)).digest('hex').slice(0, 12);
}

export class LogReader {
  readonly path: string;
  readonly #tag: string;
  #position: LogPosition | undefined;
  /** Set when a read found the saved content nowhere and restarted from the path's start. */
  lost = false;
  /** One read buffer for the reader's life (grown to the largest maxBytes asked for). */
  #buffer = Buffer.alloc(0);

  constructor(path: string, options: { position?: LogPosition; tag: string }) {
    this.path = path;
    this.#tag = options.tag;
    this.#position = options.position;
  }

  get position(): LogPosition | undefined {
    return this.#position ? { ...this.#position } : undefined;
  }

  commit(chunk: LogChunk): void {
    this.#position = { ...chunk.to };
  }

  /** The next chunk of complete lines after the position, or undefined when there is nothing new. */
  read(limits: ReadLimits): LogChunk | undefined {
    // At most: finish a rotated file, then the current one.
    for (let round = 0; round < 3; round++) {
      const found = this.#locate();
      if (!found) return undefined;
      try {
        const chunk = this.#readFrom(found.fd, found.file, found.position, limits);
        if (chunk) return chunk;
        if (found.file === this.path && !found.rotated) return undefined;
        // A rotated file read to its end: on to the path's current file from its start.
        const next = this.#fresh();
        if (!next) return undefined;
        this.#position = next;
      } finally {
        closeSync(found.fd);
      }
    }
    return undefined;
  }

  /** The path's current file as a fresh position (offset 0), if it exists. */
  #fresh(): LogPosition | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return undefined;
    }
    try {
      const stat = fstatSync(fd);
      return { head: headOf(fd), dev: stat.dev, ino: stat.ino, offset: 0 };
    } finally {
      closeSync(fd);
    }
  }

  /** The open file holding the position's content, the path first, then its rotated siblings. */
  #locate(): { fd: number; file: string; position: LogPosition; rotated: boolean } | undefined {
    const position = this.#position ?? this.#fresh();
    if (!position) return undefined;
    this.#position = position;
    const open = (file: string) => {
      try {
        const fd = openSync(file, 'r');
        const stat = fstatSync(fd);
        if (stat.isFile() && stat.size >= position.offset && (position.head === '' ? position.offset === 0 : headOf(fd) === position.head)) return { fd, stat };
        closeSync(fd);
      } catch {
        // gone or unreadable: not this one
      }
      return undefined;
    };
    const here = open(this.path);
    if (here) {
      // The path holds the content; it is "rotated" only if it is no longer the file first seen there (never: same head and size).
      return { fd: here.fd, file: this.path, position, rotated: false };
    }
    for (const sibling of this.#siblings()) {
      const there = open(sibling);
      if (there) return { fd: there.fd, file: sibling, position, rotated: true };
    }
    // The content is gone: start over on the path's current file.
    const fresh = this.#fresh();
    if (!fresh) return undefined;
    this.lost = position.offset > 0;
    this.#position = fresh;
    const fd = openSync(this.path, 'r');
    return { fd, file: this.path, position: fresh, rotated: false };
  }

  #siblings(): string[] {
    const dir = dirname(this.path);
    const base = basename(this.path);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => name !== base && name.startsWith(base) && !COMPRESSED.test(name))
      .sort()
      .map((name) => join(dir, name))
      .filter((file) => {
        try {
          return statSync(file).isFile();
        } catch {
          return false;
        }
      });
  }

  #readFrom(fd: number, file: string, position: LogPosition, limits: ReadLimits): LogChunk | undefined {
    if (this.#buffer.length < limits.maxBytes) this.#buffer = Buffer.allocUnsafe(limits.maxBytes);
    const buffer = this.#buffer;
    const n = readSync(fd, buffer, 0, limits.maxBytes, position.offset);
    if (n === 0) return undefined;
    const lines: string[] = [];
    let start = 0;
    while (lines.length < limits.maxLines) {
      const end = buffer.subarray(start, n).indexOf(10);
      if (end < 0) break;
      lines.push(buffer.toString('utf8', start, start + end).replace(/\r$/, ''));
      start += end + 1;
    }
    // A line longer than the whole buffer: take what there is rather than never moving on.
    if (lines.length === 0 && n === limits.maxBytes) {
      lines.push(buffer.toString('utf8', 0, n));
      start = n;
    }
    if (lines.length === 0) return undefined;
    const head = position.head === '' ? headOf(fd) : position.head;
    const from = { ...position, head };
    const to = { ...from, offset: position.offset + start };
    return { id: `${this.#tag}:${from.dev}:${from.ino}:${head}:${from.offset}-${to.offset}`, lines, from, to, file };
  }
}
