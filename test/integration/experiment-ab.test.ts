/**
 * An A/B experiment over real traffic through the real `mxlb serve`, the real CLI and the HTTP API
 * (docs/routing.md "A/B experiments"): arm A answers pool a, arm B pool b; clients ask from
 * several loopback source addresses with 40 ECS subnets (dig +subnet), each gets its arm's pool
 * and sends mail to the relay it was answered; the relays (real SMTP servers) defer more in pool
 * b, and report each delivery as a relay would (POST /api/signals). `mxlb experiment report`
 * shows the difference with its test and sample sizes, refuses a winner below the minimum sample
 * and names it above; stop returns every client to the name's own answer and survives a restart.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { cli } from './admin-setup.ts';
import { dig } from '../helpers/dig.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const TOKEN = 'ab-token-0123456789abcdef';
const ORIGIN = 'ab.test';
const RELAYS = { a: ['127.0.0.245', '127.0.0.246'], b: ['127.0.0.247', '127.0.0.248'] };
const SOURCES = ['127.0.0.249', '127.0.0.250'];
const SUBNETS = Array.from({ length: 40 }, (_, i) => `10.9.${i}.0/24`);
const PER_SUBNET = 4;

/** A real SMTP server that defers (451 4.7.28) every message whose sequence number `defer(n)` picks. */
async function relay(t: import('ava').ExecutionContext, host: string, defer: (n: number) => boolean): Promise<{ port: number; accepted: () => number }> {
  let seq = 0;
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        if (defer(seq++)) return callback(Object.assign(new Error('4.7.28 rate limited, try again later'), { responseCode: 451 }));
        accepted += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as { port: number }).port, accepted: () => accepted };
}

function zone(port: number): string {
  const members = (pool: 'a' | 'b') => RELAYS[pool].map((address, i) => `      - { name: ${pool}${i + 1}, address: ${address}, port: ${port} }`);
  return [
    'ecs: true',
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 300ms, recheck: 100ms, rise: 1, fall: 3, timeouts: { connect: 5s, banner: 5s, ehlo: 5s } }',
    'pools:',
    '  a:',
    '    members:',
    ...members('a'),
    '  b:',
    '    members:',
    ...members('b'),
    'names:',
    '  smtp:',
    '    tiers: [a]',
    '    ttl: 2',
    '    experiment:',
    '      name: pools-ab',
    '      arms:',
    '        A: { percent: 50 }',
    '        B: { percent: 50, tiers: [b] }',
    '',
  ].join('\n');
}

async function ask(mxlb: MxlbProcess, subnet: string, source: string): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, ['-b', source, `smtp.${ORIGIN}`, 'A', `+subnet=${subnet}`]);
  return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
}

test('arm A and arm B get their pools; deliveries through them are reported and tested per arm; stop returns everyone to the name', async (t) => {
  // About 100 dig runs and 160 SMTP sessions one after another: slow on a loaded shared machine.
  t.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-ab-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // One port for all four relays (each on its own address): pool a defers 1 in 20, pool b 2 in 5.
  const first = await relay(t, RELAYS.a[0]!, (n) => n % 20 === 7);
  const port = first.port;
  const others = [await relay2(t, RELAYS.a[1]!, port, (n) => n % 20 === 7), await relay2(t, RELAYS.b[0]!, port, (n) => n % 5 < 2), await relay2(t, RELAYS.b[1]!, port, (n) => n % 5 < 2)];
  t.true(others.length === 3);
  const zonesDir = join(dir, 'zones');
  mkdirSync(zonesDir);
  writeFileSync(join(zonesDir, `${ORIGIN}.yaml`), zone(port));
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, `ops ${TOKEN}\n`, { mode: 0o600 });
  const args = ['--zones', zonesDir, '--state-file', join(dir, 'state.json'), '--admin-token-file', tokenFile];
  let mxlb = await startMxlb(args, { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const server = () => `http://${mxlb.http.host}:${mxlb.http.port}`;
  const ops = (argv: string[]) => cli(argv, { MXLB_SERVER: server(), MXLB_ADMIN_TOKEN: TOKEN });

  // Every member up, so each arm answers its whole pool.
  await eventually(async () => (await ask(mxlb, SUBNETS[0]!, SOURCES[0]!)).length === 2, { timeoutMs: 30_000, what: 'an arm answering both of its relays' });

  // Each subnet gets one arm (sticky across source addresses and repeats), and arms split about evenly.
  const armOf = new Map<string, 'a' | 'b'>();
  for (const subnet of SUBNETS) {
    const seen = new Set<string>();
    for (const source of SOURCES) seen.add((await ask(mxlb, subnet, source)).join(','));
    t.is(seen.size, 1, `${subnet} always gets the same answer`);
    const answer = [...seen][0]!;
    t.true(answer === RELAYS.a.join(',') || answer === RELAYS.b.join(','), `${subnet} gets one pool whole: ${answer}`);
    armOf.set(subnet, answer === RELAYS.a.join(',') ? 'a' : 'b');
  }
  const inB = [...armOf.values()].filter((p) => p === 'b').length;
  t.log(`arm B: ${inB} of ${SUBNETS.length} subnets`);
  t.true(inB >= 8 && inB <= 32, `both arms have clients (${inB} in B)`);

  // Mail: each subnet's client sends to the relay it was answered; the relay reports the outcome.
  const outcomes: object[] = [];
  let n = 0;
  for (const subnet of SUBNETS) {
    for (let i = 0; i < PER_SUBNET; i++) {
      // The relay its answer named (asked above, from both source addresses: the same pool).
      const relays = RELAYS[armOf.get(subnet)!];
      const address = relays[n % relays.length]!;
      const member = `${armOf.get(subnet)}/${armOf.get(subnet)}${RELAYS[armOf.get(subnet)!].indexOf(address) + 1}`;
      const transport = nodemailer.createTransport({ host: address, port, secure: false, ignoreTLS: true, localAddress: SOURCES[n % 2]!, name: 'client.test', connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 5000 });
      try {
        await transport.sendMail({ from: 'app@client.test', to: `user${n}@example.org`, subject: `m${n}`, text: 'hello' });
        outcomes.push({ member, status: 'sent', dsn: '2.0.0', domain: 'example.org', delay: 1 + (n % 3) });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        t.is(code, 451, `only deferrals, no other failure: ${(error as Error).message}`);
        outcomes.push({ member, status: 'deferred', dsn: '4.7.28', domain: 'example.org', reply: '451 4.7.28 rate limited, try again later' });
      } finally {
        transport.close();
      }
      n += 1;
    }
  }
  const posted = await fetch(`${server()}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch: 'ab-1', outcomes }) });
  t.is(posted.status, 200, await posted.text());

  // The report: samples per arm add up, pool b's deferral rate is higher and the test says so.
  const report = await eventually(async () => {
    const r = (await (await fetch(`${server()}/experiments/pools-ab/report`)).json()) as { arms: Array<{ arm: string; samples: number; deferred: { rate: number }; attribution: { member: number } }>; verdict: { winner?: string; reason: string }; comparisons: Array<{ metric: string; p: number }> };
    return r.arms.reduce((s, a) => s + a.samples, 0) === SUBNETS.length * PER_SUBNET ? r : false;
  }, { timeoutMs: 10_000, what: 'every outcome counted for an arm' });
  const [a, b] = report.arms;
  t.is(a!.samples, (SUBNETS.length - inB) * PER_SUBNET);
  t.is(b!.samples, inB * PER_SUBNET);
  t.is(a!.attribution.member, a!.samples, 'attributed by member: the pools are disjoint');
  t.true(b!.deferred.rate > a!.deferred.rate + 0.2, `B defers more: ${b!.deferred.rate} vs ${a!.deferred.rate}`);
  t.true(report.comparisons.find((c) => c.metric === 'deferral')!.p < 0.001);
  t.is(report.verdict.winner, undefined, 'fewer than 100 samples per arm: no winner');
  t.regex(report.verdict.reason, /too few samples/);

  const text = await ops(['experiment', 'report', 'pools-ab', '--min-sample', '40']);
  t.is(text.code, 0, text.stderr);
  t.log(text.stdout);
  t.regex(text.stdout, /arm B: deferrals \d+\.\d % vs \d+\.\d % \(arm A\), p = [\d.e-]+ \(significant\)/);
  t.regex(text.stdout, /verdict: arm A wins/);
  t.regex(text.stdout, new RegExp(`^B +b +\\d+ +${inB} +${inB * PER_SUBNET} `, 'm'), 'arm B row: pools, answers, distinct clients (subnets), samples');

  // Metrics per arm.
  const metrics = await (await fetch(`${server()}/metrics`)).text();
  t.regex(metrics, /mxlb_experiment_answers_total\{experiment="pools-ab",arm="B"\} [1-9]/);
  t.regex(metrics, new RegExp(`mxlb_experiment_clients\\{experiment="pools-ab",arm="B"\\} ${inB}\\b`));

  // /explain and mxlb explain name the arm a simulated client gets, and why.
  const subnet = SUBNETS[3]!;
  const arm = armOf.get(subnet) === 'a' ? 'A' : 'B';
  const explained = await ops(['explain', `smtp.${ORIGIN}`, '--client', SOURCES[0]!, '--subnet', subnet]);
  t.is(explained.code, 0, explained.stderr);
  t.regex(explained.stdout, new RegExp(`experiment pools-ab: arm ${arm} — 10\\.9\\.3\\.0/24 \\(ECS subnet, hashed by /24\\) hashes to 0\\.\\d{4}, in \\[(0|50)%, (50|100)%\\)`));
  const doc = (await (await fetch(`${server()}/explain?name=smtp.${ORIGIN}&type=A&subnet=${encodeURIComponent(subnet)}`)).json()) as { arm?: { arm: string; point: number } };
  t.is(doc.arm?.arm, arm);

  // Usage errors and typos exit non-zero with the documented codes.
  t.is((await ops(['experiment', 'report', 'pool-ab'])).code, 1);
  t.regex((await ops(['experiment', 'report', 'pool-ab'])).stderr, /no experiment "pool-ab"; experiments: pools-ab/);
  t.is((await ops(['experiment', 'start', 'pools-ab', '--split', 'A=60'])).code, 2);
  t.is((await ops(['experiment', 'start', 'pools-ab', '--split', 'A=60,B=30'])).code, 2);
  t.is((await ops(['experiment', 'strat', 'pools-ab'])).code, 2);

  // A new split moves only clients between the old and new boundary (B grows: nobody leaves B).
  const started = await ops(['experiment', 'start', 'pools-ab', '--split', 'A=30,B=70', '--reason', 'more to B']);
  t.is(started.code, 0, started.stderr);
  await eventually(async () => {
    for (const [subnet, pool] of armOf) if (pool === 'b' && (await ask(mxlb, subnet, SOURCES[0]!)).join(',') !== RELAYS.b.join(',')) return false;
    return true;
  }, { timeoutMs: 10_000, what: 'every B client still in B at 30/70' });

  // Stop: every client gets the name's own answer (pool a).
  const stopped = await ops(['experiment', 'stop', 'pools-ab', '--reason', 'done']);
  t.is(stopped.code, 0, stopped.stderr);
  await eventually(async () => {
    for (const subnet of SUBNETS.slice(0, 10)) if ((await ask(mxlb, subnet, SOURCES[1]!)).join(',') !== RELAYS.a.join(',')) return false;
    return true;
  }, { timeoutMs: 10_000, what: 'everyone on pool a after stop' });

  // The stop is persisted: a restarted server keeps it stopped.
  await mxlb.stop();
  mxlb = await startMxlb(args, { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  const list = await ops(['experiment', 'list', '--json']);
  t.is(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { experiments: Array<{ name: string; state: string; why: string }> };
  t.is(listed.experiments[0]!.state, 'stopped');
  t.regex(listed.experiments[0]!.why, /stopped by .*: done/);
  await eventually(async () => (await ask(mxlb, SUBNETS[1]!, SOURCES[0]!)).join(',') === RELAYS.a.join(','), { timeoutMs: 30_000, what: 'pool a after the restart' });
});

async function relay2(t: import('ava').ExecutionContext, host: string, port: number, defer: (n: number) => boolean): Promise<void> {
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => (defer(seq++) ? callback(Object.assign(new Error('4.7.28 rate limited, try again later'), { responseCode: 451 })) : callback()));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
}
