/**
 * Per-provider warm-up caps through the real server (issue 14 item 1, docs/routing.md "Per-provider
 * names"): a warming member with a Gmail cap of 3 a day leaves `gmail.warmp.test` once three Gmail
 * attempts are posted to /api/signals, and keeps serving `microsoft.warmp.test` and the name for
 * every recipient (`smtp`, where only its total cap applies); /status, /explain, `mxlb explain`
 * and `mxlb member warmup status` name the provider and its cap. The next day: the real server
 * has no fake clock, so the day is crossed where the server reads it — the counters file beside
 * the state file says the three attempts were yesterday's, and after a restart the member is back.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { startMta } from '../helpers/mta.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const run = promisify(execFile);
const TOKEN = 'warmup-providers-token-0123456789';
const ADDRESSES = ['127.0.0.81', '127.0.0.82', '127.0.0.83'];
const WARMING = '127.0.0.83';

test('a member at its Gmail warm-up cap leaves gmail.* only, and returns the next day', async (t) => {
  const mtas = await Promise.all(ADDRESSES.map((host) => startMta({ host })));
  for (const mta of mtas) t.teardown(() => mta.stop());
  const today = new Date().toISOString().slice(0, 10);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-warmp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const name = (label: string, provider?: string) => `  ${label}:\n    tiers: [p]\n    ttl: 1\n${provider ? `    provider: ${provider}\n` : ''}`;
  writeFileSync(join(dir, 'warmp.test.yaml'), `records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
probe: {interval: 200ms, recheck: 50ms, jitter: 0, rise: 1, fall: 1}
warm-up-schedules:
  t:
    time-zone: UTC
    days: [{cap: 50, gmail: 3, microsoft: 10}, 100]
pools:
  p:
    members:
${mtas.map((m, i) => `      - {name: m${i}, address: ${m.host}, port: ${m.port}${m.host === WARMING ? `, warm-up: {schedule: t, start: ${today}}` : ''}}`).join('\n')}
names:
${name('smtp')}${name('gmail', 'gmail')}${name('microsoft', 'microsoft')}`);
  const statePath = join(dir, 'state.json');
  const start = async (): Promise<MxlbProcess> => {
    const mxlb = await startMxlb(['--zones', dir, '--state-file', statePath], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
    t.teardown(() => mxlb.stop());
    return mxlb;
  };
  let mxlb = await start();
  const base = () => `http://${mxlb.http.host}:${mxlb.http.port}`;
  const answer = async (label: string) => {
    const reply = await dig(mxlb.dns[0]!.host, mxlb.dns[0]!.port, [`${label}.warmp.test`, 'A']);
    return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
  };
  const names = async () => ({ smtp: await answer('smtp'), gmail: await answer('gmail'), microsoft: await answer('microsoft') });
  const post = async (batch: string, domain: string, n: number) => {
    const body = JSON.stringify({ batch, outcomes: Array.from({ length: n }, () => ({ member: 'p/m2', status: 'sent', domain })) });
    const response = await fetch(`${base()}/api/signals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    t.is(response.status, 200);
  };
  type View = { loop: string; sent?: number; providerSent?: Record<string, number>; providerFactors?: Record<string, { value: number; reason: string; detail?: string }>; factor?: { value: number; reason: string } };
  const warmUp = async () => (await (await fetch(`${base()}/api/members/p%2Fm2/warmup`)).json()) as View;
  const everywhere = (x: Awaited<ReturnType<typeof names>>) => [x.smtp, x.gmail, x.microsoft].every((a) => a.length === 3);

  await eventually(async () => everywhere(await names()), { timeoutMs: 15_000, what: 'all three members in every name' });
  await post('ms-1', 'outlook.com', 2);
  await post('g-1', 'gmail.com', 2);
  t.like(await eventually(async () => ((await warmUp()).sent === 4 ? warmUp() : false), { what: 'four attempts counted' }), {
    loop: 'closed',
    providerSent: { gmail: 2, microsoft: 2 },
    providerFactors: { gmail: { reason: 'warm-up-provider-under-cap' }, microsoft: { reason: 'warm-up-provider-under-cap' } },
  });
  t.true(everywhere(await names()), 'under every cap: still in every name');

  await post('g-2', 'googlemail.com', 1); // the third Gmail attempt: at the Gmail cap of 3
  const out = await eventually(async () => { const x = await names(); return x.gmail.includes(WARMING) ? false : x; }, { timeoutMs: 10_000, what: 'm2 out of gmail.warmp.test' });
  t.deepEqual(out.gmail, ADDRESSES.filter((a) => a !== WARMING));
  t.deepEqual(out.microsoft, ADDRESSES, 'Microsoft cap 10, 2 sent: it keeps serving microsoft');
  t.deepEqual(out.smtp, ADDRESSES, 'total 5 of 50: it keeps serving the name for every recipient');
  t.like(await warmUp(), { sent: 5, factor: { reason: 'warm-up-under-cap' }, providerFactors: { gmail: { value: 0, reason: 'warm-up-provider-cap-reached', detail: 'gmail cap 3' } } });

  const status = (await (await fetch(`${base()}/status`)).json()) as { zones: { pools: { members: { id: string; warmUp?: View }[] }[] }[] };
  const m2 = status.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'p/m2');
  t.like(m2?.warmUp, { providerSent: { gmail: 3, microsoft: 2 }, providerFactors: { gmail: { value: 0 }, microsoft: { reason: 'warm-up-provider-under-cap' } } });
  const explain = (await (await fetch(`${base()}/explain?name=gmail.warmp.test&type=A`)).json()) as { text: string };
  t.regex(explain.text, /warm-up 0 \(warm-up-provider-cap-reached: gmail cap 3\)/);
  const general = (await (await fetch(`${base()}/explain?name=smtp.warmp.test&type=A`)).json()) as { text: string };
  t.notRegex(general.text, /provider-cap/);
  const env = { ...process.env, MXLB_SERVER: base(), MXLB_ADMIN_TOKEN: TOKEN };
  t.regex((await run(process.execPath, [BIN, 'explain', 'gmail.warmp.test', 'A'], { env })).stdout, /warm-up 0 \(warm-up-provider-cap-reached: gmail cap 3\)/);
  t.regex((await run(process.execPath, [BIN, 'member', 'warmup', 'status', 'p/m2'], { env })).stdout, /cap 50 \(gmail 3, microsoft 10\), sent 5;.*; gmail 3 of 3: factor 0 \(warm-up-provider-cap-reached\); microsoft 2 of 10: factor 0.5 \(warm-up-provider-under-cap\)/);

  // The next day: the counters file (written at shutdown) dated yesterday, as it would be read after midnight.
  await mxlb.stop();
  const countsPath = `${statePath}.warm-up-counts.json`;
  const counts = JSON.parse(readFileSync(countsPath, 'utf8')) as Record<string, { date: string; providers: Record<string, number> }>;
  t.like(counts['p/m2'], { date: today, providers: { gmail: 3, microsoft: 2 } });
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  counts['p/m2']!.date = yesterday;
  writeFileSync(countsPath, JSON.stringify(counts));
  mxlb = await start();
  await post('next-day', 'example.org', 1); // signals fresh again after the restart
  t.like(await eventually(async () => ((await warmUp()).loop === 'closed' ? warmUp() : false), { what: 'closed loop the next day' }), { sent: 1, providerSent: { gmail: 0 }, providerFactors: { gmail: { reason: 'warm-up-provider-under-cap' } } });
  await eventually(async () => everywhere(await names()), { timeoutMs: 10_000, what: 'm2 back in gmail.warmp.test' });
});
