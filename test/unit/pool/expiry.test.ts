import test from 'ava';
import { MAX_EXPIRY_MS, parseExpiry } from '../../../src/pool/expiry.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

test('durations count from now, units combine', (t) => {
  t.is(parseExpiry('90s', NOW), NOW + 90_000);
  t.is(parseExpiry('30m', NOW), NOW + 1_800_000);
  t.is(parseExpiry('1h30m', NOW), NOW + 5_400_000);
  t.is(parseExpiry(' 2d ', NOW), NOW + 2 * 86_400_000);
  t.is(parseExpiry('1w', NOW), NOW + 604_800_000);
});

test('RFC 3339 times need a zone and must lie ahead', (t) => {
  t.is(parseExpiry('2026-11-25T18:00:00Z', NOW), Date.UTC(2026, 10, 25, 18));
  t.is(parseExpiry('2026-11-25T18:00:00+01:00', NOW), Date.UTC(2026, 10, 25, 17));
  t.is(parseExpiry('2026-11-25 12:30Z', NOW), Date.UTC(2026, 10, 25, 12, 30));
  t.throws(() => parseExpiry('2026-11-25T18:00:00', NOW), { message: /bad expiry.*2026-11-25T18:00:00Z/ });
  t.throws(() => parseExpiry('2026-11-25T11:00:00Z', NOW), { message: /in the past/ });
  t.throws(() => parseExpiry('2026-13-45T11:00:00Z', NOW), { message: /not a valid time/ });
});

test('nonsense, zero and very long expiries are refused with a hint', (t) => {
  for (const text of ['soon', '30', '1.5h', '-5m', '', 'm']) t.throws(() => parseExpiry(text, NOW), { message: /write a duration such as 90s/ }, text);
  t.throws(() => parseExpiry('0s', NOW), { message: /not in the future/ });
  t.throws(() => parseExpiry('400d', NOW), { message: /more than 366 days/ });
  t.is(parseExpiry(`${MAX_EXPIRY_MS / 1000}s`, NOW), NOW + MAX_EXPIRY_MS);
});
