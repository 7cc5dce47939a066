/**
 * GET /metrics of the real `mxlb serve` process (issue 4): the output parses as Prometheus text
 * (strictly, test/helpers/prom-parse.ts), DNS counters move exactly with real dig queries by type,
 * rcode and transport, probe counters and phase histograms move with real SMTP probes, member
 * state gauges flip when an MTA stops and comes back, and zone reload counters move on a broken
 * and on a good edit. One server and two real MTAs serve the whole file; tests run in order.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from '../helpers/dig.ts';
import { buildQuery, udpExchange } from '../helpers/dns-client.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { counterOf, parseProm, series, valueOf, type Families } from '../helpers/prom-parse.ts';

const ORIGIN = 'metrics.test';
/** Prometheus's own tool (Debian package prometheus, installed by .ci/run): its parser and rule tester. */
const PROMTOOL = '/usr/bin/promtool';
const ALERTS = new URL('../../docs/mxlb-alerts.yml', import.meta.url).pathname;
const MTA1 = 'mtas/mta1';
const MTA2 = 'mtas/mta2';

function zoneYaml(mtas: Mta[], extra = ''): string {
  return [
    `origin: ${ORIGIN}`,
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe:',
    '  interval: 250ms',
    '  recheck: 100ms',
    '  rise: 1',
    '  fall: 1',
    // fall 1 finds a stopped MTA at once (refused); generous timeouts keep a loaded machine from flapping one.
    '  timeouts: { connect: 5s, banner: 5s, ehlo: 5s, quit: 1s }',
    'pools:',
    '  mtas:',
    '    members:',
    ...mtas.map((mta, i) => `      - { name: mta${i + 1}, address: ${mta.host}, port: ${mta.port} }`),
    'names:',
    '  smtp: { tiers: [mtas] }',
    'mx:',
    "  '@': { from: smtp }",
    extra,
  ].join('\n');
}

interface World {
  dir: string;
  file: string;
  mtas: Mta[];
  mxlb: MxlbProcess;
}

let world: World | undefined;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-metrics-'));
  const mtas = [await startMta({ host: '127.0.0.41' }), await startMta({ host: '127.0.0.42' })];
  const file = join(dir, `${ORIGIN}.yaml`);
  writeFileSync(file, zoneYaml(mtas));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--ehlo-name', 'probe.metrics.test']);
  world = { dir, file, mtas, mxlb };
});

test.after.always(async () => {
  await world?.mxlb.stop();
  for (const mta of world?.mtas ?? []) await mta.stop();
  if (world) rmSync(world.dir, { recursive: true, force: true });
});

function w(): World {
  if (!world) throw new Error('setup failed');
  return world;
}

async function scrape(): Promise<{ families: Families; contentType: string | null; text: string }> {
  const { host, port } = w().mxlb.http;
  const response = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  return { families: parseProm(text), contentType: response.headers.get('content-type'), text };
}

const metrics = async (): Promise<Families> => (await scrape()).families;

async function digAt(args: string[]) {
  const { host, port } = w().mxlb.dns[0]!;
  return dig(host, port, args);
}

const stateOf = (f: Families, member: string): string[] =>
  series(f, 'mxlb_member_state', { member })
    .filter((s) => s.value === 1)
    .map((s) => s.labels.state!);

test.serial('/metrics is Prometheus text: content type, strict parse, HELP and TYPE on every mxlb_ family, build info', async (t) => {
  const { families, contentType } = await scrape();
  t.is(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const ours = [...families.values()].filter((f) => f.name.startsWith('mxlb_'));
  t.true(ours.length > 20);
  for (const family of ours) {
    t.truthy(family.help, `${family.name} has HELP`);
    t.not(family.type, 'untyped', `${family.name} has a TYPE`);
  }
  const build = series(families, 'mxlb_build_info');
  t.is(build.length, 1);
  t.is(build[0]!.value, 1);
  t.is(build[0]!.labels.version, '0.1.0');
  // The Node version is a host detail: only a client with a token sees it (docs/security.md, "Exposure model").
  t.is(build[0]!.labels.node, undefined);
  // Default process metrics, on this server's own registry and prefix.
  t.true(valueOf(families, 'mxlb_process_start_time_seconds') > 0);
  t.is(valueOf(families, 'mxlb_zones'), 1);
  t.is(valueOf(families, 'mxlb_zone_files_failing'), 0);
  t.true(valueOf(families, 'mxlb_zone_reloads_total', { result: 'ok' }) >= 1);
  t.is(valueOf(families, 'mxlb_zone_reloads_total', { result: 'failed' }), 0);
});

test.serial('members become up in the state gauges once probed', async (t) => {
  const f = await eventually(async () => {
    const now = await metrics();
    return stateOf(now, MTA1)[0] === 'up' && stateOf(now, MTA2)[0] === 'up' ? now : undefined;
  }, { timeoutMs: 15_000, what: 'both members up in mxlb_member_state' });
  for (const member of [MTA1, MTA2]) {
    // One-hot over the five states, with the pool as a label.
    t.is(series(f, 'mxlb_member_state', { member }).length, 5);
    t.is(valueOf(f, 'mxlb_member_state', { member, pool: 'mtas', state: 'up' }), 1);
    t.is(valueOf(f, 'mxlb_member_up', { member }), 1);
    t.true(valueOf(f, 'mxlb_member_transitions_total', { member, to: 'up' }) >= 1);
  }
});

test.serial('DNS counters move exactly with real dig queries by type, rcode and transport', async (t) => {
  const before = await metrics();
  const total = (f: Families) => series(f, 'mxlb_dns_queries_total').reduce((sum, s) => sum + s.value, 0);
  const q = (f: Families, transport: string, qtype: string, rcode: string) => counterOf(f, 'mxlb_dns_queries_total', { transport, qtype, rcode });

  for (let i = 0; i < 3; i++) t.is((await digAt([`smtp.${ORIGIN}`, 'A'])).status, 'NOERROR');
  for (let i = 0; i < 2; i++) t.is((await digAt(['+tcp', ORIGIN, 'MX'])).status, 'NOERROR');
  t.is((await digAt([`nx.${ORIGIN}`, 'AAAA'])).status, 'NXDOMAIN');
  t.is((await digAt(['example.org', 'A'])).status, 'REFUSED');
  t.is((await digAt(['+tcp', `smtp.${ORIGIN}`, 'TXT'])).status, 'NOERROR');
  t.is((await digAt([`smtp.${ORIGIN}`, 'TYPE4000'])).status, 'NOERROR');
  // A response (QR=1) gets no reply and is counted as dropped (RFC 1035 §4.1.1).
  const { host, port } = w().mxlb.dns[0]!;
  t.is(await udpExchange(host, port, buildQuery({ name: `smtp.${ORIGIN}`, qr: true }), 300), null);

  const after = await eventually(async () => {
    const now = await metrics();
    return counterOf(now, 'mxlb_dns_dropped_total', { transport: 'udp', reason: 'response' }) > counterOf(before, 'mxlb_dns_dropped_total', { transport: 'udp', reason: 'response' }) ? now : undefined;
  }, { what: 'the dropped response counted' });
  t.is(q(after, 'udp', 'A', 'NOERROR') - q(before, 'udp', 'A', 'NOERROR'), 3);
  t.is(q(after, 'tcp', 'MX', 'NOERROR') - q(before, 'tcp', 'MX', 'NOERROR'), 2);
  t.is(q(after, 'udp', 'AAAA', 'NXDOMAIN') - q(before, 'udp', 'AAAA', 'NXDOMAIN'), 1);
  t.is(q(after, 'udp', 'A', 'REFUSED') - q(before, 'udp', 'A', 'REFUSED'), 1);
  t.is(q(after, 'tcp', 'TXT', 'NOERROR') - q(before, 'tcp', 'TXT', 'NOERROR'), 1);
  // An unlisted type shares the `other` series instead of minting its own.
  t.is(q(after, 'udp', 'other', 'NOERROR') - q(before, 'udp', 'other', 'NOERROR'), 1);
  t.is(total(after) - total(before), 9, 'nothing else was counted');
  t.is(counterOf(after, 'mxlb_dns_dropped_total', { transport: 'udp', reason: 'response' }) - counterOf(before, 'mxlb_dns_dropped_total', { transport: 'udp', reason: 'response' }), 1);

  // The repeated A and MX queries are served from the answer cache after the first of each.
  const hits = (f: Families, transport: string) => counterOf(f, 'mxlb_dns_cache_hits_total', { transport });
  t.true(hits(after, 'udp') - hits(before, 'udp') >= 2, 'UDP cache hits');
  t.true(hits(after, 'tcp') - hits(before, 'tcp') >= 1, 'TCP cache hits');

  // Both members are up and max is 8: every A and MX answer carried both of them.
  for (const member of [MTA1, MTA2]) {
    t.is(counterOf(after, 'mxlb_answers_member_total', { member, pool: 'mtas' }) - counterOf(before, 'mxlb_answers_member_total', { member, pool: 'mtas' }), 5, member);
  }
  t.is(counterOf(after, 'mxlb_answers_balanced_total') - counterOf(before, 'mxlb_answers_balanced_total'), 5, 'the share denominator');
});

test.serial('probe results per member, per-phase latency and durations per pool move with real probes', async (t) => {
  const before = await metrics();
  const passes = (f: Families, member: string) => counterOf(f, 'mxlb_probe_results_total', { member, result: 'pass', reason: 'ok' });
  const after = await eventually(async () => {
    const now = await metrics();
    return passes(now, MTA1) >= passes(before, MTA1) + 2 && passes(now, MTA2) >= passes(before, MTA2) + 2 ? now : undefined;
  }, { timeoutMs: 15_000, what: 'two more passing probes per member' });
  const pool = 'mtas';
  for (const phase of ['connect', 'banner', 'ehlo', 'quit']) {
    // Both members' probes land in their pool's series: at least 4 more observations per phase.
    t.true(valueOf(after, 'mxlb_probe_phase_seconds_count', { pool, phase }) >= valueOf(before, 'mxlb_probe_phase_seconds_count', { pool, phase }) + 4, phase);
    t.true(valueOf(after, 'mxlb_probe_phase_seconds_sum', { pool, phase }) > 0);
  }
  t.deepEqual(series(after, 'mxlb_probe_phase_seconds_count').filter((s) => 'member' in s.labels), [], 'no per-member histogram series');
  // One duration observation per passing result, read in one scrape.
  t.is(valueOf(after, 'mxlb_probe_duration_seconds_count', { pool, result: 'pass' }), passes(after, MTA1) + passes(after, MTA2));
});

test.serial('a stopped MTA flips its state gauge to down, counts the failure reason and the transition, and leaves the answers', async (t) => {
  const [, mta2] = w().mtas;
  await mta2!.stop();
  const down = await eventually(async () => {
    const now = await metrics();
    return stateOf(now, MTA2)[0] === 'down' ? now : undefined;
  }, { timeoutMs: 15_000, what: 'mta2 down in mxlb_member_state' });
  t.deepEqual(stateOf(down, MTA2), ['down']);
  t.deepEqual(stateOf(down, MTA1), ['up']);
  t.is(valueOf(down, 'mxlb_member_up', { member: MTA2 }), 0);
  t.is(valueOf(down, 'mxlb_member_transitions_total', { member: MTA2, to: 'down' }), 1);
  // The first failure may be `reset` (a probe in flight when the MTA stopped); the next ones are refused.
  await eventually(async () => counterOf(await metrics(), 'mxlb_probe_results_total', { member: MTA2, result: 'fail', reason: 'connect-refused' }) >= 1, {
    timeoutMs: 10_000,
    what: 'connect-refused counted for mta2',
  });

  const before = counterOf(down, 'mxlb_answers_member_total', { member: MTA2 });
  const reply = await digAt([`smtp.${ORIGIN}`, 'A']);
  t.deepEqual(reply.answer.map((f) => f[4]), [w().mtas[0]!.host]);
  const after = await metrics();
  t.is(counterOf(after, 'mxlb_answers_member_total', { member: MTA2 }), before, 'a down member is not handed out');

  await mta2!.restart();
  const back = await eventually(async () => {
    const now = await metrics();
    return stateOf(now, MTA2)[0] === 'up' ? now : undefined;
  }, { timeoutMs: 15_000, what: 'mta2 back up' });
  t.is(valueOf(back, 'mxlb_member_up', { member: MTA2 }), 1);
  t.true(valueOf(back, 'mxlb_member_transitions_total', { member: MTA2, to: 'up' }) >= 2);
});

test.serial('zone reloads: a broken edit counts failed (last good zone kept), a good edit counts ok and drops a removed member’s series', async (t) => {
  const { file, mtas, mxlb } = w();
  const start = await metrics();
  const reloads = (f: Families, result: string) => valueOf(f, 'mxlb_zone_reloads_total', { result });

  writeFileSync(file, zoneYaml(mtas).replace(`address: ${mtas[0]!.host}`, 'address: 999.0.0.1'));
  mxlb.child.kill('SIGHUP');
  const broken = await eventually(async () => {
    const now = await metrics();
    return reloads(now, 'failed') > reloads(start, 'failed') ? now : undefined;
  }, { timeoutMs: 10_000, what: 'a failed reload counted' });
  t.is(valueOf(broken, 'mxlb_zone_files_failing'), 1);
  t.is(valueOf(broken, 'mxlb_zones'), 1, 'the last good zone is still served');
  t.true(valueOf(broken, 'mxlb_zone_last_reload_timestamp_seconds', { result: 'failed' }) * 1000 > Date.now() - 60_000);
  t.is((await digAt([`smtp.${ORIGIN}`, 'A'])).status, 'NOERROR');

  // The good edit removes mta2: its series leave /metrics with it.
  writeFileSync(file, zoneYaml([mtas[0]!]));
  mxlb.child.kill('SIGHUP');
  const good = await eventually(async () => {
    const now = await metrics();
    return reloads(now, 'ok') > reloads(broken, 'ok') && valueOf(now, 'mxlb_zone_files_failing') === 0 ? now : undefined;
  }, { timeoutMs: 10_000, what: 'a good reload counted' });
  t.true(valueOf(good, 'mxlb_snapshot_version') > valueOf(start, 'mxlb_snapshot_version'));
  const leftovers = [...good.values()].flatMap((f) => f.samples).filter((s) => s.labels.member === MTA2);
  t.deepEqual(leftovers.map((s) => s.name), [], 'no series of the removed member');
  t.deepEqual(stateOf(good, MTA1), ['up']);
});

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} not found: install Debian's prometheus package (apt-get install prometheus), as .ci/run does`);
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test.serial("Prometheus's own parser (promtool check metrics) accepts /metrics; its lint flags none of mxlb's metrics", async (t) => {
  const { text } = await scrape();
  const check = promtool(['check', 'metrics'], text);
  t.notRegex(check.output, /error while linting|parsing error/, check.output);
  // Exit 3 = lint findings only. prom-client's default nodejs_*_total gauges are its naming, not ours.
  t.true(check.status === 0 || check.status === 3, `promtool exited ${check.status}: ${check.output}`);
  const ours = check.output.split('\n').filter((line) => line.trim() !== '' && !/^mxlb_(nodejs|process)_/.test(line));
  t.deepEqual(ours, []);
});

test.serial('the example alert rules in docs/mxlb-alerts.yml are valid; member-down and share-drift fire as documented (promtool test rules)', (t) => {
  const checked = promtool(['check', 'rules', ALERTS]);
  t.is(checked.status, 0, checked.output);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'test.yml');
  const state = (member: string, name: string, values: string) => `      - series: 'mxlb_member_state{instance="ns1",member="${member}",pool="p",state="${name}"}'\n        values: '${values}'`;
  const answers = (member: string, perMinute: number) => `      - series: 'mxlb_answers_member_total{instance="ns1",member="${member}",pool="p"}'\n        values: '0+${perMinute}x40'`;
  writeFileSync(
    file,
    [
      `rule_files: [${JSON.stringify(ALERTS)}]`,
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      // p/a goes down at minute 2; p/b and p/c stay up, p/c gets a tenth of the answers.
      state('p/a', 'down', '0 0 1x38'),
      state('p/a', 'up', '1 1 0x38'),
      state('p/b', 'up', '1x40'),
      state('p/c', 'up', '1x40'),
      answers('p/b', 600),
      answers('p/c', 60),
      '    alert_rule_test:',
      '      - { eval_time: 6m, alertname: MxlbMemberDown, exp_alerts: [] }',
      '      - eval_time: 8m',
      '        alertname: MxlbMemberDown',
      '        exp_alerts:',
      '          - exp_labels: { severity: warning, instance: ns1, member: p/a, pool: p, state: down }',
      '            exp_annotations:',
      '              summary: "MTA p/a has been down for 5 minutes"',
      '              description: "mxlb left it out of answers; see mxlb status or the dashboard for the probe failure reason."',
      '      - eval_time: 35m',
      '        alertname: MxlbShareDrift',
      '        exp_alerts:',
      '          - exp_labels: { severity: info, member: p/c, pool: p }',
      '            exp_annotations: { summary: "p/c gets less than half the answers of its pool mates" }',
      '',
    ].join('\n'),
  );
  const tested = promtool(['test', 'rules', file]);
  t.is(tested.status, 0, tested.output);
});
