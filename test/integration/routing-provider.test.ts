/**
 * Per-provider names through the real `mxlb serve` (docs/routing.md "Per-provider names"):
 * outcomes posted to /api/signals push one member's Microsoft deferral rate over the quarantine
 * threshold; it leaves `microsoft.relay.test` answers (reason `provider-quarantined` in /explain)
 * and keeps serving `smtp.relay.test` and `gmail.relay.test`; after the hold it comes back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { dig } from '../helpers/dig.ts';
import type { MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

/** The admin zone plus per-provider names over the same pool and a small-sample reputation block. */
function zone(base: string): string {
  return base
    .replace('mx:\n', [
      '  microsoft:',
      '    tiers: [[primary]]',
      '    provider: microsoft',
      '    ttl: 2',
      '  gmail:',
      '    tiers: [[primary]]',
      '    provider: gmail',
      '    ttl: 2',
      'mx:',
      '',
    ].join('\n'))
    .replace('pools:\n', ['reputation:', '  min-sample: 5', '  hold: 2s', '  cool-down: 1s', '  rules: none', 'pools:', ''].join('\n'));
}

async function post(base: string, batch: string, outcomes: object[]): Promise<void> {
  const response = await fetch(`${base}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch, outcomes }) });
  if (response.status !== 200) throw new Error(`signals: ${response.status} ${await response.text()}`);
}

async function a(mxlb: MxlbProcess, label: string): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, [`${label}.${ORIGIN}`, 'A']);
  return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
}

test('a member whose Microsoft deferral rate crosses the threshold leaves microsoft.relay only, then returns after the hold', async (t) => {
  const setup = await setUp(t, 210);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zone(zoneYaml(setup.mtas)));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  const mta1 = setup.mtas[0]!.host;
  await eventually(async () => JSON.stringify(await a(mxlb, 'microsoft')) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all three members in microsoft.relay' });

  // 6 Microsoft deferrals (100 %, ≥ min-sample 5) and 40 other deliveries: overall 13 %, below
  // even the suspect threshold (20 %), so only the member × microsoft level is quarantined.
  const deferred = Array.from({ length: 6 }, () => ({ member: 'primary/mta1', status: 'deferred', domain: 'outlook.com', dsn: '4.7.650', reply: '451 4.7.650 The mail server has been temporarily rate limited' }));
  const sent = Array.from({ length: 40 }, () => ({ member: 'primary/mta1', status: 'sent', domain: 'example.org', dsn: '2.0.0', reply: '250 ok' }));
  const started = Date.now();
  await post(base, 'provider-1', [...sent, ...deferred]);
  const out = await eventually(async () => { const x = await a(mxlb, 'microsoft'); return x.includes(mta1) ? false : x; }, { timeoutMs: 10_000, what: 'mta1 out of microsoft.relay' });
  t.log(`out of microsoft.relay ${Date.now() - started} ms after the outcomes`);
  t.deepEqual(out, all.filter((h) => h !== mta1));
  t.deepEqual(await a(mxlb, 'smtp'), all, 'the class name keeps it');
  t.deepEqual(await a(mxlb, 'gmail'), all, 'another provider keeps it');

  const explain = (await (await fetch(`${base}/explain?name=microsoft.${ORIGIN}&type=A`)).json()) as { text: string };
  t.regex(explain.text, /provider-reputation 0 \(provider-quarantined\)|provider-reputation.*provider-quarantined/);
  t.regex(explain.text, /quarantined for microsoft only \(serves other names\): microsoft: deferral rate 100 % ≥ 40 %/);
  const general = (await (await fetch(`${base}/explain?name=smtp.${ORIGIN}&type=A`)).json()) as { text: string };
  t.notRegex(general.text, /provider-reputation/);
  const status = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; effective: string; reputation?: { level: string; providers: Record<string, { level: string }> } }[] }[] }[] };
  const m1 = status.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1');
  t.like(m1, { effective: 'up', reputation: { level: 'good', providers: { microsoft: { level: 'quarantined' } } } });

  // Good Microsoft deliveries bring the rate down; after the hold (2 s) it returns.
  const good = Array.from({ length: 30 }, () => ({ member: 'primary/mta1', status: 'sent', domain: 'hotmail.com', dsn: '2.0.0', reply: '250 ok' }));
  await post(base, 'provider-2', good);
  await eventually(async () => (await a(mxlb, 'microsoft')).includes(mta1), { timeoutMs: 15_000, what: 'mta1 back in microsoft.relay' });
  t.log(`back ${Date.now() - started} ms after the quarantine began`);
});
