/** Latency EWMA with hysteresis (shaping/latency.ts), agent lines and load watermarks (shaping/load.ts). */
import test from 'ava';
import { DEFAULT_LATENCY, LatencyTracker, LoadBook, parseAgentLine, agentFactor, smtpPhaseMs, watermarkFactor } from '../../../src/shaping/index.ts';

const S = { ...DEFAULT_LATENCY, biasMs: 0 };

test('the SMTP-phase latency is connect + banner + EHLO of a passed probe', (t) => {
  const phases = [{ phase: 'connect' as const, ms: 2 }, { phase: 'banner' as const, ms: 200 }, { phase: 'ehlo' as const, ms: 3 }, { phase: 'quit' as const, ms: 1 }];
  t.is(smtpPhaseMs({ ok: true, phases, startedAt: 0, totalMs: 206 }), 205);
  t.is(smtpPhaseMs({ ok: false, reason: 'banner-timeout', phases, startedAt: 0, totalMs: 206 }), undefined);
});

test('factor = (fastest / own)^2 quantised to 5 %, floored at one step; the fastest gets 1', (t) => {
  const l = new LatencyTracker();
  for (const [m, ms] of [['p/a', 10], ['p/b', 20], ['p/c', 210]] as const) l.observe(m, ms, 1);
  const f = l.factors(['p/a', 'p/b', 'p/c'], S);
  t.deepEqual(f.get('p/a'), { name: 'latency', value: 1, reason: 'latency-relative' });
  t.is(f.get('p/b')!.value, 0.25); // (10/20)^2
  t.is(f.get('p/c')!.value, 0.05); // (10/210)^2 ≈ 0.002 → floor one step
});

test('hysteresis: noise within a step keeps the published factor; a real move changes it', (t) => {
  const l = new LatencyTracker();
  l.observe('p/a', 10, 1);
  l.observe('p/b', 14.1, 1); // (10/14.1)^2 ≈ 0.503 → 0.5
  t.is(l.factors(['p/a', 'p/b'], S).get('p/b')!.value, 0.5);
  const seen = new Set<number>();
  for (const ms of [13.5, 14.6, 13.8, 14.4, 14.0, 14.7, 13.6]) {
    l.observe('p/b', ms, 1); // raw between ≈ 0.46 and 0.55: within one step of 0.5
    seen.add(l.factors(['p/a', 'p/b'], S).get('p/b')!.value);
  }
  t.deepEqual([...seen], [0.5], 'jitter does not flap the factor');
  l.observe('p/b', 20, 1); // raw 0.25: moved by more than a step
  t.is(l.factors(['p/a', 'p/b'], S).get('p/b')!.value, 0.25);
});

test('the bias keeps a few ms of LAN noise from counting as several times slower', (t) => {
  const l = new LatencyTracker();
  l.observe('p/a', 1, 1);
  l.observe('p/b', 3, 1);
  l.observe('p/c', 201, 1);
  const f = l.factors(['p/a', 'p/b', 'p/c'], DEFAULT_LATENCY);
  t.is(f.get('p/b')!.value, 0.85); // (21/23)^2 ≈ 0.83
  t.is(f.get('p/c')!.value, 0.05); // (21/221)^2 ≈ 0.009 → one step
});

test('EWMA smooths a single spike; above the limit the member is a standby', (t) => {
  const l = new LatencyTracker();
  l.observe('p/a', 10, 1);
  l.observe('p/b', 10, 0.3);
  l.observe('p/b', 100, 0.3); // ewma 37
  t.is(Math.round(l.ewma('p/b')!), 37);
  const limited = l.factors(['p/a', 'p/b'], { ...S, limitMs: 30 });
  t.deepEqual(limited.get('p/b'), { name: 'latency', value: 0, reason: 'latency-over-limit' });
});

test('agent lines: percent, state words, combinations, garbage', (t) => {
  t.deepEqual(parseAgentLine('75%\n'), { percent: 75 });
  t.deepEqual(parseAgentLine('drain'), { state: 'drain' });
  t.deepEqual(parseAgentLine('up 50%'), { state: 'up', percent: 50 });
  t.deepEqual(parseAgentLine('MAINT,20%'), { state: 'maint', percent: 20 });
  t.deepEqual(parseAgentLine('ready'), { state: 'up' });
  t.deepEqual(parseAgentLine('150%'), { percent: 100 });
  t.is(parseAgentLine('hello world'), undefined);
  t.is(parseAgentLine(''), undefined);
  t.deepEqual(agentFactor(parseAgentLine('20%')), { name: 'load', value: 0.2, reason: 'agent-weight' });
  t.deepEqual(agentFactor(parseAgentLine('drain')), { name: 'load', value: 0, reason: 'agent-drain' });
  t.deepEqual(agentFactor(parseAgentLine('down')), { name: 'load', value: 0, reason: 'agent-down' });
  t.is(agentFactor(parseAgentLine('up')), undefined, 'up at full weight: no factor');
  t.is(agentFactor(parseAgentLine('100%')), undefined);
});

test('watermarks: full weight up to low, falling linearly in 5 % steps, out from high', (t) => {
  const w = { metric: 'queue' as const, low: 100, high: 500, staleMs: 60_000 };
  t.is(watermarkFactor(100, w), undefined);
  t.deepEqual(watermarkFactor(300, w), { name: 'load', value: 0.5, reason: 'load-between-watermarks' });
  t.is(watermarkFactor(490, w)!.value, 0.05, 'floored at one step below high');
  t.deepEqual(watermarkFactor(500, w), { name: 'load', value: 0, reason: 'load-above-high' });
});

test('the load book: stale reports and agent replies are ignored; the stricter of agent and report wins', (t) => {
  const book = new LoadBook();
  const w = { metric: 'connections' as const, low: 10, high: 50, staleMs: 60_000 };
  book.agentLine('p/a', '80%', 0);
  t.is(book.factor('p/a', 1000, 5000, w)!.value, 0.8);
  book.report('p/a', { connections: 40 }, 1000); // (50-40)/40 = 0.25
  t.deepEqual(book.factor('p/a', 2000, 5000, w), { name: 'load', value: 0.25, reason: 'load-between-watermarks' });
  book.agentLine('p/a', undefined, 3000); // agent unreachable: nothing changes
  t.is(book.factor('p/a', 3000, 5000, w)!.value, 0.25);
  t.is(book.factor('p/a', 70_000, 5000, w), undefined, 'both stale');
});
