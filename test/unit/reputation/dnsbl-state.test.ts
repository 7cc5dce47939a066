/**
 * The DNSBL verdict machine over simulated time (src/reputation/dnsbl-state.ts): confirm, clear,
 * errors that are never listings, unknown answers that keep the verdict, unusable lists, budgets.
 */
import test from 'ava';
import type { DnsblResult } from '../../../src/reputation/dnsbl.ts';
import {
  initialDnsbl, listedLists, nextUtcMidnight, spendBudget, stepDnsbl, unusableDnsbl, usableAgain, type DnsblListVerdict, type DnsblState,
} from '../../../src/reputation/dnsbl-state.ts';

const L: DnsblResult = { status: 'listed', codes: ['127.0.0.2'], reason: 'see https://bl.test' };
const N: DnsblResult = { status: 'not-listed' };
const E: DnsblResult = { status: 'error', code: '127.255.255.254', why: 'public-resolver' };
const U: DnsblResult = { status: 'unknown', why: 'timeout' };
const names = new Map<DnsblResult, string>([[L, 'L'], [N, 'N'], [E, 'E'], [U, 'U']]);

/** Feeds `results` one a minute from t=0; returns the state after each and the transitions. */
function run(results: DnsblResult[], confirm = 2, clear = 2, start: DnsblListVerdict = initialDnsbl('bl.test')) {
  let v = start;
  const states: DnsblState[] = [];
  const moves: string[] = [];
  results.forEach((r, i) => {
    const { next, transition } = stepDnsbl(v, r, { confirm, clear }, i * 60_000);
    v = next;
    states.push(v.state);
    if (transition) moves.push(`${transition.from}>${transition.to}@${i}`);
  });
  return { states, moves, last: v };
}

const table: Array<[title: string, results: DnsblResult[], confirm: number, clear: number, states: DnsblState[], moves: string[]]> = [
  ['listed after confirm=2 listed answers', [L, L, L], 2, 2, ['unknown', 'listed', 'listed'], ['unknown>listed@1']],
  ['confirm=1 lists at once', [L], 1, 2, ['listed'], ['unknown>listed@0']],
  ['a clean answer breaks the listed streak', [L, N, L, L], 2, 2, ['unknown', 'unknown', 'unknown', 'listed'], ['unknown>listed@3']],
  ['clear after clear=2 clean answers', [N, N], 2, 2, ['unknown', 'clear'], ['unknown>clear@1']],
  ['delisting needs clear=3 clean answers', [L, L, N, N, N], 2, 3, ['unknown', 'listed', 'listed', 'listed', 'clear'], ['unknown>listed@1', 'listed>clear@4']],
  ['a listed answer in the middle restarts the clear streak', [L, L, N, L, N, N], 2, 2, ['unknown', 'listed', 'listed', 'listed', 'listed', 'clear'], ['unknown>listed@1', 'listed>clear@5']],
  ['an error is an error at once, never a listing', [E, E, E], 2, 2, ['error', 'error', 'error'], ['unknown>error@0']],
  ['an error in a listed streak resets it', [L, E, L], 2, 2, ['unknown', 'error', 'error'], ['unknown>error@1']],
  ['a listed member whose list starts refusing is in error', [L, L, E], 2, 2, ['unknown', 'listed', 'error'], ['unknown>listed@1', 'listed>error@2']],
  ['unknown keeps a listing', [L, L, U, U, U], 2, 2, ['unknown', 'listed', 'listed', 'listed', 'listed'], ['unknown>listed@1']],
  ['unknown keeps clear', [N, N, U], 2, 2, ['unknown', 'clear', 'clear'], ['unknown>clear@1']],
  ['unknown neither advances nor breaks a streak', [L, U, L], 2, 2, ['unknown', 'unknown', 'listed'], ['unknown>listed@2']],
  ['after an error, clean answers clear', [E, N, N], 2, 2, ['error', 'error', 'clear'], ['unknown>error@0', 'error>clear@2']],
];

for (const [title, results, confirm, clear, states, moves] of table) {
  test(`${title} (${results.map((r) => names.get(r)).join('')})`, (t) => {
    const r = run(results, confirm, clear);
    t.deepEqual(r.states, states);
    t.deepEqual(r.moves, moves);
    t.not(r.last.state === 'listed' && results.every((x) => x !== L), true);
  });
}

test('a listing keeps codes, reason and since; lastCheck follows; pending shows the streak', (t) => {
  const first = stepDnsbl(initialDnsbl('bl.test'), L, { confirm: 2, clear: 2 }, 1000).next;
  t.deepEqual(first.pending, { toward: 'listed', count: 1 });
  const listed = stepDnsbl(first, L, { confirm: 2, clear: 2 }, 2000).next;
  t.like(listed, { state: 'listed', codes: ['127.0.0.2'], reason: 'see https://bl.test', since: 2000, lastCheck: 2000 });
  t.is(listed.pending, undefined);
  const again = stepDnsbl(listed, { status: 'listed', codes: ['127.0.0.3'] }, { confirm: 2, clear: 2 }, 3000).next;
  t.like(again, { state: 'listed', codes: ['127.0.0.3'], since: 2000, lastCheck: 3000 });
  const timeout = stepDnsbl(again, U, { confirm: 2, clear: 2 }, 4000).next;
  t.like(timeout, { state: 'listed', since: 2000, lastCheck: 4000 });
  t.deepEqual(listedLists({ lists: [timeout, { list: 'other.test', state: 'clear' }, { list: 'err.test', state: 'error', codes: ['127.255.255.254'] }] }), [
    { list: 'bl.test', codes: ['127.0.0.3'], reason: 'see https://bl.test', since: 2000 },
  ]);
  t.deepEqual(listedLists(undefined), []);
});

test('an unusable list: its verdict says unusable (not listed) and starts over when usable again', (t) => {
  const listed = run([L, L]).last;
  const unusable = unusableDnsbl(listed, '127.0.0.1 is listed', 5000);
  t.deepEqual(unusable.transition, { from: 'listed', to: 'unusable' });
  t.like(unusable.next, { state: 'unusable', reason: '127.0.0.1 is listed', since: 5000 });
  t.deepEqual(listedLists({ lists: [unusable.next] }), []);
  t.is(unusableDnsbl(unusable.next, 'still', 6000).transition, undefined);
  const back = usableAgain(unusable.next, 7000);
  t.deepEqual(back.transition, { from: 'unusable', to: 'unknown' });
  t.like(back.next, { state: 'unknown', since: 7000 });
  t.is(usableAgain(listed, 7000).next, listed);
});

test('budget: spends within the limit, refuses beyond it, starts over at UTC midnight', (t) => {
  const day = Date.UTC(2026, 11, 6, 23, 59, 0);
  let b = spendBudget(undefined, 2, 5, day);
  t.deepEqual(b, { ok: true, next: { day: '2026-12-06', used: 2 } });
  b = spendBudget(b.next, 2, 5, day + 1000);
  t.true(b.ok);
  const refused = spendBudget(b.next, 2, 5, day + 2000);
  t.deepEqual(refused, { ok: false, next: { day: '2026-12-06', used: 4 } });
  t.true(spendBudget(b.next, 1, 5, day + 2000).ok);
  t.is(nextUtcMidnight(day), Date.UTC(2026, 11, 7));
  const tomorrow = spendBudget(refused.next, 2, 5, Date.UTC(2026, 11, 7, 0, 0, 1));
  t.deepEqual(tomorrow, { ok: true, next: { day: '2026-12-07', used: 2 } });
  t.deepEqual(spendBudget(undefined, 1_000_000, undefined, day), { ok: true, next: { day: '2026-12-06', used: 1_000_000 } });
});
