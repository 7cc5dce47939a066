/**
 * Provider-scoped response rules through the real `mxlb serve` (docs/reputation.md "Rules per
 * provider", docs/routing.md "Per-provider names"): the shipped rule `microsoft-rate-limited`
 * (3 × `451 4.7.650 … temporarily rate limited due to IP reputation` from Microsoft in 1 h →
 * quarantine 30 min) acts on a member that serves `microsoft.relay.test` by taking it out of that
 * name only: it keeps serving `smtp.relay.test` and `gmail.relay.test`, gets no override, and
 * /status, /explain and `mxlb explain` name the rule and the provider. The shipped Gmail
 * `gmail-unusual-rate` (scale 0.25) scales a member in `gmail.relay.test` only. A zone whose member serves
 * no Microsoft name keeps the old behaviour (the member as a whole is quarantined) — covered in
 * the unit tests (test/unit/reputation/provider-rules.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { cli, ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { dig } from '../helpers/dig.ts';
import type { MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

/** The admin zone plus per-provider names over the same pool; the shipped rules; rates out of reach. */
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
    .replace('pools:\n', ['reputation:', '  min-sample: 1000', 'pools:', ''].join('\n'));
}

async function a(mxlb: MxlbProcess, label: string): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, [`${label}.${ORIGIN}`, 'A']);
  return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
}

test('a Microsoft throttling rule takes the member out of microsoft.relay only, and says which rule', async (t) => {
  const setup = await setUp(t, 250);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zone(zoneYaml(setup.mtas)));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  const mta1 = setup.mtas[0]!.host;
  await eventually(async () => JSON.stringify(await a(mxlb, 'microsoft')) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all three members in microsoft.relay' });

  const throttled = Array.from({ length: 3 }, (_, i) => ({
    member: 'primary/mta1', status: 'deferred', domain: 'outlook.com', dsn: '4.7.650',
    reply: `451 4.7.650 The mail server [${mta1}] has been temporarily rate limited due to IP reputation. (S775) ${i}`,
  }));
  const started = Date.now();
  const posted = await fetch(`${base}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch: 'rules-1', outcomes: throttled }) });
  t.is(posted.status, 200, await posted.clone().text());
  const out = await eventually(async () => { const x = await a(mxlb, 'microsoft'); return x.includes(mta1) ? false : x; }, { timeoutMs: 10_000, what: 'mta1 out of microsoft.relay' });
  t.log(`out of microsoft.relay ${Date.now() - started} ms after the outcomes`);
  t.deepEqual(out, all.filter((h) => h !== mta1));
  t.deepEqual(await a(mxlb, 'smtp'), all, 'the class name keeps it');
  t.deepEqual(await a(mxlb, 'gmail'), all, 'another provider\'s name keeps it');

  const explain = (await (await fetch(`${base}/explain?name=microsoft.${ORIGIN}&type=A`)).json()) as { text: string };
  t.regex(explain.text, /quarantined for microsoft only \(serves other names\): microsoft: rule microsoft-rate-limited: 3 matches in 1h/);
  const cliRun = await cli(['explain', `microsoft.${ORIGIN}`, '--server', base]);
  t.is(cliRun.code, 0, cliRun.stderr);
  t.regex(cliRun.stdout, /microsoft: rule microsoft-rate-limited: 3 matches in 1h/);

  type Member = { id: string; effective: string; override?: unknown; reputation?: { level: string; providers: Record<string, { level: string; why?: string; factor?: number }> } };
  const status = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: Member[] }[] }[] };
  const m1 = status.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1');
  t.like(m1, { effective: 'up', reputation: { level: 'good', providers: { microsoft: { level: 'quarantined', factor: 0 } } } });
  t.regex(m1?.reputation?.providers.microsoft?.why ?? '', /^rule microsoft-rate-limited: 3 matches in 1h/);
  t.is(m1?.override, undefined, 'no override: the member as a whole is untouched');

  // A provider-scoped scale rule: two Gmail "unusual rate" deferrals for mta2 (gmail-unusual-rate,
  // 2/1h → scale 0.25) lower its weight in gmail.relay only; it stays in every answer.
  const unusual = Array.from({ length: 2 }, () => ({
    member: 'primary/mta2', status: 'deferred', domain: 'gmail.com', dsn: '4.7.28',
    reply: '421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.',
  }));
  const scaled = await fetch(`${base}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch: 'rules-2', outcomes: unusual }) });
  t.is(scaled.status, 200);
  const gmailText = await eventually(async () => {
    const x = (await (await fetch(`${base}/explain?name=gmail.${ORIGIN}&type=A`)).json()) as { text: string };
    return /provider-reputation 0\.25 \(provider-scale\)/.test(x.text) ? x.text : false;
  }, { timeoutMs: 10_000, what: 'mta2 scaled in gmail.relay' });
  t.regex(gmailText, /primary\/mta2 .*usable; scaled for gmail only: gmail: rule gmail-unusual-rate: 2 matches in 1h \(weight × 0\.25\)/);
  t.deepEqual(await a(mxlb, 'gmail'), all, 'scaled, not removed');
  const smtpText = ((await (await fetch(`${base}/explain?name=smtp.${ORIGIN}&type=A`)).json()) as { text: string }).text;
  t.notRegex(smtpText, /provider-reputation|reputation 0\.25/, 'the class name does not scale it');
});
