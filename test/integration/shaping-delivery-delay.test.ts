/**
 * Delivery delay through the real server (issue 13 item 3): two MTAs that greet equally fast; sent
 * outcomes posted to /api/signals say one member's mail takes 30 s to get out and the other's 1 s.
 * Under policy `latency` the slow-delivering member's share of first places falls to about
 * 0.05 / 1.05 ≈ 5 % (the delivery-delay factor floored at one step), /explain shows the factor and
 * /status the median.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExplainDocument } from '../../src/http/explain-model.ts';
import { firstPlaces, shareOf } from '../helpers/first-places.ts';
import { startScriptedMta } from '../helpers/mta.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const TOKEN = 'delay-test-token-0123456789';
const ANSWERS = 320;

test('delivery delay: the member whose sent mail takes 30 s (the other 1 s) falls to ~5 % of first places; /explain shows delivery-delay', async (t) => {
  const fast = await startScriptedMta({ host: '127.0.0.141', mode: 'ok' });
  const slow = await startScriptedMta({ host: '127.0.0.142', mode: 'ok' });
  t.teardown(() => fast.stop());
  t.teardown(() => slow.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-delay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // bias 1 s (larger than any loopback probe difference) keeps the probe component at 1 for both.
  writeFileSync(
    join(dir, 'delay.test.yaml'),
    `records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
probe: {interval: 200ms, recheck: 50ms, jitter: 0, rise: 1, fall: 1}
pools:
  p:
    latency: {bias: 1s, delay-samples: 5, delay-window: 10m}
    members:
      - {name: fast, address: ${fast.host}, port: ${fast.port}}
      - {name: slow, address: ${slow.host}, port: ${slow.port}}
names:
  smtp:
    tiers: [p]
    policy: latency
    max: 1
`,
  );
  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json')], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const dns = mxlb.dns[0]!;
  const firsts = () => firstPlaces(dns.host, dns.port, 'smtp.delay.test', ANSWERS);
  const before = await eventually(async () => {
    const f = await firsts();
    return Math.abs(shareOf(f, slow.host) - 0.5) <= 1 / 32 ? f : false;
  }, { timeoutMs: 10_000, what: 'even shares before any delay is known' });

  const post = (batch: string, member: string, delay: number, n: number, status = 'sent') =>
    fetch(`${base}/api/signals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch, outcomes: Array.from({ length: n }, () => ({ member, status, delay, domain: 'example.org' })) }),
    });
  // Deferrals with huge delays on the fast member must not count against it (only sent mail does).
  t.is((await post('d1', 'p/fast', 3600, 10, 'deferred')).status, 200);
  t.is((await post('s1', 'p/fast', 1, 10)).status, 200);
  t.is((await post('s2', 'p/slow', 30, 10)).status, 200);

  const after = await eventually(async () => {
    const f = await firsts();
    return shareOf(f, slow.host) < 0.1 ? f : false;
  }, { timeoutMs: 10_000, what: 'the slow-delivering member under 10 %' });
  const pct = (f: Map<string, number>, a: string) => `${(shareOf(f, a) * 100).toFixed(1)} %`;
  t.log(`first places over ${ANSWERS} answers, before: fast ${pct(before, fast.host)}, slow ${pct(before, slow.host)}; after: fast ${pct(after, fast.host)}, slow ${pct(after, slow.host)} (predicted 0.05/1.05 = 4.8 %)`);
  t.true(Math.abs(shareOf(after, slow.host) - 0.05 / 1.05) <= 1 / 32 + 1e-9, `slow ${pct(after, slow.host)}`);

  const explain = (await (await fetch(`${base}/explain?name=smtp.delay.test&type=A`)).json()) as ExplainDocument;
  const members = explain.selection!.trace.members;
  const slowM = members.find((m) => m.id === 'p/slow')!;
  const fastM = members.find((m) => m.id === 'p/fast')!;
  t.like(slowM.factors.find((f) => f.name === 'delivery-delay'), { value: 0.05, reason: 'delivery-delay-relative' });
  t.like(fastM.factors.find((f) => f.name === 'delivery-delay'), { value: 1, reason: 'delivery-delay-relative' });
  t.log(`/explain p/slow: ${slowM.factors.map((f) => `${f.name} ${f.value} (${f.reason})`).join(' × ')}; share ${(slowM.share * 100).toFixed(1)} %`);

  const status = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; deliveryDelay?: { seconds: number; samples: number } }[] }[] }[] };
  const byId = new Map(status.zones[0]!.pools[0]!.members.map((m) => [m.id, m.deliveryDelay]));
  t.deepEqual(byId.get('p/slow'), { seconds: 30, samples: 10 });
  t.deepEqual(byId.get('p/fast'), { seconds: 1, samples: 10 });
});
