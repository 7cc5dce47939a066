import test from 'ava';
import { encodeNames, NameSet, NameTable } from '../../../src/dns/name-table.ts';

test('names added in batches are found by id in order; absent names, prefixes and longer names are not', (t) => {
  const table = new NameTable(6);
  table.add(encodeNames(['a.test.', 'b.test.', '']));
  table.add(encodeNames(['xn--bcher-kva.test.', 'odd\\032label.test.', 'a.test.']));
  t.is(table.size, 5, 'a duplicate keeps its first id');
  t.is(table.find('a.test.'), 0);
  t.is(table.find('b.test.'), 1);
  t.is(table.find(''), 2);
  t.is(table.find('xn--bcher-kva.test.'), 3);
  t.is(table.find('odd\\032label.test.'), 4);
  for (const absent of ['a.test', 'a.test..', 'A.test.', 'c.test.', 'test.']) t.is(table.find(absent), -1, absent);
  t.deepEqual(table.where(3), [1, 0]);
  t.is(table.nameOf(4), 'odd\\032label.test.');
  t.deepEqual([...table.names()], ['a.test.', 'b.test.', '', 'xn--bcher-kva.test.', 'odd\\032label.test.']);
});

test('a full table (load factor one half) with many colliding probes finds every name and no other', (t) => {
  const names = Array.from({ length: 50_000 }, (_, i) => `h${i}.big.test.`);
  const table = new NameTable(names.length);
  for (let i = 0; i < names.length; i += 2_048) table.add(encodeNames(names.slice(i, i + 2_048)));
  t.is(table.size, names.length);
  let wrong = 0;
  for (let i = 0; i < names.length; i++) if (table.find(names[i]!) !== i) wrong++;
  t.is(wrong, 0);
  let found = 0;
  for (let i = 0; i < 50_000; i++) if (table.find(`h${i}.other.test.`) >= 0 || table.find(`x${i}.big.test.`) >= 0) found++;
  t.is(found, 0);
  t.throws(() => table.add(encodeNames(['one.more.test.'])), { instanceOf: RangeError });
});

test('NameSet reads like a Set of the names', (t) => {
  const table = new NameTable(3);
  table.add(encodeNames(['x.', 'y.', 'z.']));
  const set = new NameSet(table);
  t.is(set.size, 3);
  t.true(set.has('y.'));
  t.false(set.has('w.'));
  t.deepEqual([...set], ['x.', 'y.', 'z.']);
  t.deepEqual([...set.entries()][0], ['x.', 'x.']);
});
