import test from 'ava';
import { quorumVerdict, tally } from '../../../src/state/quorum.ts';
import type { Vote } from '../../../src/state/redis-codec.ts';
import type { PersistedHealth } from '../../../src/state/store.ts';

const NOW = 1000;
const vote = (state: Vote['state'], reason?: string, expiresAt = NOW + 5000): Vote => ({ state, at: NOW, expiresAt, ...(reason ? { reason } : {}) });
const up: PersistedHealth = { state: 'up', since: 1 };
const down: PersistedHealth = { state: 'down', since: 1 };

test('one instance seeing down does not take a member out with quorum 2', (t) => {
  const votes = new Map([['A', vote('down', 'connect-refused')], ['B', vote('up')], ['C', vote('up')]]);
  t.is(quorumVerdict(votes, 2, up, NOW), undefined);
});

test('K instances seeing down take it down, with the reasons', (t) => {
  const votes = new Map([['A', vote('down', 'connect-refused')], ['B', vote('down', 'banner-timeout')], ['C', vote('up')]]);
  const next = quorumVerdict(votes, 2, up, NOW)!;
  t.is(next.state, 'down');
  t.is(next.since, NOW);
  t.is(next.lastFailure?.reason, 'connect-refused');
  t.regex(next.reason!, /2 of 2 instances needed see it down \(A: connect-refused; B: banner-timeout\)/);
});

test('it comes back up when fewer than K see down and one sees up', (t) => {
  const votes = new Map([['A', vote('down', 'connect-refused')], ['B', vote('up')]]);
  t.is(quorumVerdict(votes, 2, down, NOW)?.state, 'up');
});

test('without K down votes and without an up vote the previous verdict stands', (t) => {
  const votes = new Map([['A', vote('down', 'x')], ['B', vote('unknown')]]);
  t.is(quorumVerdict(votes, 2, up, NOW), undefined);
  t.is(quorumVerdict(votes, 2, undefined, NOW), undefined);
});

test('expired votes (a dead instance) do not count', (t) => {
  const votes = new Map([['A', vote('down', 'x')], ['B', vote('down', 'x', NOW)], ['C', vote('up')]]);
  t.deepEqual(tally(votes, NOW).down, 1);
  t.is(quorumVerdict(votes, 2, up, NOW), undefined);
  t.is(quorumVerdict(new Map([['B', vote('up', undefined, NOW - 1)]]), 1, down, NOW), undefined);
});

test('quorum 1 behaves like any instance deciding; an unchanged verdict is not rewritten', (t) => {
  t.is(quorumVerdict(new Map([['A', vote('down', 'x')], ['B', vote('up')]]), 1, up, NOW)?.state, 'down');
  t.is(quorumVerdict(new Map([['A', vote('down', 'x')]]), 1, down, NOW), undefined);
});
