import test from 'ava';
import type { PersistedHealth } from '../../../src/state/store.ts';
import { addAudit, mergeHealth, mergeOperatorState } from '../../../src/state/redis-merge.ts';

const h = (state: PersistedHealth['state'], since: number): PersistedHealth => ({ state, since });

test('health: the later transition wins and local winners are pushed back', (t) => {
  const local = new Map([['a', h('down', 20)], ['b', h('up', 5)], ['c', h('down', 7)]]);
  const remote = new Map([['a', h('up', 10)], ['b', h('down', 15)], ['d', h('up', 1)]]);
  const { merged, push } = mergeHealth(local, remote, { remoteWins: false });
  t.deepEqual(Object.fromEntries(merged), { a: h('down', 20), b: h('down', 15), c: h('down', 7), d: h('up', 1) });
  t.deepEqual([...push.keys()].sort(), ['a', 'c']);
});

test('health with quorum: Redis (the quorum) wins; local verdicts only fill members Redis lacks, unpushed', (t) => {
  const local = new Map([['a', h('down', 20)], ['c', h('down', 7)]]);
  const remote = new Map([['a', h('up', 10)]]);
  const { merged, push } = mergeHealth(local, remote, { remoteWins: true });
  t.deepEqual(Object.fromEntries(merged), { a: h('up', 10), c: h('down', 7) });
  t.is(push.size, 0);
});

test('a tie goes to Redis', (t) => {
  const { merged, push } = mergeHealth(new Map([['a', h('down', 10)]]), new Map([['a', h('up', 10)]]), { remoteWins: false });
  t.is(merged.get('a')!.state, 'up');
  t.is(push.size, 0);
});

test('operator state: Redis wins except for members changed here while cut off', (t) => {
  const local = new Map([['a', 'drained-here'], ['b', 'stale']]);
  const remote = new Map([['b', 'newer-elsewhere'], ['c', 'set-elsewhere'], ['d', 'cleared-here']]);
  const { merged, push, remove } = mergeOperatorState(local, remote, new Set(['a', 'd']), false);
  t.deepEqual(Object.fromEntries(merged), { b: 'newer-elsewhere', c: 'set-elsewhere', a: 'drained-here' });
  t.deepEqual(Object.fromEntries(push), { a: 'drained-here' });
  t.deepEqual(remove, ['d']);
});

test('operator state after Redis lost its data: local entries are pushed back', (t) => {
  const local = new Map([['a', 'x'], ['b', 'y']]);
  const { merged, push } = mergeOperatorState(local, new Map([['b', 'z']]), new Set(), true);
  t.deepEqual(Object.fromEntries(merged), { a: 'x', b: 'z' });
  t.deepEqual(Object.fromEntries(push), { a: 'x' });
  t.is(mergeOperatorState(local, new Map(), new Set(), false).merged.size, 0, 'without data loss a remote clear wins');
});

test('audit: an entry seen again (replay, message and re-read) is not added twice; the log stays bounded', (t) => {
  const e1 = { at: 1, author: 'alice', action: 'drain', member: 'a' };
  const e2 = { at: 2, author: 'alice', action: 'undrain', member: 'a' };
  let log = addAudit([], e1, 3);
  log = addAudit(log, e2, 3);
  t.deepEqual(addAudit(log, { ...e2 }, 3), [e2, e1], 'a copy of a recent entry');
  t.is(addAudit(log, e1, 3), log);
  const longer = [4, 5, 6].reduce((l, at) => addAudit(l, { ...e1, at }, 3), log);
  t.deepEqual(longer.map((e) => e.at), [6, 5, 4]);
});
