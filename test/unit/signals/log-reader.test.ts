import test from 'ava';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogReader } from '../../../src/signals/index.ts';

function file(t: { teardown(fn: () => void): void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-reader-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'maillog');
  writeFileSync(path, text);
  return path;
}

const limits = { maxLines: 2, maxBytes: 1024 };

test('complete lines only, in chunks; nothing moves until commit; ids name the range', (t) => {
  const path = file(t, 'one\ntwo\nthree\nfour-partial');
  const reader = new LogReader(path, { tag: 'h' });
  const a = reader.read(limits)!;
  t.deepEqual(a.lines, ['one', 'two']);
  t.deepEqual(reader.read(limits)!.lines, ['one', 'two'], 'not committed: read again');
  t.regex(a.id, /^h:\d+:\d+:[0-9a-f]{12}:0-8$/);
  reader.commit(a);
  const b = reader.read(limits)!;
  t.deepEqual(b.lines, ['three']);
  reader.commit(b);
  t.is(reader.read(limits), undefined, 'a partial line waits');
  appendFileSync(path, '\n');
  t.deepEqual(reader.read(limits)!.lines, ['four-partial']);
});

test('a saved position resumes; an empty file waits; a line longer than the buffer is cut', (t) => {
  const path = file(t, '');
  const reader = new LogReader(path, { tag: 'h' });
  t.is(reader.read(limits), undefined);
  appendFileSync(path, 'first\nsecond\n');
  const a = reader.read({ maxLines: 1, maxBytes: 1024 })!;
  reader.commit(a);
  const resumed = new LogReader(path, { tag: 'h', position: reader.position! });
  t.deepEqual(resumed.read(limits)!.lines, ['second']);
  const long = file(t, `${'x'.repeat(40)}\nend\n`);
  const cut = new LogReader(long, { tag: 'h' });
  const c = cut.read({ maxLines: 5, maxBytes: 16 })!;
  t.deepEqual(c.lines, ['x'.repeat(16)]);
});
