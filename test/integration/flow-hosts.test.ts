/**
 * Full flow through the real `mxlb serve` and real SMTP servers on loopback (issue 3, answer
 * correctness for balanced zones):
 * 1. member host names follow health: two members share one host name; when one MTA stops, the
 *    host's A answer (what a sending MTA looks up after the MX answer) and the MX additional
 *    section drop its address, and it comes back after `rise` successes; with every member of the
 *    host down, the host answers all its addresses (fail-open, degraded TTL);
 * 2. all-down is judged per name, not per address family: with the IPv6 member down and the IPv4
 *    one up, AAAA is NODATA (SOA TTL capped at the degraded TTL) under the `servfail` and `all`
 *    policies alike; with both down the policies apply again.
 * Each test has its own mxlb and MTAs (distinct 127.0.X.x addresses; IPv6 only has ::1, so the
 * IPv6 member is ::1 on its own port). Serial: detection times on a machine not also running the
 * other test of this file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { dig } from '../helpers/dig.ts';
import { ask, askMany, FLOW_SOA_MINIMUM, RCODE, type FlowAnswer } from '../helpers/flow-zone.ts';
import { waitReady } from '../helpers/flow-mxlb.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const A = 1;
const AAAA = 28;
const MX = 15;
/** Consecutive answers that must all agree (the rotation rings here are at most 3 long). */
const CONSECUTIVE = 30;
/** Detection and return bound: interval 300 ms, fall 2 / rise 3 with 100 ms re-checks, plus a loaded machine. */
const WAIT_MS = 12_000;

const PROBE_YAML = [
  'probe:',
  '  interval: 300ms',
  '  recheck: 100ms',
  '  jitter: 0.1',
  '  rise: 3',
  '  fall: 2',
  '  timeouts: { connect: 500ms, banner: 1500ms, ehlo: 800ms, quit: 200ms }',
];

function zoneText(origin: string, body: string[]): string {
  return [
    `origin: ${origin}`,
    'records: |',
    `  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 ${FLOW_SOA_MINIMUM}`,
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    ...PROBE_YAML,
    ...body,
    '',
  ].join('\n');
}

async function serve(t: ExecutionContext, origin: string, text: string): Promise<{ mxlb: MxlbProcess; dns: { host: string; port: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-hosts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `${origin}.yaml`), text);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
  t.teardown(() => mxlb.stop());
  await waitReady(mxlb);
  return { mxlb, dns: mxlb.dns[0]! };
}

async function mtasOn(t: ExecutionContext, hosts: string[]): Promise<Mta[]> {
  const mtas = await Promise.all(hosts.map((host) => startMta({ host })));
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  return mtas;
}

const sorted = (list: readonly string[]) => [...list].sort();

test.serial('a stopped member leaves its shared host name and the MX additional data; fail-open when the whole host is down', async (t) => {
  const ORIGIN = 'hosts.test';
  const SHARED = `shared.${ORIGIN}`;
  const [m1, m2, m3] = (await mtasOn(t, ['127.0.31.1', '127.0.31.2', '127.0.31.3'])) as [Mta, Mta, Mta];
  const { dns } = await serve(t, ORIGIN, zoneText(ORIGIN, [
    'pools:',
    '  primary:',
    '    members:',
    `      - { name: s1, address: ${m1.host}, port: ${m1.port}, host: shared }`,
    `      - { name: s2, address: ${m2.host}, port: ${m2.port}, host: shared }`,
    `      - { name: other, address: ${m3.host}, port: ${m3.port} }`,
    'names:',
    '  smtp: { tiers: [[primary]], ttl: 30, degraded-ttl: 5 }',
    'mx:',
    "  '@': { from: smtp }",
  ]));

  const healthy = await ask(dns, SHARED, A);
  t.deepEqual(sorted(healthy.addresses), [m1.host, m2.host], 'both members of the host while healthy');
  t.deepEqual(healthy.ttls, [30, 30]);

  const stoppedAt = Date.now();
  await m1.stop();
  await eventually(async () => {
    const a = await ask(dns, SHARED, A);
    return a.addresses.length === 1 && a.addresses[0] === m2.host;
  }, { timeoutMs: WAIT_MS, intervalMs: 20, what: 'the stopped member leaving the host answer' });
  t.log(`stopped member left ${SHARED} A after ${Date.now() - stoppedAt} ms`);

  for (const answer of await askMany(dns, SHARED, A, CONSECUTIVE)) {
    t.deepEqual(answer.addresses, [m2.host], 'never the stopped address');
    t.deepEqual(answer.ttls, [5], 'degraded TTL while a member of the host is down');
  }
  for (const answer of await askMany(dns, ORIGIN, MX, CONSECUTIVE)) {
    t.deepEqual(sorted(answer.mx.map((r) => r.exchange)), [`other.${ORIGIN}`, SHARED], 'the host stays: a member there serves');
    t.deepEqual(sorted(answer.additional.filter((r) => r.name === SHARED).map((r) => r.address)), [m2.host], 'additional data = the host answer');
  }
  // Another answer-cache shape (EDNS over UDP, and TCP) through the real dig.
  for (const flags of [[], ['+tcp']]) {
    const r = await dig(dns.host, dns.port, [...flags, '+norecurse', SHARED, 'A']);
    t.deepEqual(r.answer.map((f) => f[4]), [m2.host], `dig ${flags.join(' ')}`);
  }

  await m1.restart();
  await eventually(async () => sorted((await ask(dns, SHARED, A)).addresses).join() === [m1.host, m2.host].join(), {
    timeoutMs: WAIT_MS, intervalMs: 20, what: 'the member back in the host answer',
  });

  await Promise.all([m1.stop(), m2.stop()]);
  await eventually(async () => (await ask(dns, ORIGIN, MX)).mx.every((r) => r.exchange !== SHARED), {
    timeoutMs: WAIT_MS, intervalMs: 20, what: 'the host with both members down leaving the MX answer',
  });
  await eventually(async () => (await ask(dns, SHARED, A)).ttls.every((ttl) => ttl === 5), { timeoutMs: WAIT_MS, intervalMs: 20, what: 'degraded host answer' });
  for (const answer of await askMany(dns, SHARED, A, 10)) {
    t.deepEqual(sorted(answer.addresses), [m1.host, m2.host], 'fail-open: every address of a host none of whose members is usable');
    t.deepEqual(answer.ttls, [5, 5]);
  }
  const other = await ask(dns, `other.${ORIGIN}`, A);
  t.deepEqual(other.addresses, [m3.host], 'a host of its own is unaffected');
  t.deepEqual(other.ttls, [30]);
});

function assertNodata(t: ExecutionContext, answer: FlowAnswer, what: string): void {
  t.is(answer.rcode, RCODE.NOERROR, `${what}: NOERROR, not SERVFAIL`);
  t.true(answer.aa, `${what}: authoritative`);
  t.deepEqual(answer.addresses, [], `${what}: no dead address`);
  t.is(answer.soa.length, 1, `${what}: SOA in authority (RFC 2308)`);
  t.true(answer.soa[0]!.ttl <= 5, `${what}: negative TTL capped at the degraded TTL, got ${answer.soa[0]?.ttl}`);
}

test.serial('IPv6 member down while IPv4 serves: AAAA is NODATA under all-down servfail and all; both down: the policies apply', async (t) => {
  const ORIGIN = 'family.test';
  const [v4, v6] = (await mtasOn(t, ['127.0.32.1', '::1'])) as [Mta, Mta];
  const { dns } = await serve(t, ORIGIN, zoneText(ORIGIN, [
    'pools:',
    '  dual:',
    '    members:',
    `      - { name: v4, address: ${v4.host}, port: ${v4.port}, host: dual }`,
    `      - { name: v6, address: '${v6.host}', port: ${v6.port}, host: dual }`,
    'names:',
    '  smtp-servfail: { tiers: [[dual]], ttl: 30, degraded-ttl: 5, all-down: servfail }',
    '  smtp-all: { tiers: [[dual]], ttl: 30, degraded-ttl: 5, all-down: all }',
  ]));
  const names = [`smtp-servfail.${ORIGIN}`, `smtp-all.${ORIGIN}`];
  for (const name of names) {
    t.deepEqual((await ask(dns, name, AAAA)).addresses, ['::1'], `${name} AAAA while healthy`);
    t.deepEqual((await ask(dns, name, A)).addresses, [v4.host], `${name} A while healthy`);
  }

  const stoppedAt = Date.now();
  await v6.stop();
  await eventually(async () => (await ask(dns, names[0]!, AAAA)).addresses.length === 0, {
    timeoutMs: WAIT_MS, intervalMs: 20, what: 'the IPv6 member leaving the AAAA answer',
  });
  t.log(`IPv6 member left the AAAA answer after ${Date.now() - stoppedAt} ms`);
  for (const name of names) {
    for (const answer of await askMany(dns, name, AAAA, 10)) assertNodata(t, answer, `${name} AAAA`);
    const a = await ask(dns, name, A);
    t.deepEqual(a.addresses, [v4.host], `${name} A still serves`);
    t.deepEqual(a.ttls, [30], `${name} A is not degraded by the other family`);
  }
  assertNodata(t, await ask(dns, `dual.${ORIGIN}`, AAAA), 'host dual AAAA');
  t.deepEqual((await ask(dns, `dual.${ORIGIN}`, A)).addresses, [v4.host], 'host dual A');

  await v4.stop();
  await eventually(async () => (await ask(dns, names[0]!, A)).rcode === RCODE.SERVFAIL, {
    timeoutMs: WAIT_MS, intervalMs: 20, what: 'both families down: servfail',
  });
  t.is((await ask(dns, names[0]!, AAAA)).rcode, RCODE.SERVFAIL, 'no member of any family: the all-down policy');
  const failOpen = await ask(dns, names[1]!, AAAA);
  t.deepEqual(failOpen.addresses, ['::1'], 'all-down all: fail-open again');
  t.deepEqual(failOpen.ttls, [5]);
});
