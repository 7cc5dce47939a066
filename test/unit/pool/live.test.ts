import test from 'ava';
import { isLive } from '../../../src/pool/index.ts';

test('an absent entry is not live', (t) => {
  t.false(isLive(undefined, 0));
});

test('an entry without expiry is live forever', (t) => {
  t.true(isLive({}, 0));
  t.true(isLive({ expiresAt: undefined }, 1e15));
});

test('an entry is live strictly before its expiry and not at or after it', (t) => {
  const entry = { expiresAt: 5000 };
  t.true(isLive(entry, 4999));
  t.false(isLive(entry, 5000), 'at expiresAt the entry no longer applies');
  t.false(isLive(entry, 5001));
});
