/**
 * Last-known health survives a restart (DESIGN "Shared state": the memory store persists health to
 * the state file). A member that went down stays out of the answers of a restarted mxlb before
 * any probe of it has completed: the MTA on its address accepts connections but never greets, and
 * the banner timeout is long, so its first probe cannot conclude during the test window — /readyz
 * says so ("first probe round not done"). The control without a state file shows the same member
 * served as `unknown` (usable) in that window, so the first test cannot pass by accident.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askMany, type FlowZoneSpec } from '../helpers/flow-zone.ts';
import { inA, inMx, readyz, sampleAnswers, startFlow, transitionLogs, waitAnswers, waitReady, waitTransition } from '../helpers/flow-mxlb.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { startMta, startScriptedMta, type Mta } from '../helpers/mta.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'flow.test';
const NAMES = { a: `smtp.${ORIGIN}`, mx: ORIGIN };
/** Long enough that no probe of a silent MTA concludes while the test looks at the first answers. */
const BANNER_MS = 30_000;

function zone(mtas: { host: string; port: number }[]): FlowZoneSpec {
  return {
    origin: ORIGIN,
    probe: { interval: '300ms', recheck: '100ms', rise: 2, fall: 2, timeouts: { connect: '500ms', banner: `${BANNER_MS}ms` } },
    pools: { primary: { members: mtas.map((m, i) => ({ name: `mta${i + 1}`, address: m.host, port: m.port })) } },
    names: { smtp: { tiers: [['primary']], ttl: 30, degradedTtl: 5 } },
    mx: { '@': 'smtp' },
  };
}

async function threeMtas(t: ExecutionContext, octet: number): Promise<Mta[]> {
  const mtas = await Promise.all([1, 2, 3].map((i) => startMta({ host: `127.0.${octet}.${i}` })));
  t.teardown(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
  });
  return mtas;
}

/** A listener on the dead member's address and port that accepts and never greets. */
async function silentAt(t: ExecutionContext, host: string, port: number) {
  const silent = await startScriptedMta({ host, port, mode: 'silent' });
  t.teardown(() => silent.stop());
  return silent;
}

test.serial('a restarted mxlb reuses last-known health: a member that was down is out of the first answers, before any probe of it completes', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mxlb-flow-state-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const stateFile = join(stateDir, 'state.json');
  const live = await threeMtas(t, 28);
  const doomed = await startMta({ host: '127.0.28.4' });
  t.teardown(() => doomed.stop());
  const gone = { address: doomed.host, host: `mta4.${ORIGIN}` };
  const spec = zone([...live, doomed]);

  // first life: mta4 goes down and the verdict lands in the state file
  const first = await startFlow(t, spec, ['--state-file', stateFile]);
  await waitReady(first.mxlb);
  await doomed.stop();
  await waitAnswers(first.dns, NAMES, (a, mx) => !inA(a, gone) && !inMx(mx, gone), { timeoutMs: 10_000, what: 'mta4 down in the first life' });
  await waitTransition(first.mxlb, 'primary/mta4', 'down', 0);
  t.is(await first.mxlb.stop(), 0, 'clean exit on SIGTERM');
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { health: Record<string, { state: string }> };
  t.is(saved.health['primary/mta4']?.state, 'down', 'the state file holds the down verdict');
  t.is(saved.health['primary/mta1']?.state, 'up');

  // second life: something listens on mta4's address again but never greets (still not an MTA)
  const silent = await silentAt(t, doomed.host, doomed.port);
  const second = await startMxlb(['--zones', first.dir, '--state-file', stateFile]);
  t.teardown(() => second.stop());
  const dns = second.dns[0]!;
  const before = await readyz(second);
  const early = await sampleAnswers(dns, NAMES, 20);
  const after = await readyz(second);
  t.is(before.status, 503, '/readyz: not ready before the first answers');
  t.is(after.status, 503, '/readyz: still not ready after them');
  t.deepEqual(after.body.reasons, ['first probe round not done'], 'no first probe round while the answers were sampled');
  t.deepEqual(transitionLogs(second, 'primary/mta4', 'down'), [], 'no probe of mta4 concluded in the second life');
  t.false(early.a.some((a) => inA(a, gone)), 'mta4 in none of the first A answers');
  t.false(early.mx.some((a) => inMx(a, gone)), 'mta4 in none of the first MX answers');
  for (const m of live) t.true(early.a.every((a) => a.addresses.includes(m.host)), `${m.host} in every first A answer`);
  // the probe of mta4 starts (first probes are staggered) and then waits for a greeting that never comes
  await eventually(() => silent.connections >= 1, { timeoutMs: 10_000, what: 'a probe connection to mta4' });
  t.is((await readyz(second)).status, 503, 'its probe has not concluded');
  t.false((await askMany(dns, NAMES.a, 1, 8)).some((a) => inA(a, gone)));
});

test.serial('control: without a state file the same member is served (unknown, usable) until its first probe fails', async (t) => {
  const live = await threeMtas(t, 29);
  // reserve an address and port, then leave only a silent listener there
  const placeholder = await startMta({ host: '127.0.29.4' });
  const port = placeholder.port;
  await placeholder.stop();
  const silent = await silentAt(t, placeholder.host, port);
  const flow = await startFlow(t, zone([...live, { host: placeholder.host, port }]), ['--state-file', '']);
  const early = await askMany(flow.dns, NAMES.a, 1, 20);
  t.true(early.every((a) => a.addresses.includes(placeholder.host)), 'a member without a verdict is usable on a cold start');
  t.is((await readyz(flow.mxlb)).status, 503);
  await eventually(() => silent.connections >= 1, { timeoutMs: 10_000, what: 'a probe connection to mta4' });
});
