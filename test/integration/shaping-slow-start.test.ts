/**
 * Slow start through the real server (issue 13): an MTA that restarts comes back at the floor and
 * its share of first places grows linearly over the pool's window; measured from DNS answers at
 * 25, 50, 75 and 100 % of the window against the ramp's prediction.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMta } from '../helpers/mta.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { firstPlaces, shareOf } from '../helpers/first-places.ts';

const WINDOW_MS = 12_000;

function zone(a: number, b: number): string {
  return `records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
probe:
  interval: 100ms
  recheck: 50ms
  jitter: 0
  rise: 1
  fall: 1
pools:
  p:
    slow-start: {window: ${WINDOW_MS / 1000}s, floor: 10%}
    members:
      - {name: a, address: 127.0.0.61, port: ${a}}
      - {name: b, address: 127.0.0.62, port: ${b}}
names:
  smtp:
    tiers: [p]
    policy: weighted
    max: 1
`;
}

/** Share of the restarted member at a fraction p of the window: f = 0.1 + 0.9 p against 1. */
const predicted = (p: number) => {
  const f = Math.min(1, 0.1 + 0.9 * p);
  return f / (f + 1);
};

test('a restarted MTA ramps from 10 % to full weight over the slow-start window', async (t) => {
  const a = await startMta({ host: '127.0.0.61' });
  const b = await startMta({ host: '127.0.0.62' });
  t.teardown(() => a.stop());
  t.teardown(() => b.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-slow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'slow.test.yaml'), zone(a.port, b.port));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json')]);
  t.teardown(() => mxlb.stop());
  const dns = mxlb.dns[0]!;
  const measure = () => firstPlaces(dns.host, dns.port, 'smtp.slow.test', 64);

  await eventually(async () => Math.abs(shareOf(await measure(), '127.0.0.61') - 0.5) < 0.05, { timeoutMs: 10_000, what: 'both members share first places' });
  t.true(mxlb.logs.filter((l) => l.msg === 'member up').every((l) => l.from === 'unknown'), 'first verdicts only so far');

  await a.stop();
  await mxlb.waitForLog((l) => l.msg === 'member down' && l.member === 'p/a', 10_000);
  await eventually(async () => shareOf(await measure(), '127.0.0.61') === 0, { timeoutMs: 5000, what: 'a out of the answers' });
  await a.restart();
  const up = await mxlb.waitForLog((l) => l.msg === 'member up' && l.member === 'p/a' && l.from === 'down', 10_000);
  const upAt = Number(up.time);

  const results: string[] = [];
  for (const p of [0.25, 0.5, 0.75, 1]) {
    const at = upAt + p * WINDOW_MS + (p === 1 ? 1500 : 0);
    await eventually(() => Date.now() >= at, { timeoutMs: WINDOW_MS + 5000, intervalMs: 10, what: `${p * 100} % of the window` });
    const share = shareOf(await measure(), '127.0.0.61');
    const expected = predicted(p);
    results.push(`${p * 100} %: measured ${(share * 100).toFixed(1)} %, ramp predicts ${(expected * 100).toFixed(1)} %`);
    // 5 % steps of the factor and the ring's 1/32 granularity: within 6 points.
    t.true(Math.abs(share - expected) <= 0.06, results.at(-1));
  }
  t.log(results.join('\n'));
});
