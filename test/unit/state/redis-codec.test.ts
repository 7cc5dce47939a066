import test from 'ava';
import { decodeHash, decodeMessage, decodeValue, encode, isPersistedHealth, isVote } from '../../../src/state/redis-codec.ts';
import { redisKeys } from '../../../src/redis/keys.ts';

const health = { state: 'down', since: 5, reason: '2 consecutive failures', lastFailure: { at: 5, reason: 'connect-refused' } };
const override = { kind: 'drained', reason: 'kernel update', author: 'alice', at: 1, expiresAt: 99 };
const audit = { at: 1, author: 'alice', action: 'drain', member: 'p/m1', next: override };

test('change messages round-trip and are checked field by field', (t) => {
  const messages = [
    { kind: 'health', from: 'A', member: 'p/m1', health },
    { kind: 'override', from: 'A', member: 'p/m1', override, audit },
    { kind: 'override', from: 'A', member: 'p/m1', override: null, audit: { ...audit, action: 'undrain' } },
    { kind: 'weight', from: 'B', member: 'p/m2', weight: { weight: 10, reason: 'ramp', author: 'bob', at: 2 }, audit },
    { kind: 'resync', from: 'C' },
  ];
  for (const message of messages) t.deepEqual(decodeMessage(encode(message)), message);
  t.is(decodeMessage('not json'), undefined);
  t.is(decodeMessage(encode({ kind: 'health', from: 'A', member: 'p/m1', health: { state: 'sideways', since: 1 } })), undefined);
  t.is(decodeMessage(encode({ kind: 'override', from: 'A', member: 'p/m1', override: { ...override, kind: 'gone' }, audit })), undefined);
  t.is(decodeMessage(encode({ kind: 'override', from: 'A', member: 'p/m1', override })), undefined, 'audit entry required');
  t.is(decodeMessage(encode({ kind: 'weight', from: 'A', member: 'p/m1', weight: { weight: -1, reason: '', author: 'a', at: 1 }, audit })), undefined);
  t.is(decodeMessage(encode({ kind: 'health', member: 'p/m1', health })), undefined, 'sender required');
  t.is(decodeMessage(encode({ kind: 'other', from: 'A', member: 'p/m1' })), undefined);
});

test('a hash decodes its valid fields and names the others', (t) => {
  const { entries, bad } = decodeHash({ 'p/m1': encode(health), 'p/m2': '{broken', 'p/m3': encode({ state: 'up' }) }, isPersistedHealth);
  t.deepEqual([...entries.keys()], ['p/m1']);
  t.deepEqual(bad.sort(), ['p/m2', 'p/m3']);
  t.is(decodeValue(null, isPersistedHealth), undefined);
  t.deepEqual(decodeValue(encode({ state: 'up', at: 1, expiresAt: 2 }), isVote), { state: 'up', at: 1, expiresAt: 2 });
  t.is(decodeValue(encode({ state: 'up', at: 1 }), isVote), undefined);
});

test('keys and channel live under the prefix', (t) => {
  const keys = redisKeys('prod:');
  t.is(keys.health, 'prod:health');
  t.is(keys.lease('pool/mta1'), 'prod:lease:pool/mta1');
  t.is(keys.votes('pool/mta1'), 'prod:votes:pool/mta1');
  t.is(keys.channel, 'prod:changes');
});
