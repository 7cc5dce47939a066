import test from 'ava';
import { performance } from 'node:perf_hooks';
import { answerAddresses, aQuery } from '../../../bench/failover-dns.ts';
import { markdownTable, median, percentile, ratio, seconds, summarize, type Sample } from '../../../bench/failover-stats.ts';
import { observe, timeUntilBack, timeUntilGone, type Asker, type WatchOptions } from '../../../bench/failover-watch.ts';

/** A reply to `smtp.relay.test A` with a CNAME-free answer of two A records and one TXT, names compressed. */
function reply(addresses: number[][], extraTxt = true): Buffer {
  const question = aQuery(0x4242, 'smtp.relay.test');
  const header = Buffer.from(question.subarray(0, 12));
  header[2] = 0x84; // QR, AA
  const records: Buffer[] = addresses.map((a) => Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...a]));
  if (extraTxt) records.splice(1, 0, Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 30, 0, 3, 2, 0x68, 0x69]));
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question.subarray(12), ...records]);
}

test('aQuery: header with the ID, one question, A IN', (t) => {
  const q = aQuery(0x1234, 'smtp.relay.test');
  t.is(q.readUInt16BE(0), 0x1234);
  t.is(q.readUInt16BE(4), 1);
  t.is(q.subarray(12).toString('latin1'), '\x04smtp\x05relay\x04test\x00\x00\x01\x00\x01');
});

test('answerAddresses: the A records of the answer, other types skipped, compressed names followed', (t) => {
  t.deepEqual(answerAddresses(reply([[127, 0, 0, 11], [127, 0, 0, 14]])), ['127.0.0.11', '127.0.0.14']);
  t.deepEqual(answerAddresses(reply([], false)), []);
  t.throws(() => answerAddresses(Buffer.alloc(5)), { message: /short/ });
});

test('median and p90: a miss counts as +∞, so mostly-missed rounds give +∞, not the median of the hits', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([1, 2, 3, 4]), 2.5);
  t.is(median([1, Infinity, Infinity, 2]), Infinity);
  t.is(percentile([5, 1, 4, 2, 3], 90), 5);
  t.is(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
  const s = summarize([{ detectMs: 1000, recoverMs: 500 }, { detectMs: null, recoverMs: null }, { detectMs: null, recoverMs: null }]);
  t.is(s.detected, 1);
  t.is(s.detectMedian, Infinity);
  t.is(s.recoverMedian, 500); // recovery only over the rounds that were detected
  t.is(seconds(Infinity, 30_000), '> 30 s');
  t.is(seconds(1234, 30_000), '1.23 s');
  t.is(ratio(1000, 4000), '0.25');
  t.is(ratio(840, 199_500), '0.0042');
  t.is(ratio(1000, Infinity), 'peer never');
  t.is(ratio(Infinity, 1000), 'mxlb never');
});

test('markdownTable: one row per case and server, ratios against mxlb, "never left" when never detected', (t) => {
  const results = new Map<string, Sample[]>([
    ['dead/mxlb', [{ detectMs: 1000, recoverMs: 1200 }]],
    ['dead/pdns', [{ detectMs: 4000, recoverMs: 4800 }]],
    ['silent/mxlb', [{ detectMs: 7000, recoverMs: 1300 }]],
    ['silent/pdns', [{ detectMs: null, recoverMs: null }]],
  ]);
  const table = markdownTable({ cases: ['dead', 'silent'], servers: ['mxlb', 'pdns'], results, key: (c, s) => `${c}/${s}`, detectCapMs: () => 30_000, recoverCapMs: 300_000 });
  const rows = table.split('\n');
  t.is(rows.length, 6);
  t.is(rows[2], '| dead | mxlb | 1/1 | 1.00 s | 1.00 s | 1.20 s | 1.20 s |  |  |');
  t.is(rows[3], '| dead | pdns | 1/1 | 4.00 s | 4.00 s | 4.80 s | 4.80 s | 0.25 | 0.25 |');
  t.is(rows[4], '| silent | mxlb | 1/1 | 7.00 s | 7.00 s | 1.30 s | 1.30 s |  |  |');
  t.is(rows[5], '| silent | pdns | 0/1 | > 30 s | > 30 s | never left | never left | peer never | – |');
});

const HOSTS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const WATCH: WatchOptions = { qname: 'smtp.relay.test', tickMs: 5, burst: 3, cleanTicks: 25 };

/** xorshift32: deterministic "random" selection, like PowerDNS's default selector. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Answers ONE random address of those up at the time of the query; the victim is up until `leaveAt`, back from `backAt`. */
function oneRandom(victim: string, t0: number, leaveAt: number, backAt = Infinity): Asker {
  const random = seeded(7);
  return {
    ask: async () => {
      const elapsed = performance.now() - t0;
      const up = elapsed < leaveAt || elapsed >= backAt ? HOSTS : HOSTS.filter((h) => h !== victim);
      return [up[Math.floor(random() * up.length)]!];
    },
  };
}

test('timeUntilGone: with one random address per answer, gone is the first poll after the victim was last served', async (t) => {
  const t0 = performance.now();
  const gone = await timeUntilGone(oneRandom('127.0.0.12', t0, 150), '127.0.0.12', t0, 5000, WATCH);
  t.not(gone.ms, null);
  // Polls just before 150 ms that happened not to draw the victim read as clean: the estimate may be
  // early by k polls with probability 0.42^k (failover-watch.ts). 10 polls early: p ≈ 2e-4. Taking
  // the first clean poll as "gone" would land before 100 ms with probability 1 - 0.58^20.
  t.true(gone.ms! >= 150 - 10 * WATCH.tickMs, `gone at ${gone.ms} ms, well before the victim left at 150 ms`);
  t.true(gone.ms! < 1500, `gone at ${gone.ms} ms, long after 150 ms`);
  t.is(gone.lost, 0);
});

test('timeUntilGone: a victim that never leaves is not detected within the cap (null), and lost replies are counted', async (t) => {
  const t0 = performance.now();
  let n = 0;
  const flaky: Asker = { ask: async () => (++n % 3 === 0 ? null : HOSTS) };
  const gone = await timeUntilGone(flaky, '127.0.0.12', t0, 200, WATCH);
  t.is(gone.ms, null);
  t.true(gone.lost > 0);
  t.true(performance.now() - t0 < 2000);
});

test('timeUntilBack: the first answer holding the victim after it is restored', async (t) => {
  const t0 = performance.now();
  const back = await timeUntilBack(oneRandom('127.0.0.13', t0, -1, 120), '127.0.0.13', t0, 5000, WATCH);
  t.true(back.ms! >= 115 && back.ms! < 1500, `back at ${back.ms} ms`); // a poll is timed a moment before its queries go out
  const never = await timeUntilBack(oneRandom('127.0.0.13', t0, -1), '127.0.0.13', performance.now(), 100, WATCH);
  t.is(never.ms, null);
});

test('observe: polls for the whole duration and returns the addresses of the last window only', async (t) => {
  const t0 = performance.now();
  const seen = await observe(oneRandom('127.0.0.14', t0, 60), 300, 20, WATCH);
  t.true(performance.now() - t0 >= 299);
  t.deepEqual([...seen].sort(), ['127.0.0.11', '127.0.0.12', '127.0.0.13']); // .14 left at 60 ms, outside the last 20 polls
});
