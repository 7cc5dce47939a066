/**
 * Warm-up through the real server (issue 13): a warming member's share follows its schedule (open
 * loop while no delivery signals arrive, said in /status); outcomes posted to /api/signals close
 * the loop and, at the day's cap, DNS stops giving it first places; `mxlb member warmup` shows
 * day N of M, the cap and the attempts, and pauses and finishes it (audited).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMta } from '../helpers/mta.ts';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { firstPlaces, shareOf } from '../helpers/first-places.ts';

const run = promisify(execFile);
const TOKEN = 'warmup-test-token-0123456789';
const ADDRESSES = ['127.0.0.71', '127.0.0.72', '127.0.0.73', '127.0.0.74'];

test('a warming member: open loop, then attempts against the cap; at the cap it leaves first places; CLI status, pause, finish', async (t) => {
  const mtas = await Promise.all(ADDRESSES.map((host) => startMta({ host })));
  for (const mta of mtas) t.teardown(() => mta.stop());
  const today = new Date().toISOString().slice(0, 10);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-warm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'warm.test.yaml'), `records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
probe: {interval: 200ms, recheck: 50ms, jitter: 0, rise: 1, fall: 1}
warm-up-schedules:
  t:
    time-zone: UTC
    days: [20, 40]
pools:
  p:
    members:
${mtas.map((m, i) => `      - {name: m${i}, address: ${m.host}, port: ${m.port}${i === 3 ? `, warm-up: {schedule: t, start: ${today}}` : ''}}`).join('\n')}
names:
  smtp:
    tiers: [p]
    policy: weighted
    max: 1
`);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json')], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  let base = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const env = { ...process.env, MXLB_SERVER: base, MXLB_ADMIN_TOKEN: TOKEN };
  const cli = async (...args: string[]) => (await run(process.execPath, [BIN, 'member', 'warmup', ...args], { env })).stdout;
  let dns = mxlb.dns[0]!;
  const share = async () => shareOf(await firstPlaces(dns.host, dns.port, 'smtp.warm.test', 128), '127.0.0.74');
  const warmUp = async () => (await (await fetch(`${base}/api/members/p%2Fm3/warmup`)).json()) as { loop: string; sent?: number; factor?: { value: number; reason: string }; day: number };

  // Open loop: day 1 of 2, cap 20 of the last day's 40 → factor 0.5 → 0.5 / 3.5 ≈ 14 % of first places.
  const open = await eventually(async () => {
    const s = await share();
    return Math.abs(s - 0.5 / 3.5) <= 1 / 32 + 1e-9 ? s : false;
  }, { timeoutMs: 10_000, what: 'open-loop share' });
  t.like(await warmUp(), { loop: 'stale', day: 1, factor: { value: 0.5, reason: 'warm-up-signals-stale' } });
  t.regex(await cli('status'), /p\/m3: day 1 of 2 \(\d{4}-\d{2}-\d{2} UTC\), cap 20, sent unknown \(signals stale: open loop\); schedule share 50 %, factor 0.5 \(warm-up-signals-stale\)/);

  const post = (n: number, batch: string) =>
    fetch(`${base}/api/signals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch, outcomes: Array.from({ length: n }, () => ({ member: 'p/m3', status: 'sent', domain: 'example.org' })) }),
    });
  t.is((await post(10, 'b1')).status, 200);
  t.like(await eventually(async () => ((await warmUp()).loop === 'closed' ? warmUp() : false), { what: 'closed loop' }), { sent: 10, factor: { value: 0.5, reason: 'warm-up-under-cap' } });
  t.is((await post(10, 'b2')).status, 200);
  await eventually(async () => (await warmUp()).factor?.reason === 'warm-up-cap-reached', { what: 'cap reached' });
  t.is(await share(), 0, 'at the cap: no first places');
  t.regex(await cli('status', 'p/m3'), /day 1 of 2 .*cap 20, sent 20; .*factor 0 \(warm-up-cap-reached\)/);

  // A restart keeps today's count (the counters file beside the state file) and the operator's controls.
  const statePath = join(dir, 'state.json');
  await mxlb.stop();
  const again = await startMxlb(['--zones', dir, '--state-file', statePath], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => again.stop());
  base = `http://${again.http.host}:${again.http.port}`;
  env.MXLB_SERVER = base;
  dns = again.dns[0]!;
  t.is((await post(1, 'b3')).status, 200); // signals fresh again after the restart
  t.like(await eventually(async () => ((await warmUp()).loop === 'closed' ? warmUp() : false), { what: 'closed loop after restart' }), { sent: 21, factor: { value: 0, reason: 'warm-up-cap-reached' } });

  t.regex(await cli('pause', 'p/m3', '--reason', 'postmaster asked'), /paused \(operator\)/);
  t.regex(await cli('finish', 'p/m3', '--reason', 'warm enough'), /p\/m3: warm-up t complete/);
  await eventually(async () => Math.abs((await share()) - 0.25) <= 1 / 32 + 1e-9, { timeoutMs: 5000, what: 'full share after finish' });
  const audit = (await (await fetch(`${base}/api/audit?limit=5`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { entries: { action: string; member: string }[] };
  t.deepEqual(audit.entries.filter((e) => e.member === 'p/m3').map((e) => e.action), ['warmup-finish', 'warmup-pause']);
  t.log(`open-loop share ${(open * 100).toFixed(1)} % (schedule 14.3 %); at the cap 0 %; after finish 25 %`);
});
