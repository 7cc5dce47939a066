import test from 'ava';
import { BatchLedger, MAX_OUTCOMES, validateBatch } from '../../../src/signals/index.ts';

const NOW = Date.UTC(2026, 11, 6, 18, 0, 0);
const context = { now: NOW, isMember: (id: string) => id === 'p/a' || id === 'p/b' };

test('a good batch is completed: provider from the domain, at and source defaulted', (t) => {
  const result = validateBatch({ batch: 'b1', outcomes: [{ member: 'p/a', status: 'deferred', dsn: '4.7.28', reply: '421-4.7.28\r\nrate', domain: 'Gmail.com', delay: 1.5 }, { member: 'p/b', status: 'sent', provider: 'yahoo', at: '2026-12-06T17:59:00Z' }] }, context);
  if (!result.ok) return t.fail(result.problem.message);
  t.deepEqual(result.outcomes, [
    { member: 'p/a', status: 'deferred', dsn: '4.7.28', reply: '421-4.7.28 rate', domain: 'gmail.com', provider: 'gmail', delay: 1.5, at: NOW, source: 'api' },
    { member: 'p/b', status: 'sent', provider: 'yahoo', at: NOW - 60_000, source: 'api' },
  ]);
});

const bad: [string, unknown, number, string, RegExp][] = [
  ['not an object', [], -1, 'body', /JSON object/],
  ['stray field', { batch: 'b', outcomes: [], extra: 1 }, -1, 'extra', /unknown field/],
  ['no batch id', { outcomes: [] }, -1, 'batch', /"batch"/],
  ['batch id with space', { batch: 'a b', outcomes: [] }, -1, 'batch', /"batch"/],
  ['outcomes not an array', { batch: 'b', outcomes: {} }, -1, 'outcomes', /array/],
  ['too many', { batch: 'b', outcomes: Array.from({ length: MAX_OUTCOMES + 1 }, () => ({ member: 'p/a', status: 'sent' })) }, -1, 'outcomes', /at most/],
  ['bad status', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent' }, { member: 'p/a', status: 'delivered' }] }, 1, 'status', /outcomes\[1\]\.status/],
  ['missing member', { batch: 'b', outcomes: [{ status: 'sent' }] }, 0, 'member', /required/],
  ['bad dsn', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', dsn: '250' }] }, 0, 'dsn', /X\.Y\.Z/],
  ['bad provider', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', provider: 'aol' }] }, 0, 'provider', /one of/],
  ['negative delay', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', delay: -1 }] }, 0, 'delay', /seconds/],
  ['at too old', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', at: NOW - 2 * 86_400_000 }] }, 0, 'at', /24 hours/],
  ['at not a time', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', at: 'yesterday' }] }, 0, 'at', /RFC 3339/],
  ['unknown field in outcome', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', recipient: 'x' }] }, 0, 'recipient', /unknown field/],
  ['bad domain', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', domain: 'a b' }] }, 0, 'domain', /domain/],
  ['client not an address', { batch: 'b', outcomes: [{ member: 'p/a', status: 'sent', client: 'app1.example' }] }, 0, 'client', /IPv4 or IPv6 address/],
];

for (const [name, body, index, field, message] of bad) {
  test(`bad batch: ${name}`, (t) => {
    const result = validateBatch(body, context);
    if (result.ok) return t.fail('accepted');
    t.is(result.problem.index, index);
    t.is(result.problem.field, field);
    t.regex(result.problem.message, message);
  });
}

test('unknown members are all named, with the first index', (t) => {
  const result = validateBatch({ batch: 'b', outcomes: [{ member: 'p/a', status: 'sent' }, { member: 'p/x', status: 'sent' }, { member: 'q/y', status: 'sent' }, { member: 'p/x', status: 'sent' }] }, context);
  if (result.ok) return t.fail('accepted');
  t.deepEqual(result.problem.unknown, ['p/x', 'q/y']);
  t.is(result.problem.index, 1);
  t.regex(result.problem.message, /"p\/x", "q\/y"/);
});

test('ledger remembers by count and age', (t) => {
  const ledger = new BatchLedger({ maxBatches: 2, maxAgeMs: 1000 });
  ledger.remember('a', 'd1', 1, 0);
  ledger.remember('b', 'd2', 1, 10);
  t.like(ledger.lookup('a', 20), { digest: 'd1', count: 1 });
  ledger.remember('c', 'd3', 1, 30);
  t.is(ledger.lookup('a', 40), undefined);
  t.truthy(ledger.lookup('b', 40));
  t.is(ledger.lookup('b', 1011), undefined);
  t.truthy(ledger.lookup('c', 1011));
  t.is(ledger.size, 1);
});
