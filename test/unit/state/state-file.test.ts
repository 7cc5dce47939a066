/**
 * The state file loader over real files in a temporary folder: bad entries refused with entry and
 * reason (good ones kept), a corrupt file refused with position and a copy kept aside, stale
 * temporaries removed, and a write that fails leaves no temporary behind.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyState, loadStateFile, removeStaleTemporaries, StateFileCorrupt, syntaxErrorOffset, writeStateFile } from '../../../src/state/state-file.ts';

function folder(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-statefile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const good = { kind: 'drained', reason: 'disk', author: 'alice', at: 1000 };

test('bad entries are refused with entry and reason; good ones load; the original is kept aside', async (t) => {
  const file = join(folder(t), 'state.json');
  const text = JSON.stringify({
    version: 1,
    savedAt: 5,
    health: { 'p/m1': { state: 'up', since: 1 }, 'p/m2': { state: 'bogus', since: 1 } },
    overrides: { 'p/m1': good, 'p/m2': { ...good, expiresAt: 'soon' }, 'p/m3': { ...good, at: 'x' }, 'p/m4': { reason: 'r', author: 'a', at: 1 } },
    weights: { 'p/m1': { weight: 3, reason: 'r', author: 'a', at: 1 } },
    audit: [{ at: 1, author: 'a', action: 'drain', member: 'p/m1' }, { at: 'x' }],
  });
  writeFileSync(file, text);
  const loaded = await loadStateFile(file, () => Date.UTC(2026, 0, 2, 3, 4, 5));
  t.deepEqual(Object.keys(loaded.data.health), ['p/m1']);
  t.deepEqual(loaded.data.overrides, { 'p/m1': good });
  t.deepEqual(Object.keys(loaded.data.weights), ['p/m1']);
  t.is(loaded.data.audit.length, 1);
  t.deepEqual(loaded.refused, [
    { entry: 'health["p/m2"]', reason: 'state: "bogus" is not one of unknown, up, down' },
    { entry: 'overrides["p/m2"]', reason: 'expiresAt: "soon" is not a time (whole epoch milliseconds)' },
    { entry: 'overrides["p/m3"]', reason: 'at: "x" is not a time (whole epoch milliseconds)' },
    { entry: 'overrides["p/m4"]', reason: 'kind is missing' },
    { entry: 'audit[1]', reason: 'at: "x" is not a time (whole epoch milliseconds)' },
  ]);
  t.is(loaded.keptAt, `${file}.corrupt-2026-01-02T03-04-05-000Z`);
  t.is(readFileSync(loaded.keptAt!, 'utf8'), text);
  // A second load of the same content keeps no second copy.
  const again = await loadStateFile(file, () => Date.UTC(2026, 0, 2, 3, 9, 9));
  t.is(again.keptAt, loaded.keptAt);
});

const corrupt: [string, string, RegExp][] = [
  ['truncated', '{\n "version": 1,\n "overrides": {\n  "p/m1": {"kind": "dra', /at line 4, column 24 \(byte 56\): the JSON ends early \(the file was cut off\)/],
  ['garbage', 'garbage\n', /at line 1, column 1 \(byte 0\): not JSON/],
  ['trailing junk', '{"version":1}xx', /at line 1, column 14 \(byte 13\): not JSON/],
  ['empty', '', /is corrupt: the file is empty/],
  ['an array', '[1,2]', /the file holds an array, not a state object/],
  ['another version', '{"version":2}', /version 2 is not 1/],
  ['overrides not an object', '{"version":1,"overrides":[]}', /"overrides" is an array, not an object keyed by member/],
  ['audit not a list', '{"version":1,"audit":{}}', /"audit" is an object, not a list/],
];

for (const [what, text, message] of corrupt) {
  test(`a corrupt file (${what}) is refused with file, position and remedy, and kept aside`, async (t) => {
    const file = join(folder(t), 'state.json');
    writeFileSync(file, text);
    const error = await t.throwsAsync(loadStateFile(file), { instanceOf: StateFileCorrupt });
    t.regex(error!.message, message);
    t.true(error!.message.startsWith(`state file ${file} is corrupt`));
    t.regex(error!.message, /repair the file .* or move it away/);
    t.is(readFileSync(file, 'utf8'), text, 'the file itself stays in place');
    t.truthy(error!.keptAt);
    t.is(readFileSync(error!.keptAt!, 'utf8'), text);
  });
}

test('the syntax error offset is found where V8 names none', (t) => {
  t.is(syntaxErrorOffset('{"a": tru!}', 'Unexpected token'), 9);
  t.is(syntaxErrorOffset('{"a": 1', 'Unexpected end of JSON input'), 7);
  t.is(syntaxErrorOffset('{"a" 1}', "Expected ':' after property name in JSON at position 5"), 5);
});

test('a missing file is an empty state', async (t) => {
  const loaded = await loadStateFile(join(folder(t), 'none.json'));
  t.deepEqual(loaded, { data: emptyState(), refused: [] });
});

test('stale temporaries of dead writers are removed; a live writer\'s and other files stay', async (t) => {
  const dir = folder(t);
  const file = join(dir, 'state.json');
  // 2^22 + 1 is above Linux's pid_max limit: no process has it.
  for (const name of ['state.json.4194305.tmp', `state.json.${process.pid}.tmp`, `state.json.${process.ppid}.tmp`, 'state.json.notes.tmp', 'other.json.4194305.tmp']) writeFileSync(join(dir, name), 'x');
  const removed = await removeStaleTemporaries(file);
  t.deepEqual(removed.sort(), [join(dir, 'state.json.4194305.tmp'), join(dir, `state.json.${process.pid}.tmp`)].sort());
  t.deepEqual(readdirSync(dir).sort(), [`state.json.${process.ppid}.tmp`, 'other.json.4194305.tmp', 'state.json.notes.tmp'].sort());
});

test('a failed write rejects and leaves neither a temporary nor a changed file', async (t) => {
  const dir = folder(t);
  const parent = join(dir, 'plain-file');
  writeFileSync(parent, 'x');
  await t.throwsAsync(writeStateFile(join(parent, 'state.json'), emptyState()), { code: 'ENOTDIR' });
  const gone = join(dir, 'gone', 'state.json');
  await t.throwsAsync(writeStateFile(gone, emptyState()), { code: 'ENOENT' });
  t.deepEqual(readdirSync(dir), ['plain-file']);
});
