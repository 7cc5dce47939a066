/**
 * The admin API driven through the real CLI (`node bin/mxlb.js member …`) against a real
 * `mxlb serve` with real SMTP servers (issue 4, "Show it"): a drained member leaves the very next
 * DNS answers and is still probed, undrain brings it back, the audit log and the log stream record
 * each change. Tokens: admin-auth.test.ts; exit codes: admin-exit.test.ts; restarts and expiry:
 * admin-persist.test.ts.
 */
import test from 'ava';
import { eventually } from '../helpers/poll.ts';
import { allUp, answers, apiMembers, mxHosts, opsCli, serve, setUp, LOG_WAIT_MS } from './admin-setup.ts';

test.serial('drain takes a member out of the next answers (still probed); undrain brings it back; the audit log and the logs record both', async (t) => {
  const setup = await setUp(t, 20);
  const mxlb = await serve(t, setup);
  const run = opsCli(mxlb);
  await allUp(mxlb);
  const [a1, a2, a3] = setup.mtas.map((m) => m.host);
  t.deepEqual(await answers(mxlb), [a1, a2, a3]);

  const drained = await run(['member', 'drain', 'primary/mta1', '--reason', 'kernel update', '--author', 'alice@laptop']);
  t.is(drained.code, 0, drained.stderr);
  t.regex(drained.stdout, /primary\/mta1: drained \(up\)/);
  t.regex(drained.stdout, /kernel update \(by ops \(alice@laptop\)\)/);
  // No polling: the write answers after the snapshot was rebuilt, so the next queries must exclude it.
  for (let i = 0; i < 5; i++) t.deepEqual(await answers(mxlb), [a2, a3], `A query ${i + 1} after drain`);
  t.deepEqual(await mxHosts(mxlb), ['mta2.relay.test.', 'mta3.relay.test.'], 'MX answers drop it too');

  // Drained, not forgotten: probes keep connecting, so the member's observed state stays known.
  const seen = setup.mtas[0]!.connections;
  await eventually(() => setup.mtas[0]!.connections >= seen + 2, { timeoutMs: 30_000, what: 'probes of the drained member' });
  const member = (await apiMembers(mxlb)).find((m) => m.id === 'primary/mta1')!;
  t.is(member.state, 'drained');
  t.is(member.observed, 'up');
  t.is(member.override?.author, 'ops (alice@laptop)');

  const list = await run(['member', 'list']);
  t.is(list.code, 0, list.stderr);
  const row = list.stdout.split('\n').find((line) => line.startsWith('primary/mta1 '));
  t.truthy(row);
  t.regex(row!, /^primary\/mta1\s+primary\s+127\.0\.0\.21:\d+\s+drained \(up\)\s+100\s+\d+s ago\s+drained: kernel update/);
  t.regex(list.stdout.split('\n')[0]!, /^MEMBER\s+POOL\s+ADDRESS\s+STATE\s+WEIGHT\s+SINCE\s+OVERRIDE$/);

  const undrained = await run(['member', 'undrain', 'primary/mta1', '--author', 'alice@laptop']);
  t.is(undrained.code, 0, undrained.stderr);
  t.deepEqual(await answers(mxlb), [a1, a2, a3], 'back in the next answer');
  const again = await run(['member', 'undrain', 'primary/mta1']);
  t.is(again.code, 0, 'undraining twice is not an error');
  t.regex(again.stdout, /nothing to do/);

  const audit = await run(['member', 'audit', '--json']);
  t.is(audit.code, 0, audit.stderr);
  const entries = (JSON.parse(audit.stdout) as { entries: { action: string; member: string; author: string; previous?: { reason: string }; next?: { reason: string } }[] }).entries;
  t.is(entries.length, 2, 'the no-op undrain wrote no entry');
  t.like(entries[0], { action: 'undrain', member: 'primary/mta1', author: 'ops (alice@laptop)', previous: { reason: 'kernel update' } });
  t.like(entries[1], { action: 'drain', member: 'primary/mta1', author: 'ops (alice@laptop)', next: { reason: 'kernel update' } });
  const table = await run(['member', 'audit']);
  t.regex(table.stdout, /^TIME\s+MEMBER\s+ACTION\s+AUTHOR\s+DETAIL\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+primary\/mta1\s+undrain\s+ops \(alice@laptop\)/);

  const event = await mxlb.waitForLog((line) => line.msg === 'override changed' && line.action === 'drain', LOG_WAIT_MS);
  t.like(event, { member: 'primary/mta1', previous: 'up', next: 'drained', author: 'ops (alice@laptop)', reason: 'kernel update', level: 30 });
  await mxlb.waitForLog((line) => line.msg === 'override changed' && line.action === 'undrain' && line.next === 'up', LOG_WAIT_MS);
});

test.serial('drain --wait waits out the longest TTL with progress on stderr', async (t) => {
  const setup = await setUp(t, 60);
  const mxlb = await serve(t, setup);
  const run = await opsCli(mxlb)(['member', 'drain', 'primary/mta3', '--wait']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /waiting 2 s for resolver caches/);
  t.regex(run.stderr, /done: resolver caches have expired/);
  t.true(run.ms >= 2000, `took ${run.ms} ms`);
  t.false((await answers(mxlb)).includes(setup.mtas[2]!.host));
});
