import test from 'ava';
import { ResponseRateLimiter, classify, ipv6Prefix, replyCost, slipReply, type RrlOptions, type RrlVerdict } from '../../../src/dns/rrl.ts';
import { buildQuery } from '../../helpers/dns-client.ts';

const BASE: Partial<RrlOptions> = { rate: 10, errorRate: 2, burst: 5, slip: 2, whitelist: [], amplification: 0 };

/** One step of a scenario: at time `at` (ms), `count` replies from `from` with `rcode`, expecting these verdicts. */
interface Step {
  at: number;
  from: string;
  rcode?: number;
  count: number;
  expect: string;
}

const S = { send: 's', slip: 'S', drop: 'd' } as const satisfies Record<RrlVerdict, string>;

const cases: Array<{ title: string; options?: Partial<RrlOptions>; steps: Step[] }> = [
  {
    title: 'a burst passes, then every second limited reply slips',
    steps: [{ at: 0, from: '192.0.2.1', count: 9, expect: 'sssssdSdS' }],
  },
  {
    title: 'tokens refill at the rate (10/s: one per 100 ms), never above the burst',
    steps: [
      { at: 0, from: '192.0.2.1', count: 6, expect: 'sssssd' },
      { at: 100, from: '192.0.2.1', count: 2, expect: 'sS' },
      { at: 10_000, from: '192.0.2.1', count: 6, expect: 'sssssd' },
    ],
  },
  {
    title: 'one /24 shares a bucket; the next /24 has its own',
    steps: [
      { at: 0, from: '192.0.2.1', count: 3, expect: 'sss' },
      { at: 0, from: '192.0.2.200', count: 3, expect: 'ssd' },
      { at: 0, from: '192.0.3.1', count: 5, expect: 'sssss' },
    ],
  },
  {
    title: 'NXDOMAIN and errors have their own lower-rate buckets (burst scaled: 5 × 2/10 = 1)',
    steps: [
      { at: 0, from: '192.0.2.1', rcode: 3, count: 3, expect: 'sdS' },
      { at: 0, from: '192.0.2.1', rcode: 5, count: 2, expect: 'sd' },
      { at: 0, from: '192.0.2.1', rcode: 2, count: 1, expect: 'S' },
      { at: 0, from: '192.0.2.1', rcode: 0, count: 5, expect: 'sssss' },
      { at: 500, from: '192.0.2.1', rcode: 3, count: 2, expect: 'sd' },
    ],
  },
  {
    title: 'slip 1 slips every limited reply; slip 0 drops them all',
    options: { slip: 1 },
    steps: [{ at: 0, from: '192.0.2.1', count: 7, expect: 'sssssSS' }],
  },
  {
    title: 'slip 0 drops every limited reply',
    options: { slip: 0 },
    steps: [{ at: 0, from: '192.0.2.1', count: 7, expect: 'sssssdd' }],
  },
  {
    title: 'the whitelist is never limited, its neighbours are',
    options: { whitelist: ['192.0.2.53', '2001:db8:1::/48'] },
    steps: [
      { at: 0, from: '192.0.2.53', count: 20, expect: 's'.repeat(20) },
      { at: 0, from: '192.0.2.54', count: 7, expect: 'sssssdS' },
      { at: 0, from: '2001:db8:1::5', count: 8, expect: 's'.repeat(8) },
    ],
  },
  {
    title: 'IPv6 by /56; IPv4-mapped addresses count as IPv4',
    steps: [
      { at: 0, from: '2001:db8:0:aa01::1', count: 3, expect: 'sss' },
      { at: 0, from: '2001:db8:0:aaff::2', count: 3, expect: 'ssd' },
      { at: 0, from: '2001:db8:0:ab00::1', count: 1, expect: 's' },
      { at: 0, from: '::ffff:198.51.100.7', count: 3, expect: 'sss' },
      { at: 0, from: '198.51.100.9', count: 3, expect: 'ssd' },
    ],
  },
  {
    title: 'rate 0 turns RRL off',
    options: { rate: 0 },
    steps: [{ at: 0, from: '192.0.2.1', count: 50, expect: 's'.repeat(50) }],
  },
];

for (const { title, options, steps } of cases) {
  test(`rrl: ${title}`, (t) => {
    const rrl = new ResponseRateLimiter({ ...BASE, ...options });
    for (const step of steps) {
      let got = '';
      for (let i = 0; i < step.count; i++) got += S[rrl.check(step.from, step.rcode ?? 0, 100, 40, step.at)];
      t.is(got, step.expect, `${step.from} rcode ${step.rcode ?? 0} at ${step.at} ms`);
    }
    const { limited, slipped, dropped } = rrl.counters;
    t.is(limited, slipped + dropped);
  });
}

test('rrl: a reply larger than the amplification factor costs proportionally more', (t) => {
  t.is(replyCost(100, 40, 4), 1);
  t.is(replyCost(160, 40, 4), 1);
  t.is(replyCost(161, 40, 4), 2);
  t.is(replyCost(960, 40, 4), 6);
  t.is(replyCost(960, 40, 0), 1, 'factor 0: off');
  const rrl = new ResponseRateLimiter({ ...BASE, burst: 12, amplification: 4 });
  // 24× the query: 6 tokens each, so a burst of 12 lets two through, then limits.
  const verdicts = Array.from({ length: 3 }, () => rrl.check('192.0.2.1', 0, 960, 40, 0));
  t.deepEqual(verdicts, ['send', 'send', 'drop']);
  // Small replies from the same prefix at the same time are limited too: the budget is shared.
  t.is(rrl.check('192.0.2.1', 0, 50, 40, 0), 'slip');
  // 600 ms later 6 tokens are back: one large reply.
  t.is(rrl.check('192.0.2.1', 0, 960, 40, 600), 'send');
});

test('rrl: the bucket table is bounded', (t) => {
  const rrl = new ResponseRateLimiter({ ...BASE, maxBuckets: 100 });
  for (let i = 0; i < 1000; i++) rrl.check(`10.${i >> 8}.${i & 255}.1`, 0, 100, 40, i);
  t.is(rrl.size, 100);
});

test('rrl: classes by RCODE', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5, 9].map(classify), ['answer', 'error', 'error', 'nxdomain', 'error', 'error', 'error']);
});

test('rrl: IPv6 prefixes', (t) => {
  t.is(ipv6Prefix('2001:db8:0:aa01::1', 56), ipv6Prefix('2001:db8:0:aaff::7', 56));
  t.not(ipv6Prefix('2001:db8:0:ab00::1', 56), ipv6Prefix('2001:db8:0:aa00::1', 56));
  t.is(ipv6Prefix('not-an-address', 56), undefined);
  t.is(ipv6Prefix('::1', 128), '6:0:0:0:0:0:0:0:1');
});

test('rrl: a slipped reply is the header with TC=1 and the question, never longer than the query', (t) => {
  const query = buildQuery({ id: 0xbeef, name: 'smtp.relay.example', edns: { payload: 1232 } });
  // A reply: the query's header with QR, AA and counts set, the question, and some answer bytes.
  const reply = Buffer.concat([query.subarray(0, query.length - 11), Buffer.alloc(64, 7)]);
  reply[2] = 0x84;
  reply.writeUInt16BE(2, 6);
  reply.writeUInt16BE(1, 10);
  const slip = slipReply(reply);
  t.true(slip.length <= query.length);
  t.is(slip.readUInt16BE(0), 0xbeef);
  t.is(slip[2]! & 0x02, 0x02, 'TC');
  t.is(slip[2]! & 0x80, 0x80, 'QR kept');
  t.deepEqual([slip.readUInt16BE(4), slip.readUInt16BE(6), slip.readUInt16BE(8), slip.readUInt16BE(10)], [1, 0, 0, 0]);
  t.deepEqual(slip.subarray(12), query.subarray(12, query.length - 11), 'the question');
  // No question (a FORMERR to a packet without one): the header alone.
  const bare = Buffer.alloc(12);
  bare.writeUInt16BE(0, 4);
  t.is(slipReply(bare).length, 12);
});
