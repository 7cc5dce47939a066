/**
 * A/B attribution by SMTP client with a real Postfix (docs/routing.md "Attribution"): a private
 * Debian Postfix with an smtpd listener is the relay both arms share (member shared/pf in arm A's
 * tiers and in arm B's), so the member cannot tell the arms apart; only the smtpd
 * `QUEUEID: client=host[ADDR]` line Postfix writes for each message can. Senders connect from
 * loopback addresses in different /24s (127.N.0.1), each asks mxlb from that same address first
 * (the answer names its arm: arm B's also holds b1), then submits mail to Postfix, which relays
 * ok.test mail to an accepting sink and slow.test mail to a sink that defers (451 4.7.28); arm B's
 * senders write mostly to slow.test. `mxlb signals follow postfix --once` reads the real maillog;
 * `mxlb experiment report --json` counts every delivery attempt for its sender's arm (attribution
 * `client`), as many as each arm's senders sent, with the higher deferral rate in arm B.
 * Each arm's second sender submits through a submission listener (`-o syslog_name=…/submission`,
 * as Debian's master.cf writes it), whose client= lines carry that longer syslog_name.
 * Postfix does not retry during the test (long backoff): one delivery line per message.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { cli } from './admin-setup.ts';
import { dig } from '../helpers/dig.ts';
import { startMta } from '../helpers/mta.ts';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { postfixUsable, startPostfix } from '../helpers/postfix.ts';

const TOKEN = 'postfix-ab-token-0123456789';
const ORIGIN = 'abpf.test';
const EXPERIMENT = 'postfix-ab';
/** This test's loopback addresses: Postfix's smtpd, the accepting and the deferring sink, a1, b1. */
const HOSTS = { postfix: '127.0.6.1', ok: '127.0.6.2', slow: '127.0.6.3', a1: '127.0.6.4', b1: '127.0.6.5' };
/** Senders per arm, and per sender: messages and how many of them go to the deferring domain. */
const SENDERS_PER_ARM = 2;
const PLAN = { A: { messages: 6, slow: 1 }, B: { messages: 7, slow: 5 } } as const;

/**
 * Free ports on `host`: Postfix cannot listen on port 0 and report it, so bind 0, read it, release
 * it. All are held until each is read, so two of them are never the same port.
 */
async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  for (const server of servers) await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A real SMTP server that defers every recipient (451 4.7.28) and counts them. */
async function deferringSink(host: string): Promise<{ port: number; deferred: () => number; stop(): Promise<void> }> {
  let deferred = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      deferred += 1;
      callback(Object.assign(new Error('4.7.28 rate limited, try again later'), { responseCode: 451 }));
    },
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return { port, deferred: () => deferred, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function zone(postfixPort: number, a1: number, b1: number): string {
  return [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 300ms, recheck: 100ms, rise: 1, fall: 3, timeouts: { connect: 5s, banner: 5s, ehlo: 5s } }',
    'pools:',
    `  shared: { members: [{ name: pf, address: ${HOSTS.postfix}, port: ${postfixPort} }] }`,
    `  a: { members: [{ name: a1, address: ${HOSTS.a1}, port: ${a1} }] }`,
    `  b: { members: [{ name: b1, address: ${HOSTS.b1}, port: ${b1} }] }`,
    'names:',
    '  smtp:',
    '    tiers: [[shared, a]]',
    '    ttl: 2',
    '    experiment:',
    `      name: ${EXPERIMENT}`,
    '      arms:',
    '        A: { percent: 50 }',
    '        B: { percent: 50, tiers: [[shared, b]] }',
    '',
  ].join('\n');
}

interface ArmJson { arm: string; samples: number; attribution: { member: number; client: number }; delivered: { count: number }; deferred: { count: number; rate: number } }
interface ReportJson { arms: ArmJson[]; unattributed: number; comparisons: Array<{ arm: string; metric: string; p: number }> }

test('real Postfix shared by both arms: outcomes are attributed by the smtpd client= address to the sender\'s arm', async (t) => {
  t.timeout(240_000);
  const unusable = postfixUsable();
  if (unusable) return t.fail(`needs a private Postfix: ${unusable}`);

  const ok = await startMta({ host: HOSTS.ok });
  t.teardown(() => ok.stop());
  const slow = await deferringSink(HOSTS.slow);
  t.teardown(() => slow.stop());
  const a1 = await startMta({ host: HOSTS.a1 });
  t.teardown(() => a1.stop());
  const b1 = await startMta({ host: HOSTS.b1 });
  t.teardown(() => b1.stop());

  // Plain smtpd, and a submission listener as Debian's master.cf writes it (`-o
  // syslog_name=postfix/submission`, here under this instance's name; no TLS/SASL in a test): its
  // smtpd logs as `postfix-out/submission/smtpd`, while the delivery lines say `postfix-out/smtp`.
  const [smtpdPort, submissionPort] = (await freePorts(HOSTS.postfix, 2)) as [number, number];
  const postfix = await startPostfix({ host: HOSTS.ok, port: ok.port }, {
    mynetworks: '127.0.0.0/8',
    // No reverse lookup of the client (it would ask the machine's resolver): client=unknown[ADDR].
    smtpd_peername_lookup: 'no',
    transport_maps: `inline:{ slow.test=smtp:[${HOSTS.slow}]:${slow.port} }`,
    // No retry while the test runs: each message has exactly one delivery line.
    queue_run_delay: '300s',
    minimal_backoff_time: '300s',
    maximal_backoff_time: '600s',
  }, { services: [`${HOSTS.postfix}:${smtpdPort} inet n - n - - smtpd`, `${HOSTS.postfix}:${submissionPort} inet n - n - - smtpd`, '  -o syslog_name=postfix-out/submission'] });
  t.teardown(() => postfix.stop());

  const dir = postfix.dir;
  mkdirSync(join(dir, 'zones'));
  writeFileSync(join(dir, 'zones', `${ORIGIN}.yaml`), zone(smtpdPort, a1.port, b1.port));
  writeFileSync(join(dir, 'tokens'), `ops ${TOKEN}\n`, { mode: 0o600 });
  const mxlb = await startMxlb(['--zones', join(dir, 'zones'), '--admin-token-file', join(dir, 'tokens')], { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const dns = mxlb.dns[0]!;
  // Three tries of 3 s: one lost or slow UDP reply on a loaded machine is not a failure.
  const ask = async (source: string) => (await dig(dns.host, dns.port, ['-b', source, '+time=3', '+tries=3', `smtp.${ORIGIN}`, 'A'], 15_000)).answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();

  // Postfix's smtpd is up and probed healthy: both arms answer it (arm B with b1, arm A with a1).
  await eventually(async () => (await ask('127.0.0.1')).includes(HOSTS.postfix), { timeoutMs: 30_000, what: 'the Postfix relay in the answers' });

  // Senders from 127.N.0.1, one /24 each: the arm the DNS answer names from that address, checked
  // against /explain; the first SENDERS_PER_ARM of each arm send mail.
  const senders: Record<'A' | 'B', string[]> = { A: [], B: [] };
  for (let n = 11; n < 60 && (senders.A.length < SENDERS_PER_ARM || senders.B.length < SENDERS_PER_ARM); n++) {
    const source = `127.${n}.0.1`;
    // Every member must be probed up first (a1 or b1 may still be on its first probes when the
    // relay already is): poll until the answer holds the relay and one arm's own member.
    let answer: string[] = [];
    await eventually(async () => {
      answer = await ask(source);
      return answer.includes(HOSTS.postfix) && (answer.includes(HOSTS.a1) || answer.includes(HOSTS.b1));
    }, { timeoutMs: 30_000, what: `${source}: the shared relay and its arm's own member in the answer` });
    t.true(answer.includes(HOSTS.postfix), `${source} is answered the shared relay: ${answer.join(', ')}`);
    const arm = answer.includes(HOSTS.b1) ? 'B' : 'A';
    t.is(answer.includes(HOSTS.a1), arm === 'A', `${source}: one arm's pool: ${answer.join(', ')}`);
    const explained = (await (await fetch(`${base}/explain?name=smtp.${ORIGIN}&type=A&client=${source}`)).json()) as { arm?: { arm: string } };
    t.is(explained.arm?.arm, arm, `/explain agrees on ${source}`);
    if (senders[arm].length < SENDERS_PER_ARM) senders[arm].push(source);
  }
  t.deepEqual([senders.A.length, senders.B.length], [SENDERS_PER_ARM, SENDERS_PER_ARM], JSON.stringify(senders));

  // Mail: each sender submits to the Postfix relay from its own address (each arm's second sender
  // through the submission listener).
  let sent = 0;
  for (const arm of ['A', 'B'] as const) {
    for (const [k, source] of senders[arm].entries()) {
      const transport = nodemailer.createTransport({ host: HOSTS.postfix, port: k === 1 ? submissionPort : smtpdPort, secure: false, ignoreTLS: true, localAddress: source, name: 'app.test', connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000 });
      try {
        for (let i = 0; i < PLAN[arm].messages; i++) {
          const domain = i < PLAN[arm].slow ? 'slow.test' : 'ok.test';
          await transport.sendMail({ from: `app@${source}.example`, to: `user${sent}@${domain}`, subject: `${arm} ${source} ${i}`, text: 'hello' });
          sent += 1;
        }
      } finally {
        transport.close();
      }
    }
  }
  const perArm = { A: SENDERS_PER_ARM * PLAN.A.messages, B: SENDERS_PER_ARM * PLAN.B.messages };
  const deferredPerArm = { A: SENDERS_PER_ARM * PLAN.A.slow, B: SENDERS_PER_ARM * PLAN.B.slow };
  t.is(sent, perArm.A + perArm.B);

  // The maillog, read independently of mxlb's parser: one delivery line per message.
  const log = () => readFileSync(postfix.maillog, 'utf8').split('\n');
  const deliveries = () => log().filter((l) => /postfix-out\/smtp\[\d+\]: \w+: to=<.*status=(sent|deferred|bounced)/.test(l));
  await eventually(() => deliveries().length >= sent, { timeoutMs: 60_000, intervalMs: 200, what: `${sent} delivery lines in the maillog` });
  const clientOf = new Map<string, string>();
  for (const line of log()) {
    const m = /postfix-out(?:\/submission)?\/smtpd\[\d+\]: (\w+): client=\S*\[([\d.]+)\]/.exec(line);
    if (m) clientOf.set(m[1]!, m[2]!);
  }
  const expected = { A: { sent: 0, deferred: 0 }, B: { sent: 0, deferred: 0 } };
  for (const line of deliveries()) {
    const m = /: (\w+): to=<.*status=(\w+)/.exec(line)!;
    const client = clientOf.get(m[1]!);
    const arm = senders.A.includes(client ?? '') ? 'A' : senders.B.includes(client ?? '') ? 'B' : undefined;
    t.not(arm, undefined, `the delivery line's queue ID has a client= line from a sender: ${line}`);
    expected[arm!][m[2] as 'sent' | 'deferred'] += 1;
  }
  t.deepEqual(expected, { A: { sent: perArm.A - deferredPerArm.A, deferred: deferredPerArm.A }, B: { sent: perArm.B - deferredPerArm.B, deferred: deferredPerArm.B } }, 'the log: deferrals only for slow.test mail');
  t.is(ok.messages.length, perArm.A + perArm.B - deferredPerArm.A - deferredPerArm.B);
  t.is(slow.deferred(), deferredPerArm.A + deferredPerArm.B);

  // The follower reads the real maillog; every outcome is the shared member's.
  const follower = spawn(process.execPath, [BIN, 'signals', 'follow', 'postfix', '--log', postfix.maillog, '--member', 'shared/pf', '--server', base, '--token', TOKEN, '--state', join(dir, 'follow.state'), '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => void follower.kill('SIGKILL'));
  let stderr = '';
  follower.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => follower.once('exit', resolve));
  t.is(code, 0, stderr);

  // The operator's view: `mxlb experiment report --json`, until every attempt is counted somewhere.
  let last = '';
  const report = await eventually(async () => {
    const run = await cli(['experiment', 'report', EXPERIMENT, '--json', '--min-sample', '10'], { MXLB_SERVER: base, MXLB_ADMIN_TOKEN: TOKEN });
    last = `exit ${run.code}: ${run.stderr}${run.stdout}`;
    if (run.code !== 0) return false;
    const r = JSON.parse(run.stdout) as ReportJson;
    return r.arms.reduce((n, arm) => n + arm.samples, 0) + r.unattributed >= sent ? r : false;
  }, { timeoutMs: 20_000, intervalMs: 250, what: `${sent} outcomes in the report` }).catch((error: Error) => { throw new Error(`${error.message}; last: ${last.slice(0, 2000)}`); });
  const [a, b] = report.arms;
  t.log(`arm A ${a!.samples} samples, ${a!.deferred.count} deferred (${(a!.deferred.rate * 100).toFixed(1)} %); arm B ${b!.samples} samples, ${b!.deferred.count} deferred (${(b!.deferred.rate * 100).toFixed(1)} %); deferral p = ${report.comparisons.find((c) => c.metric === 'deferral')?.p}`);
  t.deepEqual(
    report.arms.map((r) => ({ arm: r.arm, samples: r.samples, client: r.attribution.client, member: r.attribution.member, sent: r.delivered.count, deferred: r.deferred.count })),
    [
      { arm: 'A', samples: perArm.A, client: perArm.A, member: 0, sent: expected.A.sent, deferred: expected.A.deferred },
      { arm: 'B', samples: perArm.B, client: perArm.B, member: 0, sent: expected.B.sent, deferred: expected.B.deferred },
    ],
    'every attempt counted for its sender\'s arm, by client address',
  );
  t.is(report.unattributed, 0, 'every delivery line had its smtpd client= line');
  t.true(b!.deferred.rate > a!.deferred.rate + 0.3, `arm B defers more: ${b!.deferred.rate} vs ${a!.deferred.rate}`);
});
