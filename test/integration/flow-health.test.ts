/**
 * Full flow (issue 3, "Show it"): the real `mxlb serve` process probes real SMTP servers on
 * loopback and its DNS answers follow their health. A stopped MTA, one that sheds load with a
 * `421` greeting and one that accepts but never greets leave the A and MX answers within the
 * configured detection time and come back after `rise` successes; the all-down policies, backup
 * tiers, the weighted policy and round-robin rotation are checked on the wire.
 *
 * Each test has its own mxlb and its own MTAs (distinct 127.0.X.x addresses, ephemeral ports). The
 * tests run serially so that their detection times are measured on a machine that is not also
 * running the other tests of this file.
 */
import test, { type ExecutionContext } from 'ava';
import { addressesIn, ask, askMany, exchangesIn, FLOW_SOA_MINIMUM, RCODE, type FlowAnswer, type FlowZoneSpec } from '../helpers/flow-zone.ts';
import { digSample, inA, inMx, sampleAnswers, startFlow, waitAnswers, waitReady, waitTransition, type Flow, type MemberView } from '../helpers/flow-mxlb.ts';
import { startMta, startScriptedMta, type Mta, type ScriptedMta } from '../helpers/mta.ts';

const ORIGIN = 'flow.test';
const NAMES = { a: `smtp.${ORIGIN}`, mx: ORIGIN };

/** Probe timing of the flow zones; the bounds below are computed from it. */
const INTERVAL_MS = 300;
const JITTER = 0.1;
const RECHECK_MS = 100;
const RISE = 3;
const FALL = 2;
const BANNER_MS = 1500;
const PROBE = {
  interval: `${INTERVAL_MS}ms`,
  recheck: `${RECHECK_MS}ms`,
  jitter: JITTER,
  rise: RISE,
  fall: FALL,
  timeouts: { connect: '500ms', banner: `${BANNER_MS}ms`, ehlo: '800ms', quit: '200ms' },
};
/** Scheduling, process and loopback latency on a loaded 2-core machine: generous on purpose. */
const SLACK_MS = 2500;
/** How many consecutive answers of each type must all agree (the rotation ring is at most 4 long). */
const CONSECUTIVE = 40;

/** Down after a refused connection or a 421: the next probe (interval ± jitter), then fall - 1 re-checks. */
const DETECT_REFUSED_MS = INTERVAL_MS * (1 + JITTER) + FALL * RECHECK_MS + SLACK_MS;
/** Down when the MTA never greets: every one of the `fall` probes waits the whole banner timeout. */
const DETECT_SILENT_MS = INTERVAL_MS * (1 + JITTER) + FALL * (BANNER_MS + RECHECK_MS) + SLACK_MS;
/** Back up: the next probe after the MTA returns, then rise - 1 re-checks. */
const RETURN_MS = INTERVAL_MS * (1 + JITTER) + RISE * RECHECK_MS + SLACK_MS;

interface Member extends MemberView {
  name: string;
  id: string;
}

/** Three smtp-server MTAs and one scripted one (behaviour switchable), pool `primary`. */
async function fourMtas(t: ExecutionContext, octet: number): Promise<{ mtas: [Mta, Mta, Mta]; scripted: ScriptedMta; members: Member[] }> {
  const mtas = (await Promise.all([1, 2, 3].map((i) => startMta({ host: `127.0.${octet}.${i}` })))) as [Mta, Mta, Mta];
  const scripted = await startScriptedMta({ host: `127.0.${octet}.4`, mode: 'ok' });
  t.teardown(async () => {
    await Promise.all([...mtas, scripted].map((m) => m.stop()));
  });
  const members = [...mtas, scripted].map((m, i) => ({
    name: `mta${i + 1}`,
    id: `primary/mta${i + 1}`,
    address: m.host,
    host: `mta${i + 1}.${ORIGIN}`,
  }));
  return { mtas, scripted, members };
}

function onePoolZone(mtas: { host: string; port: number }[], extra: Partial<FlowZoneSpec['names'][string]> = {}): FlowZoneSpec {
  return {
    origin: ORIGIN,
    probe: PROBE,
    pools: { primary: { members: mtas.map((m, i) => ({ name: `mta${i + 1}`, address: m.host, port: m.port })) } },
    names: { smtp: { tiers: [['primary']], ttl: 30, degradedTtl: 5, ...extra } },
    mx: { '@': 'smtp' },
  };
}

/** Many consecutive A and MX answers: none contains `gone`, every one contains all of `present`. */
async function assertExcluded(t: ExecutionContext, flow: Flow, gone: Member, present: Member[]): Promise<void> {
  const { a, mx } = await sampleAnswers(flow.dns, NAMES, CONSECUTIVE);
  t.false(a.some((answer) => inA(answer, gone)), `${gone.id} in no A answer`);
  t.false(mx.some((answer) => inMx(answer, gone)), `${gone.id} in no MX answer`);
  for (const m of present) {
    t.true(a.every((answer) => inA(answer, m)), `${m.id} in every A answer`);
    t.true(mx.every((answer) => inMx(answer, m)), `${m.id} in every MX answer`);
  }
  t.true([...a, ...mx].every((answer) => answer.rcode === RCODE.NOERROR && answer.ttls.every((ttl) => ttl === 5)), 'degraded TTL while a member is down');
}

async function assertAllBack(t: ExecutionContext, flow: Flow, members: Member[]): Promise<void> {
  const { a, mx } = await sampleAnswers(flow.dns, NAMES, CONSECUTIVE);
  for (const m of members) {
    t.true(a.every((answer) => inA(answer, m)), `${m.id} back in every A answer`);
    t.true(mx.every((answer) => inMx(answer, m)), `${m.id} back in every MX answer`);
  }
  t.true([...a, ...mx].every((answer) => answer.ttls.every((ttl) => ttl === 30)), 'full TTL again');
}

const excludes = (m: Member) => (a: FlowAnswer, mx: FlowAnswer): boolean => !inA(a, m) && !inMx(mx, m);
const includes = (m: Member) => (a: FlowAnswer, mx: FlowAnswer): boolean => inA(a, m) && inMx(mx, m);

test.serial('a stopped MTA leaves A and MX answers within the detection time and returns after rise successes', async (t) => {
  const { mtas, scripted, members } = await fourMtas(t, 21);
  const flow = await startFlow(t, onePoolZone([...mtas, scripted]));
  await waitReady(flow.mxlb);
  await assertAllBack(t, flow, members);
  // fill the answer cache's EDNS and TCP entries too: they must not outlive the health change
  for (const tcp of [false, true]) {
    const { a, mx } = await digSample(flow.dns, NAMES, 4, tcp);
    t.true(a.every((answer) => members.every((m) => inA(answer, m))) && mx.every((answer) => members.every((m) => inMx(answer, m))), `dig${tcp ? ' +tcp' : ''}: all four`);
  }

  const [gone, ...rest] = members as [Member, ...Member[]];
  const stoppedAt = Date.now();
  await mtas[0].stop();
  const detected = await waitAnswers(flow.dns, NAMES, excludes(gone), { since: stoppedAt, timeoutMs: DETECT_REFUSED_MS + 5000, what: `${gone.id} out of A and MX` });
  t.log(`stopped MTA out of A and MX answers after ${detected} ms (bound ${DETECT_REFUSED_MS} ms)`);
  t.true(detected < DETECT_REFUSED_MS, `detected in ${detected} ms < ${DETECT_REFUSED_MS} ms`);
  await assertExcluded(t, flow, gone, rest);
  for (const tcp of [false, true]) {
    const { a, mx } = await digSample(flow.dns, NAMES, 8, tcp);
    t.false(a.some((answer) => inA(answer, gone)) || mx.some((answer) => inMx(answer, gone)), `dig${tcp ? ' +tcp' : ''} (EDNS): gone from A and MX`);
    t.true(a.every((answer) => rest.every((m) => inA(answer, m))), `dig${tcp ? ' +tcp' : ''}: the other three in every A answer`);
  }

  const restartedAt = Date.now();
  const logged = flow.mxlb.logs.length;
  await mtas[0].restart();
  const back = await waitAnswers(flow.dns, NAMES, includes(gone), { since: restartedAt, timeoutMs: RETURN_MS + 5000, what: `${gone.id} back` });
  t.log(`restarted MTA back in A and MX answers after ${back} ms (bound ${RETURN_MS} ms)`);
  t.true(back < RETURN_MS, `back in ${back} ms < ${RETURN_MS} ms`);
  const up = await waitTransition(flow.mxlb, gone.id, 'up', logged);
  t.is(up.from, 'down');
  t.regex(String(up.detail), new RegExp(`^${RISE} consecutive successes \\(rise ${RISE}\\)`), 'it came back after exactly rise successes');
  await assertAllBack(t, flow, members);
});

test.serial('an MTA that starts answering 421 leaves the answers and returns when it greets again', async (t) => {
  const { mtas, scripted, members } = await fourMtas(t, 22);
  const flow = await startFlow(t, onePoolZone([...mtas, scripted]));
  await waitReady(flow.mxlb);
  await assertAllBack(t, flow, members);
  const shedding = members[3]!;

  const switchedAt = Date.now();
  const logged = flow.mxlb.logs.length;
  scripted.setMode('banner-421');
  const detected = await waitAnswers(flow.dns, NAMES, excludes(shedding), { since: switchedAt, timeoutMs: DETECT_REFUSED_MS + 5000, what: '421 MTA out' });
  t.log(`MTA greeting 421 out of the answers after ${detected} ms (bound ${DETECT_REFUSED_MS} ms)`);
  t.true(detected < DETECT_REFUSED_MS);
  const down = await waitTransition(flow.mxlb, shedding.id, 'down', logged);
  t.is(down.reason, 'banner-421', 'the probe names the 421 greeting as the reason');
  await assertExcluded(t, flow, shedding, members.slice(0, 3));

  const healedAt = Date.now();
  scripted.setMode('ok');
  const back = await waitAnswers(flow.dns, NAMES, includes(shedding), { since: healedAt, timeoutMs: RETURN_MS + 5000, what: '421 MTA back' });
  t.log(`MTA greeting 220 again back after ${back} ms (bound ${RETURN_MS} ms)`);
  t.true(back < RETURN_MS);
  await assertAllBack(t, flow, members);
});

test.serial('an MTA that goes silent after connect leaves the answers within fall banner timeouts', async (t) => {
  const { mtas, scripted, members } = await fourMtas(t, 23);
  const flow = await startFlow(t, onePoolZone([...mtas, scripted]));
  await waitReady(flow.mxlb);
  await assertAllBack(t, flow, members);
  const silent = members[3]!;

  const switchedAt = Date.now();
  const logged = flow.mxlb.logs.length;
  scripted.setMode('silent');
  const detected = await waitAnswers(flow.dns, NAMES, excludes(silent), { since: switchedAt, timeoutMs: DETECT_SILENT_MS + 5000, what: 'silent MTA out' });
  t.log(`MTA silent after connect out of the answers after ${detected} ms (bound ${DETECT_SILENT_MS} ms)`);
  t.true(detected < DETECT_SILENT_MS);
  // it cannot be faster than fall banner timeouts: each failing probe waits for the greeting
  t.true(detected >= FALL * BANNER_MS * 0.9, `not before ${FALL} banner timeouts (${detected} ms)`);
  t.is((await waitTransition(flow.mxlb, silent.id, 'down', logged)).reason, 'banner-timeout');
  await assertExcluded(t, flow, silent, members.slice(0, 3));

  scripted.setMode('ok');
  await waitAnswers(flow.dns, NAMES, includes(silent), { timeoutMs: RETURN_MS + BANNER_MS + 5000, what: 'silent MTA back' });
  await assertAllBack(t, flow, members);
});

test.serial('all MTAs down: all → every first-tier member with the degraded TTL; nodata → NOERROR with SOA; servfail → SERVFAIL', async (t) => {
  const octet = 24;
  const mtas = await Promise.all([1, 2, 3, 4].map((i) => startMta({ host: `127.0.${octet}.${i}` })));
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  const pool = (from: number) => ({ members: mtas.slice(from, from + 2).map((m, i) => ({ name: `mta${from + i + 1}`, address: m.host, port: m.port })) });
  const tiers = [['primary'], ['backup']];
  const flow = await startFlow(t, {
    origin: ORIGIN,
    probe: PROBE,
    pools: { primary: pool(0), backup: pool(2) },
    names: {
      'smtp-all': { tiers, ttl: 30, degradedTtl: 5, allDown: 'all' },
      'smtp-nodata': { tiers, ttl: 30, degradedTtl: 5, allDown: 'nodata' },
      'smtp-servfail': { tiers, ttl: 30, degradedTtl: 5, allDown: 'servfail' },
    },
    mx: { all: 'smtp-all', nodata: 'smtp-nodata', servfail: 'smtp-servfail' },
  });
  await waitReady(flow.mxlb);
  const primaries = mtas.slice(0, 2).map((m) => m.host).sort();
  for (const owner of ['smtp-all', 'smtp-nodata', 'smtp-servfail']) {
    const healthy = await ask(flow.dns, `${owner}.${ORIGIN}`, 1);
    t.deepEqual([...healthy.addresses].sort(), primaries, `${owner}: the primary tier while healthy`);
    t.deepEqual(healthy.ttls, [30, 30]);
  }

  const stoppedAt = Date.now();
  await Promise.all(mtas.map((m) => m.stop()));
  // servfail is the sharpest signal that every member has a down verdict
  await waitAnswers(flow.dns, { a: `smtp-servfail.${ORIGIN}`, mx: `servfail.${ORIGIN}` }, (a, mx) => a.rcode === RCODE.SERVFAIL && mx.rcode === RCODE.SERVFAIL, {
    timeoutMs: DETECT_REFUSED_MS + 5000,
    what: 'all members down',
  });
  t.log(`all four MTAs down in the answers after ${Date.now() - stoppedAt} ms`);

  const all = await askMany(flow.dns, `smtp-all.${ORIGIN}`, 1, CONSECUTIVE);
  for (const answer of all) {
    t.is(answer.rcode, RCODE.NOERROR);
    t.deepEqual([...answer.addresses].sort(), primaries, 'all: every member of the first tier, down or not');
    t.true(answer.ttls.every((ttl) => ttl === 5), 'all: the degraded TTL');
  }
  t.is(new Set(all.map((a) => a.addresses[0])).size, 2, 'all: still rotated');
  const allMx = await askMany(flow.dns, `all.${ORIGIN}`, 15, CONSECUTIVE);
  for (const answer of allMx) {
    t.deepEqual(answer.mx.map((r) => r.exchange).sort(), ['mta1.flow.test', 'mta2.flow.test'], 'all: MX of the first tier only');
    t.true(answer.mx.every((r) => r.preference === 10));
    t.true(answer.ttls.every((ttl) => ttl === 5));
  }

  for (const [name, type] of [[`smtp-nodata.${ORIGIN}`, 1], [`nodata.${ORIGIN}`, 15]] as const) {
    const answers = await askMany(flow.dns, name, type, 10);
    for (const answer of answers) {
      t.is(answer.rcode, RCODE.NOERROR, `nodata ${name}: NOERROR`);
      t.true(answer.aa);
      t.deepEqual(answer.addresses, []);
      t.deepEqual(answer.mx, []);
      // RFC 2308 §3: the SOA in authority, TTL min(SOA TTL, minimum)
      t.deepEqual(answer.soa, [{ name: ORIGIN, ttl: FLOW_SOA_MINIMUM }], `nodata ${name}: SOA in authority`);
    }
  }
  for (const [name, type] of [[`smtp-servfail.${ORIGIN}`, 1], [`servfail.${ORIGIN}`, 15]] as const) {
    const answers = await askMany(flow.dns, name, type, 10);
    t.true(answers.every((answer) => answer.rcode === RCODE.SERVFAIL && answer.addresses.length === 0 && answer.mx.length === 0), `servfail ${name}`);
  }

  // and back: one primary returns, every policy answers it again
  await mtas[0]!.restart();
  await waitAnswers(flow.dns, { a: `smtp-servfail.${ORIGIN}`, mx: `nodata.${ORIGIN}` }, (a, mx) => a.addresses.includes(mtas[0]!.host) && mx.mx.length === 1, {
    timeoutMs: RETURN_MS + 5000,
    what: 'first primary back',
  });
  for (const owner of ['smtp-all', 'smtp-nodata', 'smtp-servfail']) {
    const answers = await askMany(flow.dns, `${owner}.${ORIGIN}`, 1, 8);
    t.true(answers.every((a) => a.rcode === RCODE.NOERROR && a.addresses.join() === mtas[0]!.host), `${owner}: only the member that is up`);
  }
});

test.serial('a backup tier takes over when the primary falls below min-healthy, and the primary comes back when it recovers', async (t) => {
  const octet = 25;
  const mtas = await Promise.all([1, 2, 3, 4, 5].map((i) => startMta({ host: `127.0.${octet}.${i}` })));
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  const member = (m: Mta, i: number) => ({ name: `mta${i + 1}`, address: m.host, port: m.port });
  const flow = await startFlow(t, {
    origin: ORIGIN,
    probe: PROBE,
    pools: { primary: { members: mtas.slice(0, 3).map(member) }, backup: { members: mtas.slice(3).map((m, i) => member(m, i + 3)) } },
    names: { smtp: { tiers: [['primary'], ['backup']], ttl: 30, degradedTtl: 5, minHealthy: 2 } },
    mx: { '@': 'smtp' },
  });
  await waitReady(flow.mxlb);
  const addr = (list: Mta[]) => list.map((m) => m.host).sort();
  const primary = addr(mtas.slice(0, 3));
  const backup = addr(mtas.slice(3));

  const healthy = await sampleAnswers(flow.dns, NAMES, 12);
  t.true(healthy.a.every((a) => a.addresses.slice().sort().join() === primary.join()), 'primary tier serves A while healthy');
  t.true(healthy.mx.every((a) => a.mx.every((r) => (r.preference === 10) === /^mta[123]\./.test(r.exchange))), 'MX: primary at 10, backup at 20');
  t.deepEqual(exchangesIn(healthy.mx).size, 5, 'MX publishes the backup tier too, at a higher preference');

  // two of three primaries down: 1 usable < min-healthy 2
  const stoppedAt = Date.now();
  await Promise.all([mtas[0]!.stop(), mtas[1]!.stop()]);
  const switched = await waitAnswers(flow.dns, NAMES, (a) => a.addresses.slice().sort().join() === backup.join(), {
    since: stoppedAt,
    timeoutMs: DETECT_REFUSED_MS + 5000,
    what: 'backup tier serving',
  });
  t.log(`backup tier took over after ${switched} ms (bound ${DETECT_REFUSED_MS} ms)`);
  t.true(switched < DETECT_REFUSED_MS);
  const degraded = await sampleAnswers(flow.dns, NAMES, CONSECUTIVE);
  t.true(degraded.a.every((a) => a.addresses.slice().sort().join() === backup.join() && a.ttls.every((ttl) => ttl === 5)), 'A: the backup tier only, degraded TTL');
  t.true(degraded.mx.every((a) => a.mx.length === 2 && a.mx.every((r) => r.preference === 20)), 'MX: the backup tier at its own preference, below-minimum primary left out');
  t.deepEqual([...addressesIn(degraded.mx)].sort(), backup, 'MX additional: backup addresses only');

  // one primary back: 2 usable ≥ 2, the primary tier serves again
  const restartedAt = Date.now();
  await mtas[0]!.restart();
  const recovered = await waitAnswers(flow.dns, NAMES, (a) => a.addresses.includes(mtas[0]!.host), {
    since: restartedAt,
    timeoutMs: RETURN_MS + 5000,
    what: 'primary tier back',
  });
  t.log(`primary tier serving again after ${recovered} ms (bound ${RETURN_MS} ms)`);
  t.true(recovered < RETURN_MS);
  const expected = addr([mtas[0]!, mtas[2]!]);
  const after = await sampleAnswers(flow.dns, NAMES, CONSECUTIVE);
  t.true(after.a.every((a) => a.addresses.slice().sort().join() === expected.join()), 'A: the two usable primaries');
  t.true(after.mx.every((a) => a.mx.filter((r) => r.preference === 10).length === 2 && a.mx.filter((r) => r.preference === 20).length === 2), 'MX: primaries at 10, backups at 20');
  t.false(addressesIn([...after.a, ...after.mx]).has(mtas[1]!.host), 'the primary still down stays out');
});

test.serial('weighted policy: first places follow the weights over many answers; weight 0 is a standby', async (t) => {
  const octet = 26;
  const mtas = await Promise.all([1, 2, 3, 4].map((i) => startMta({ host: `127.0.${octet}.${i}` })));
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  const weights = [600, 200, 100, 0];
  const flow = await startFlow(t, {
    origin: ORIGIN,
    probe: PROBE,
    pools: { primary: { members: mtas.map((m, i) => ({ name: `mta${i + 1}`, address: m.host, port: m.port, weight: weights[i]! })) } },
    names: { smtp: { tiers: [['primary']], policy: 'weighted', ttl: 30 } },
    mx: { '@': 'smtp' },
  });
  await waitReady(flow.mxlb);
  const QUERIES = 320;
  const answers = await askMany(flow.dns, NAMES.a, 1, QUERIES);
  const first = new Map<string, number>();
  for (const answer of answers) first.set(answer.addresses[0]!, (first.get(answer.addresses[0]!) ?? 0) + 1);
  const share = (i: number) => (first.get(mtas[i]!.host) ?? 0) / QUERIES;
  t.log(`first-place shares over ${QUERIES} answers: ${weights.map((w, i) => `weight ${w}: ${(share(i) * 100).toFixed(1)} %`).join(', ')} (expected 66.7 / 22.2 / 11.1 / 0 %)`);
  t.true(answers.every((a) => a.addresses.length === 3 && a.addresses.slice().sort().join() === mtas.slice(0, 3).map((m) => m.host).sort().join()), 'every answer holds the three weighted members');
  t.false(addressesIn(answers).has(mtas[3]!.host), 'the weight-0 standby is never handed out');
  // 320 answers walk the 32-slot ring of one snapshot ten times; first places follow the weights
  // to within one slot of the ring (src/pool/weighted.ts weightedRingSlot)
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((weight, i) => {
    const expected = weight / total;
    t.true(Math.abs(share(i) - expected) <= 1 / 32 + 1e-9, `weight ${weight}: first in ${share(i)}, expected ${expected.toFixed(3)} ± 1/32`);
  });
  const mx = await askMany(flow.dns, NAMES.mx, 15, 64);
  t.false(exchangesIn(mx).has(`mta4.${ORIGIN}`), 'MX: no standby either');
});

test.serial('round-robin: successive answers start at different members and rotate the configured order', async (t) => {
  const { mtas, scripted, members } = await fourMtas(t, 27);
  const flow = await startFlow(t, onePoolZone([...mtas, scripted]));
  await waitReady(flow.mxlb);
  const order = members.map((m) => m.address);
  const rotations = order.map((_, k) => [...order.slice(k), ...order.slice(0, k)].join());
  const answers = await askMany(flow.dns, NAMES.a, 1, 16);
  for (const answer of answers) t.true(rotations.includes(answer.addresses.join()), `a rotation of the configured order: ${answer.addresses.join()}`);
  for (let i = 1; i < answers.length; i++) t.not(answers[i]!.addresses[0], answers[i - 1]!.addresses[0], `answer ${i} starts elsewhere than answer ${i - 1}`);
  for (let i = 0; i + 4 <= answers.length; i += 4) {
    t.is(new Set(answers.slice(i, i + 4).map((a) => a.addresses[0])).size, 4, `answers ${i}–${i + 3} start at all four members`);
  }
  const mx = await askMany(flow.dns, NAMES.mx, 15, 8);
  t.is(new Set(mx.map((a) => a.mx[0]!.exchange)).size, 4, 'MX answers rotate their exchanges too');
});

test.serial('default probe settings: a stopped MTA is out within the documented 1.35 s and back within 1.4 s (plus slack), round after round', async (t) => {
  const { mtas, scripted, members } = await fourMtas(t, 30);
  const spec = onePoolZone([...mtas, scripted]);
  const flow = await startFlow(t, { ...spec, probe: {} });
  await waitReady(flow.mxlb);
  const gone = members[0]!;
  // src/pool/model.ts ProbeSettings: interval 1 s ± 10 %, recheck 250 ms, fall 2, rise 2. Its
  // arithmetic leaves out the probes' own duration: a refused connect fails in ~1 ms, but each of
  // the `rise` successes is a whole SMTP dialogue (smtp-server greets ~100 ms after the connect).
  const DOWN_MS = 1350;
  const UP_MS = 1400;
  const downs: number[] = [];
  const ups: number[] = [];
  for (let round = 0; round < 3; round++) {
    const stoppedAt = Date.now();
    await mtas[0].stop();
    downs.push(await waitAnswers(flow.dns, NAMES, excludes(gone), { since: stoppedAt, timeoutMs: DOWN_MS + SLACK_MS + 5000, what: `round ${round}: out` }));
    const restartedAt = Date.now();
    await mtas[0].restart();
    ups.push(await waitAnswers(flow.dns, NAMES, includes(gone), { since: restartedAt, timeoutMs: UP_MS + SLACK_MS + 5000, what: `round ${round}: back` }));
  }
  t.log(`default settings: out after ${downs.join(', ')} ms (documented ≤ ${DOWN_MS}), back after ${ups.join(', ')} ms (documented ≤ ${UP_MS} plus two probe dialogues)`);
  for (const ms of downs) t.true(ms < DOWN_MS + SLACK_MS, `out in ${ms} ms`);
  for (const ms of ups) t.true(ms < UP_MS + SLACK_MS, `back in ${ms} ms`);
  await assertAllBack(t, flow, members);
});
