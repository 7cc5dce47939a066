/** Delivery-delay component of the latency policy (shaping/delivery-delay.ts), over simulated time. */
import test from 'ava';
import { DEFAULT_LATENCY, DeliveryDelayTracker, MAX_DELAY_SAMPLES, type LatencySettings } from '../../../src/shaping/index.ts';
import { composeWeight } from '../../../src/pool/index.ts';
import type { OutcomeStatus } from '../../../src/signals/index.ts';

const MIN = 60_000;
const S: LatencySettings = { ...DEFAULT_LATENCY, delayWindowMs: 10 * MIN, delayMinSamples: 3 };

/** `n` outcomes of one member, one a second ending at `at`. */
function feed(d: DeliveryDelayTracker, member: string, seconds: number, n: number, at: number, status: OutcomeStatus = 'sent'): void {
  for (let i = 0; i < n; i++) d.record({ member, status, delay: seconds, at: at - (n - 1 - i) * 1000 });
}

interface Row {
  what: string;
  /** member → [delay s, samples] fed at time 0 */
  fed: Record<string, [number, number]>;
  settings?: Partial<LatencySettings>;
  /** evaluated at this time (ms) */
  at?: number;
  /** member → [value, reason]; absent member: no factor */
  want: Record<string, [number, string]>;
}

const ROWS: Row[] = [
  { what: 'nobody has samples: the component is off', fed: {}, want: {} },
  { what: 'fewer than delay-samples: not compared, component off', fed: { a: [1, 2], b: [30, 2] }, want: {} },
  { what: '30 s against 1 s: ((1+1)/(30+1))² ≈ 0.004 → floored at one step', fed: { a: [1, 5], b: [30, 5] }, want: { a: [1, 'delivery-delay-relative'], b: [0.05, 'delivery-delay-relative'] } },
  { what: '3 s against 1 s: (2/4)² = 0.25', fed: { a: [1, 5], b: [3, 5] }, want: { a: [1, 'delivery-delay-relative'], b: [0.25, 'delivery-delay-relative'] } },
  { what: 'the bias: 0.2 s against 0.6 s is (1.2/1.6)² ≈ 0.56 → 0.55, not 1/9', fed: { a: [0.2, 5], b: [0.6, 5] }, want: { a: [1, 'delivery-delay-relative'], b: [0.55, 'delivery-delay-relative'] } },
  { what: 'a member without samples gets 1 and says so', fed: { a: [1, 5], b: [30, 5] }, want: { a: [1, 'delivery-delay-relative'], b: [0.05, 'delivery-delay-relative'], c: [1, 'delivery-delay-no-samples'] } },
  { what: 'over delay-limit: standby', fed: { a: [1, 5], b: [120, 5] }, settings: { delayLimitMs: 60_000 }, want: { a: [1, 'delivery-delay-relative'], b: [0, 'delivery-delay-over-limit'] } },
  { what: 'samples older than the window no longer count', fed: { a: [1, 5], b: [30, 5] }, at: 11 * MIN, want: {} },
  { what: 'inside the window they still do', fed: { a: [1, 5], b: [30, 5] }, at: 9 * MIN, want: { a: [1, 'delivery-delay-relative'], b: [0.05, 'delivery-delay-relative'] } },
];

for (const row of ROWS) {
  test(`delivery delay: ${row.what}`, (t) => {
    const d = new DeliveryDelayTracker();
    for (const [m, [s, n]] of Object.entries(row.fed)) feed(d, m, s, n, 0);
    const f = d.factors(['a', 'b', 'c'], { ...S, ...row.settings }, row.at ?? 0);
    const got = Object.fromEntries([...f].map(([m, x]) => [m, [x.value, x.reason]]));
    const want = Object.fromEntries(Object.entries(row.want).concat(Object.keys(row.want).length > 0 && !('c' in row.want) ? [['c', [1, 'delivery-delay-no-samples']]] : []));
    t.deepEqual(got, want);
    for (const x of f.values()) t.is(x.name, 'delivery-delay');
  });
}

test('only sent outcomes with a delay count: deferred, bounced and expired retries are not relay slowness', (t) => {
  const d = new DeliveryDelayTracker();
  for (const status of ['deferred', 'bounced', 'expired', 'complaint'] as const) t.false(d.record({ member: 'b', status, delay: 3600, at: 0 }));
  t.false(d.record({ member: 'b', status: 'sent', at: 0 }), 'no delay');
  t.false(d.record({ member: 'b', status: 'sent', delay: Number.NaN, at: 0 }));
  t.false(d.record({ member: 'b', status: 'sent', delay: -1, at: 0 }));
  t.is(d.median('b', 0, MIN), undefined);
  feed(d, 'a', 1, 5, 0);
  feed(d, 'b', 1, 5, 0);
  feed(d, 'b', 3600, 20, 0, 'deferred');
  t.is(d.factors(['a', 'b'], S, 0).get('b')!.value, 1, 'a throttled provider deferring b does not slow b');
});

test('the median keeps a few sent-after-retry delays from moving the figure', (t) => {
  const d = new DeliveryDelayTracker();
  feed(d, 'a', 1, 9, 0);
  feed(d, 'b', 1, 6, 0);
  feed(d, 'b', 1800, 3, 0); // three messages sent after half an hour in the queue
  t.deepEqual(d.median('b', 0, MIN), { ms: 1000, samples: 9 });
  t.is(d.factors(['a', 'b'], S, 0).get('b')!.value, 1);
});

test('hysteresis: delays wobbling within a step keep the published factor; a real move changes it', (t) => {
  const d = new DeliveryDelayTracker();
  let now = 0;
  feed(d, 'a', 1, 5, now);
  feed(d, 'b', 1.83, 5, now); // (2/2.83)² ≈ 0.499 → 0.5
  t.is(d.factors(['a', 'b'], S, now).get('b')!.value, 0.5);
  const seen = new Set<number>();
  for (const s of [1.75, 1.9, 1.78, 1.88, 1.8]) {
    now += 5 * MIN; // a new window of samples every 5 minutes (the old ones age out after 10)
    feed(d, 'a', 1, 5, now);
    feed(d, 'b', s, 5, now);
    seen.add(d.factors(['a', 'b'], S, now).get('b')!.value); // raw ≈ 0.47–0.53
  }
  t.deepEqual([...seen], [0.5], 'wobble does not flap the factor');
  now += 11 * MIN;
  feed(d, 'a', 1, 5, now);
  feed(d, 'b', 3, 5, now);
  t.is(d.factors(['a', 'b'], S, now).get('b')!.value, 0.25);
});

test('at most MAX_DELAY_SAMPLES are kept per member (the newest); retain forgets removed members', (t) => {
  const d = new DeliveryDelayTracker();
  feed(d, 'a', 30, MAX_DELAY_SAMPLES, 0);
  feed(d, 'a', 1, MAX_DELAY_SAMPLES, 0);
  t.deepEqual(d.median('a', 0, 24 * 60 * MIN), { ms: 1000, samples: MAX_DELAY_SAMPLES });
  d.retain(new Set(['b']));
  t.is(d.median('a', 0, 24 * 60 * MIN), undefined);
});

test('composeWeight: delivery-delay counts only under policy latency, multiplied with the probe component', (t) => {
  const member = { id: 'p/b', name: 'b', pool: 'p', address: '127.0.0.1', family: 4 as const, port: 25, weight: 100 } as unknown as Parameters<typeof composeWeight>[0];
  const shaping = [
    { name: 'latency' as const, value: 0.5, reason: 'latency-relative' as const },
    { name: 'delivery-delay' as const, value: 0.25, reason: 'delivery-delay-relative' as const },
  ];
  const state = { state: 'up', shaping } as unknown as Parameters<typeof composeWeight>[1];
  const underLatency = composeWeight(member, state, 0, 'latency');
  t.is(underLatency.weight, 100 * 0.5 * 0.25);
  t.deepEqual(underLatency.factors.map((f) => f.name), ['configured', 'latency', 'delivery-delay', 'state']);
  t.is(composeWeight(member, state, 0, 'weighted').weight, 100);
});
