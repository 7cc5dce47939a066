import test from 'ava';
import { internList, internText, LIMIT } from '../../../src/probe/intern.ts';

test('equal capability lists read from different replies come back as one frozen array', (t) => {
  const a = internList(['PIPELINING', 'SIZE 10240000', 'STARTTLS']);
  const b = internList(['PIPELINING', 'SIZE 10240000', 'STARTTLS'].map((s) => s.slice(0)));
  t.is(a, b);
  t.deepEqual([...a], ['PIPELINING', 'SIZE 10240000', 'STARTTLS']);
  t.true(Object.isFrozen(a));
  t.not(internList(['PIPELINING']), a);
  t.is(internList([]), internList([]));
});

test('lists differing only in where a line breaks are not confused', (t) => {
  t.notDeepEqual([...internList(['A B', 'C'])], [...internList(['A', 'B C'])]);
});

test('texts: the first value seen is returned for equal ones', (t) => {
  const first = internText(`farm.test ${'ESMTP'}`);
  t.is(internText(['farm', 'test ESMTP'].join('.')), first);
});

test(`bounded: past ${LIMIT} distinct values each comes back as itself, equal and unshared`, (t) => {
  for (let i = 0; i < LIMIT + 10; i++) internText(`banner ${i}`);
  for (let i = 0; i < LIMIT + 10; i++) internList([`KEYWORD${i}`]);
  const late = internText(`banner late ${LIMIT}`);
  t.is(late, `banner late ${LIMIT}`);
  const list = internList(['LATE', 'LIST']);
  t.deepEqual([...list], ['LATE', 'LIST']);
  t.not(internList(['LATE', 'LIST']), list); // not kept: the table is full
  t.true(Object.isFrozen(list));
});
