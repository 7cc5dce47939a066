/**
 * DnsblMonitor under a fake clock with a scripted list (a map of query → answer): test points
 * first, confirm with quick re-checks, clear, refusals, silent lists, unusable lists, budgets,
 * reloads and stop. The lookups through a real resolver are in test/integration/dnsbl-serve.test.ts.
 */
import test from 'ava';
import type { DnsblConfig } from '../../../src/reputation/dnsbl-config.ts';
import { DnsblMonitor, type DnsblChange } from '../../../src/reputation/dnsbl-monitor.ts';
import type { DnsblListSpec, DnsblResult } from '../../../src/reputation/dnsbl.ts';
import { FakeClock } from '../probe/scheduler-fake-clock.ts';

const LISTED: DnsblResult = { status: 'listed', codes: ['127.0.0.2'], reason: 'listed here' };
const CLEAN: DnsblResult = { status: 'not-listed' };

/** A scripted list: answers by address (test points well-behaved unless changed). */
function scripted() {
  const answers = new Map<string, DnsblResult>([['127.0.0.2', LISTED], ['127.0.0.1', CLEAN]]);
  const calls: Array<{ address: string; zone: string; at: number }> = [];
  return { answers, calls };
}

function setup(config: Partial<DnsblConfig> = {}) {
  const clock = new FakeClock();
  const list = scripted();
  const changes: DnsblChange[] = [];
  const monitor = new DnsblMonitor({
    clock,
    random: () => 0.5, // no jitter
    staggerMs: 0,
    testPointsEveryMs: 3_600_000,
    lookup: async (address: string, spec: DnsblListSpec) => {
      list.calls.push({ address, zone: spec.zone, at: clock.now() });
      return list.answers.get(address) ?? CLEAN;
    },
  });
  monitor.onChange((c) => changes.push(c));
  const cfg: DnsblConfig = { resolver: '127.0.0.1:53', intervalMs: 60_000, recheckMs: 5000, timeoutMs: 1000, confirm: 2, clear: 2, lists: [{ zone: 'bl.test' }], ...config };
  monitor.setTargets([{ memberId: 'p/a', address: '192.0.2.1', config: cfg }, { memberId: 'p/b', address: '192.0.2.2', config: cfg }]);
  const state = (member: string, i = 0) => monitor.verdicts().get(member)!.lists[i]!.state;
  const memberCalls = (address: string) => list.calls.filter((c) => c.address === address).map((c) => c.at);
  return { clock, list, changes, monitor, state, memberCalls, cfg };
}

test('test points first, then lookups; listed after confirm with a quick re-check; clear after clear lookups', async (t) => {
  const { clock, list, changes, monitor, state, memberCalls } = setup();
  list.answers.set('192.0.2.1', LISTED);
  await clock.advance(0);
  t.deepEqual(list.calls.slice(0, 2).map((c) => c.address).sort(), ['127.0.0.1', '127.0.0.2']);
  t.is(state('p/a'), 'unknown');
  await clock.advance(5000);
  t.deepEqual(memberCalls('192.0.2.1'), [0, 5000]); // pending → re-checked after recheck (5 s), not the interval
  t.is(state('p/a'), 'listed');
  t.is(state('p/b'), 'clear');
  t.like(changes.find((c) => c.member === 'p/a'), { from: 'unknown', to: 'listed', list: 'bl.test', verdict: { codes: ['127.0.0.2'], reason: 'listed here' } });
  // Delisted: one clean answer at the interval, the next one after the re-check.
  list.answers.delete('192.0.2.1');
  await clock.advance(60_000);
  t.is(state('p/a'), 'listed');
  t.deepEqual(monitor.verdicts().get('p/a')!.lists[0]!.pending, { toward: 'clear', count: 1 });
  await clock.advance(5000);
  t.is(state('p/a'), 'clear');
  t.deepEqual(memberCalls('192.0.2.1'), [0, 5000, 65_000, 70_000]);
});

test('a refusing list: error, never listed; a silent list keeps the verdict', async (t) => {
  const { clock, list, changes, state } = setup();
  list.answers.set('192.0.2.1', LISTED);
  await clock.advance(5000);
  t.is(state('p/a'), 'listed');
  list.answers.set('192.0.2.1', { status: 'unknown', why: 'timeout' });
  await clock.advance(600_000);
  t.is(state('p/a'), 'listed');
  list.answers.set('192.0.2.2', { status: 'error', code: '127.255.255.254', why: 'public-resolver' });
  await clock.advance(120_000);
  t.is(state('p/b'), 'error');
  t.false(changes.some((c) => c.member === 'p/b' && c.to === 'listed'));
  t.like(changes.find((c) => c.member === 'p/b' && c.to === 'error'), { verdict: { codes: ['127.255.255.254'], reason: 'public-resolver' } });
});

test('a list failing its test points is unusable: no member lookups, verdicts unusable; usable again later', async (t) => {
  const { clock, list, state, memberCalls } = setup();
  list.answers.set('127.0.0.1', LISTED); // lists everything
  list.answers.set('192.0.2.1', LISTED);
  await clock.advance(10_000);
  t.is(state('p/a'), 'unusable');
  t.deepEqual(memberCalls('192.0.2.1'), []);
  t.is(list.calls.length, 2);
  list.answers.set('127.0.0.1', CLEAN);
  await clock.advance(50_000); // re-tested on the interval (t = 60 s): usable, first lookup
  t.is(state('p/a'), 'unknown');
  await clock.advance(5000);
  t.is(state('p/a'), 'listed');
});

test('test points that do not answer: no lookups until they do', async (t) => {
  const { clock, list, state, memberCalls } = setup();
  list.answers.set('127.0.0.2', { status: 'unknown', why: 'timeout' });
  await clock.advance(20_000);
  t.is(state('p/a'), 'unknown');
  t.deepEqual(memberCalls('192.0.2.1'), []);
  list.answers.set('127.0.0.2', LISTED);
  await clock.advance(5000);
  t.true(memberCalls('192.0.2.1').length > 0);
});

test('a daily budget stops lookups and says so until UTC midnight', async (t) => {
  // 4 for the test points, 2 reserved per lookup and 1 given back for a clean answer (no TXT):
  // a at 0 (5), b at 0 (6), a's re-check (7), b's re-check does not fit (7 + 2 > 8).
  const { clock, monitor, memberCalls } = setup({ lists: [{ zone: 'bl.test', dailyBudget: 8 }] });
  await clock.advance(60_000 * 3);
  t.deepEqual([memberCalls('192.0.2.1').length, memberCalls('192.0.2.2').length], [2, 1]);
  t.true(monitor.verdicts().get('p/b')!.lists[0]!.budgetExhausted);
  t.true(monitor.lookupCounts().some((c) => c.result === 'budget-exhausted' && c.total > 0));
  await clock.advance(24 * 3_600_000);
  t.true(memberCalls('192.0.2.1').length > 1);
});

test('reload: unchanged pairs keep verdicts, a changed address starts over, removed members leave; stop ends all', async (t) => {
  const { clock, list, monitor, state, cfg } = setup();
  list.answers.set('192.0.2.1', LISTED);
  await clock.advance(5000);
  monitor.setTargets([{ memberId: 'p/a', address: '192.0.2.1', config: cfg }, { memberId: 'p/c', address: '192.0.2.3', config: cfg }]);
  t.is(state('p/a'), 'listed');
  t.false(monitor.verdicts().has('p/b'));
  monitor.setTargets([{ memberId: 'p/a', address: '192.0.2.9', config: cfg }]);
  t.is(state('p/a'), 'unknown');
  monitor.stop();
  const before = list.calls.length;
  await clock.advance(3_600_000);
  t.is(list.calls.length, before);
  t.is(clock.pending, 0);
});

test('test points answered with a refusal code: every member in error (never listed), no member lookups; answers later clear', async (t) => {
  const { clock, list, changes, state, memberCalls } = setup();
  const refusal: DnsblResult = { status: 'error', code: '127.255.255.254', why: 'public-resolver' };
  list.answers.set('127.0.0.2', refusal);
  list.answers.set('127.0.0.1', refusal);
  list.answers.set('192.0.2.1', LISTED);
  await clock.advance(10_000);
  t.deepEqual([state('p/a'), state('p/b')], ['error', 'error']);
  t.deepEqual(memberCalls('192.0.2.1'), []);
  t.false(changes.some((c) => c.to === 'listed'));
  list.answers.set('127.0.0.2', LISTED);
  list.answers.set('127.0.0.1', CLEAN);
  await clock.advance(60_000);
  await clock.advance(5000);
  t.deepEqual([state('p/a'), state('p/b')], ['listed', 'clear']);
});
