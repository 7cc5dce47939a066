/**
 * Overrides in time, through the real CLI against a real `mxlb serve`: a quarantine with an
 * expiry lapses on time (and the lapse is audited and logged), and a restart on the same state
 * file keeps overrides, weight overrides and the audit log, in force from the first answer.
 */
import test from 'ava';
import { eventually } from '../helpers/poll.ts';
import { allUp, answers, apiMembers, opsCli, serve, setUp, LOG_WAIT_MS } from './admin-setup.ts';

interface AuditJson {
  entries: { at: number; action: string; member: string; author: string; previous?: { kind?: string; reason?: string }; next?: { expiresAt?: number } }[];
}

test.serial('a quarantine with an expiry lapses on time, and the audit log and the logs say so', async (t) => {
  const setup = await setUp(t, 70);
  const mxlb = await serve(t, setup);
  const run = opsCli(mxlb);
  await allUp(mxlb);
  const mta2 = setup.mtas[1]!.host;

  const quarantined = await run(['member', 'quarantine', 'primary/mta2', '--reason', 'listed on SBL', '--expires', '2s', '--json']);
  t.is(quarantined.code, 0, quarantined.stderr);
  const result = JSON.parse(quarantined.stdout) as { audit: { next: { at: number; expiresAt: number } }; member: { state: string } };
  t.is(result.member.state, 'quarantined');
  const expiresAt = result.audit.next.expiresAt;
  t.is(expiresAt - result.audit.next.at, 2000);
  t.false((await answers(mxlb)).includes(mta2), 'out of the next answer');

  // Poll until it is back; it must not come back before its expiry, and not much after.
  const back = await eventually(async () => ((await answers(mxlb)).includes(mta2) ? Date.now() : undefined), { timeoutMs: 30_000, intervalMs: 50, what: 'quarantine lapse' });
  t.true(back >= expiresAt, `back ${back - expiresAt} ms after the expiry`);
  // Each poll spawns dig, which is slow on a loaded machine: the client-side bound is generous,
  // the server's own record of the lapse (below) is the tight one.
  t.true(back - expiresAt < 10_000, `back ${back - expiresAt} ms after the expiry`);

  const event = await mxlb.waitForLog((line) => line.msg === 'override expired' && line.member === 'primary/mta2', LOG_WAIT_MS);
  t.like(event, { previous: 'quarantined', next: 'up', author: 'mxlb (expired)', reason: 'listed on SBL' });
  const audit = JSON.parse((await run(['member', 'audit', '--json'])).stdout) as AuditJson;
  t.like(audit.entries[0], { action: 'release', member: 'primary/mta2', author: 'mxlb (expired)', previous: { kind: 'quarantined', reason: 'listed on SBL' } });
  const lapse = audit.entries[0]!.at - expiresAt;
  t.log(`lapse recorded ${lapse} ms after the expiry; first dig answer with the member ${back - expiresAt} ms after it`);
  t.true(lapse >= 0 && lapse < 3000, `the server recorded the lapse ${lapse} ms after the expiry`);
  t.like(audit.entries[1], { action: 'quarantine', member: 'primary/mta2' });
  t.regex(audit.entries[1]!.author, /^ops \(alice@/);
  const overrides = (await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/api/overrides`)).json()) as { overrides: unknown[] };
  t.deepEqual(overrides.overrides, []);
});

test.serial('a restart on the same state file keeps overrides, weights and the audit log', async (t) => {
  const setup = await setUp(t, 80);
  const first = await serve(t, setup);
  const run = opsCli(first);
  await allUp(first);
  const [a1, a2, a3] = setup.mtas.map((m) => m.host) as [string, string, string];

  t.is((await run(['member', 'drain', 'primary/mta1', '--reason', 'disk replacement'])).code, 0);
  t.is((await run(['member', 'quarantine', 'primary/mta2', '--reason', 'listed on SBL', '--expires', '1h'])).code, 0);
  t.is((await run(['member', 'weight', 'primary/mta3', '5', '--reason', 'warming up'])).code, 0);
  t.deepEqual(await answers(first), [a3]);
  t.is(await first.stop(), 0);

  const second = await serve(t, setup);
  // The first answer after the restart already honours the overrides (no probe round needed).
  t.deepEqual(await answers(second), [a3], 'overrides in force from the first answer');
  const members = await apiMembers(second);
  t.like(members.find((m) => m.id === 'primary/mta1'), { state: 'drained', override: { reason: 'disk replacement' } });
  const mta2 = members.find((m) => m.id === 'primary/mta2')!;
  t.is(mta2.state, 'quarantined');
  t.true(mta2.override!.expiresAt! > Date.now() + 50 * 60_000, 'the expiry survives too');
  t.like(members.find((m) => m.id === 'primary/mta3'), { weight: 5, weightOverride: { weight: 5 } });

  const audit = JSON.parse((await opsCli(second)(['member', 'audit', '--json'])).stdout) as AuditJson;
  t.deepEqual(audit.entries.map((e) => `${e.action} ${e.member}`), ['weight primary/mta3', 'quarantine primary/mta2', 'drain primary/mta1']);

  // And they can be lifted after the restart like before it.
  t.is((await opsCli(second)(['member', 'undrain', 'primary/mta1'])).code, 0);
  t.true((await answers(second)).includes(a1));
  t.false((await answers(second)).includes(a2));
});

// A change the state file cannot keep is refused (503, CLI exit 1) and not applied: see
// test/integration/state-validate.test.ts.
