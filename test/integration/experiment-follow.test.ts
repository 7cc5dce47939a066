/**
 * Attribution by the SMTP client's address, end to end through the real `mxlb signals follow
 * postfix` and the real `mxlb serve` (docs/routing.md "Attribution"): both arms share a relay, so
 * only the smtpd `client=` line of each message (joined by queue ID with its delivery line) can
 * tie its outcome to an arm. Messages from clients in subnets of arm B are deferred; the report
 * counts every outcome for the arm its client hashes to (attribution `client`), matching the arm
 * the DNS server gives that subnet, and outcomes without a client line as unattributed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { dig } from '../helpers/dig.ts';
import { eventually } from '../helpers/poll.ts';

const TOKEN = 'follow-ab-token-0123456789';
const ORIGIN = 'abf.test';
const START = Date.now() - 600_000;

const ZONE = [
  'ecs: true',
  'records: |',
  '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
  '  @ 300 IN NS ns1',
  '  ns1 300 IN A 127.0.0.1',
  'pools:',
  '  shared: { members: [{ name: s1, address: 127.0.0.251, port: 1 }] }',
  '  a: { members: [{ name: a1, address: 127.0.0.252, port: 1 }] }',
  '  b: { members: [{ name: b1, address: 127.0.0.253, port: 1 }] }',
  'names:',
  '  smtp:',
  '    tiers: [[shared, a]]',
  '    experiment:',
  '      name: shared-ab',
  '      arms:',
  '        A: { percent: 50 }',
  '        B: { percent: 50, tiers: [[shared, b]] }',
  '',
].join('\n');

/** One message in Postfix's log: smtpd's client= line (unless `client` is undefined), then the delivery line. */
function message(id: string, client: string | undefined, status: 'sent' | 'deferred', second: number): string[] {
  // RFC 3339 as maillog_file writes it, a few minutes ago (the follower skips lines older than a day).
  const at = new Date(START + second * 1000).toISOString().replace('Z', '000+00:00');
  const lines = client ? [`${at} mx1 postfix/smtpd[100]: ${id}: client=app.example[${client}]`] : [];
  const tail = status === 'sent' ? 'dsn=2.0.0, status=sent (250 2.0.0 ok)' : 'dsn=4.7.28, status=deferred (host mx.example[192.0.2.9] said: 451 4.7.28 rate limited)';
  lines.push(`${at} mx1 postfix/smtp[101]: ${id}: to=<u@example.org>, relay=mx.example[192.0.2.9]:25, delay=1.5, delays=0.1/0/0.4/1, ${tail}`);
  return lines;
}

test('outcomes of a relay both arms share are tied to an arm by the smtpd client= line of the same queue ID', async (t) => {
  t.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-abf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'zones'));
  writeFileSync(join(dir, 'zones', `${ORIGIN}.yaml`), ZONE);
  writeFileSync(join(dir, 'tokens'), `ops ${TOKEN}\n`, { mode: 0o600 });
  const mxlb = await startMxlb(['--zones', join(dir, 'zones'), '--admin-token-file', join(dir, 'tokens')], { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;

  // Which arm the DNS server gives each of 20 client subnets (b1 in the answer: arm B).
  const armOf = new Map<string, 'A' | 'B'>();
  for (let i = 0; i < 20; i++) {
    const reply = await dig(mxlb.dns[0]!.host, mxlb.dns[0]!.port, [`smtp.${ORIGIN}`, 'A', `+subnet=10.7.${i}.0/24`]);
    const addresses = reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]);
    armOf.set(`10.7.${i}`, addresses.includes('127.0.0.253') ? 'B' : 'A');
  }
  const inB = [...armOf.values()].filter((a) => a === 'B').length;
  t.true(inB > 0 && inB < 20, `both arms have subnets (${inB} in B)`);

  // The relay's log: 3 messages per subnet from a client in it; arm B's clients are deferred; and
  // 4 messages whose smtpd line is not in the log (received before the log starts).
  const lines: string[] = [];
  let k = 0;
  for (const [subnet, arm] of armOf) for (let m = 0; m < 3; m++, k++) lines.push(...message(`4Q${String(k).padStart(8, '0')}A`, `${subnet}.${10 + m}`, arm === 'B' ? 'deferred' : 'sent', k));
  for (let m = 0; m < 4; m++, k++) lines.push(...message(`4Q${String(k).padStart(8, '0')}B`, undefined, 'sent', k));
  const log = join(dir, 'maillog');
  writeFileSync(log, `${lines.join('\n')}\n`);

  const follower = spawn(process.execPath, [BIN, 'signals', 'follow', 'postfix', '--log', log, '--member', 'shared/s1', '--server', base, '--token', TOKEN, '--state', join(dir, 'follow.state'), '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  follower.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => follower.once('exit', resolve));
  t.teardown(() => follower.kill());
  t.is(code, 0, stderr);

  const report = await eventually(async () => {
    const r = (await (await fetch(`${base}/experiments/shared-ab/report`)).json()) as { arms: Array<{ arm: string; samples: number; deferred: { count: number }; attribution: { member: number; client: number } }>; unattributed: number };
    return r.arms.reduce((n, a) => n + a.samples, 0) === 60 ? r : false;
  }, { timeoutMs: 10_000, what: 'the 60 outcomes with a client line counted' });
  const [a, b] = report.arms;
  t.deepEqual([a!.samples, a!.attribution.client, a!.attribution.member], [(20 - inB) * 3, (20 - inB) * 3, 0]);
  t.deepEqual([b!.samples, b!.attribution.client, b!.deferred.count], [inB * 3, inB * 3, inB * 3], 'every deferral (sent only by B clients) counted for arm B');
  t.is(a!.samples - (a as { delivered?: { count: number } }).delivered!.count, 0, 'no deferral counted for arm A');
  t.is(report.unattributed, 4, 'the messages without a client line: not guessed');
});
