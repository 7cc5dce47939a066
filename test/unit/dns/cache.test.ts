import test from 'ava';
import { AnswerCache, cacheKey, entryBytes, nextTurn, replyShape, type CacheEntry } from '../../../src/dns/cache.ts';
import { scanQuery } from '../../../src/dns/query.ts';
import { buildQuery } from '../../helpers/dns-client.ts';

const keyOf = (query: Buffer, tcp = false): string => {
  const scan = scanQuery(query);
  return cacheKey(query, scan.qnameEnd, replyShape(scan.edns, tcp).code);
};
const entry = (rcode = 0): CacheEntry => ({ rcode, ring: [Buffer.alloc(12)], members: [undefined], next: 0 });

test('the key ignores ASCII case and the ID, and tells type, class and shape apart', (t) => {
  const base = keyOf(buildQuery({ id: 1, name: 'smtp.relay.example' }));
  t.is(keyOf(buildQuery({ id: 2, name: 'SMTP.Relay.EXAMPLE', rd: false })), base);
  t.not(keyOf(buildQuery({ name: 'smtp.relay.example', type: 28 })), base);
  t.not(keyOf(buildQuery({ name: 'smtp.relay.example', class: 3 })), base);
  t.not(keyOf(buildQuery({ name: 'smtp.relay.example', edns: {} })), base);
  t.not(keyOf(buildQuery({ name: 'smtp.relay.example' }), true), base, 'TCP has its own limit');
  t.not(keyOf(buildQuery({ name: 'smtp.relay.exampl' })), base);
  // non-ASCII octets are not case-folded (RFC 4343 §3)
  const upper = Buffer.from(buildQuery({ name: 'x.example' }));
  const lower = Buffer.from(upper);
  upper[13] = 0xc0;
  lower[13] = 0xe0;
  t.not(keyOf(upper), keyOf(lower));
});

test('reply shapes: buckets of the UDP limit, OPT and DO bits, TCP', (t) => {
  t.deepEqual(replyShape(null, false), { code: 0, limit: 512 });
  t.deepEqual(replyShape({ payload: 512, version: 0, dnssecOk: false }, false), { code: 4, limit: 512 });
  t.deepEqual(replyShape({ payload: 1100, version: 0, dnssecOk: false }, false), { code: 5, limit: 1024 });
  t.deepEqual(replyShape({ payload: 4096, version: 0, dnssecOk: true }, false), { code: 14, limit: 1232 });
  t.deepEqual(replyShape(null, true), { code: 3, limit: 65535 });
  t.deepEqual(replyShape({ payload: 4096, version: 0, dnssecOk: false }, true), { code: 7, limit: 65535 });
});

test('a version change drops everything; the same version keeps it', (t) => {
  const cache = new AnswerCache();
  cache.sync(1);
  cache.set('a', entry(), false);
  cache.set('b', entry(3), true);
  cache.sync(1);
  t.is(cache.size, 2);
  t.truthy(cache.get('b'));
  cache.sync(2);
  t.is(cache.size, 0);
  t.is(cache.get('a'), undefined);
});

test('both maps are bounded and a negative flood does not evict positive entries', (t) => {
  const cache = new AnswerCache({ maxEntries: 3, maxNegative: 5 });
  cache.sync(1);
  for (const key of ['p1', 'p2', 'p3']) cache.set(key, entry(), false);
  for (let i = 0; i < 10_000; i++) cache.set(`n${i}`, entry(3), true);
  t.is(cache.size, 8);
  t.truthy(cache.get('p1'));
  t.truthy(cache.get('n9999'));
  t.is(cache.get('n9994'), undefined, 'the oldest negative entries went first');
  cache.set('p4', entry(), false);
  t.is(cache.get('p1'), undefined);
  t.truthy(cache.get('p4'));
  t.is(cache.size, 8);
});

test('nextTurn cycles through the ring', (t) => {
  const e: CacheEntry = { rcode: 0, ring: [undefined, undefined, undefined], members: [undefined, undefined, undefined], next: 0 };
  t.deepEqual([0, 1, 2, 3, 4, 5, 6].map(() => nextTurn(e)), [0, 1, 2, 0, 1, 2, 0]);
  const one: CacheEntry = { rcode: 0, ring: [undefined], members: [undefined], next: 0 };
  t.deepEqual([nextTurn(one), nextTurn(one)], [0, 0]);
});

test('byte bounds: each map keeps within its bytes (reply bytes + key + overhead), oldest first, and counts evictions', (t) => {
  const cache = new AnswerCache({ maxBytes: 10_000, maxNegativeBytes: 2_000 });
  cache.sync(1);
  const big = (size: number): CacheEntry => ({ rcode: 0, ring: [Buffer.alloc(size)], members: [undefined], next: 0 });
  const one = entryBytes('p00', big(1000));
  t.true(one > 1000 + 2, 'the overhead estimate is counted on top of the reply and key');
  for (let i = 0; i < 50; i++) cache.set(`p${String(i).padStart(2, '0')}`, big(1000), false);
  for (let i = 0; i < 50; i++) cache.set(`n${i}`, big(300), true);
  const stats = cache.stats();
  t.true(stats.answer.bytes <= 10_000);
  t.true(stats.negative.bytes <= 2_000);
  t.is(stats.answer.entries, Math.floor(10_000 / one));
  t.is(stats.answer.evictions, 50 - stats.answer.entries);
  t.is(stats.answer.bytes, stats.answer.entries * one);
  t.truthy(cache.get('p49'));
  t.is(cache.get('p00'), undefined);
  t.true(stats.negative.entries >= 1 && stats.negative.evictions === 50 - stats.negative.entries);
});

test('byte bounds: a ring slot built later is counted, and an entry larger than its whole bound is not kept', (t) => {
  const cache = new AnswerCache({ maxBytes: 5_000 });
  cache.sync(1);
  const ring: CacheEntry = { rcode: 0, ring: [Buffer.alloc(100), undefined, undefined], members: [undefined, undefined, undefined], next: 0 };
  cache.set('r', ring, false);
  const before = cache.stats().answer.bytes;
  ring.ring[1] = Buffer.alloc(100);
  cache.grew(ring);
  t.is(cache.stats().answer.bytes, before + entryBytes('r', ring) - before);
  t.true(cache.stats().answer.bytes > before + 100);
  cache.set('huge', { rcode: 0, ring: [Buffer.alloc(6_000)], members: [undefined], next: 0 }, false);
  t.is(cache.get('huge'), undefined);
  t.is(cache.get('r'), undefined, 'evicted first, being older');
  t.deepEqual(cache.stats().answer, { entries: 0, bytes: 0, evictions: 2 });
  cache.sync(2);
  t.deepEqual(cache.stats().answer, { entries: 0, bytes: 0, evictions: 2 }, 'a version change is not an eviction');
});
