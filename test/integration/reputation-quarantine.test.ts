/**
 * Automatic quarantine by reputation through the real `mxlb serve`: delivery outcomes posted to
 * /api/signals trigger a response rule, the member is quarantined by `mxlb reputation` (audited,
 * with the rule as reason), A and MX answers exclude it, and it comes back by itself after the
 * rule's duration and the hold; a quarantine that would break min-healthy is held back and said so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { answers, opsCli, ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { eventually } from '../helpers/poll.ts';

const THROTTLE = '421-4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. 421 4.7.28 To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';

/** The admin set-up's zone plus a reputation block: one inline rule, short hold and cool-down. */
function zoneWithReputation(base: string, minHealthy = 1, hold = '2s'): string {
  return base
    .replace('    tiers: [[primary]]', `    tiers: [[primary]]\n    min-healthy: ${minHealthy}`)
    .replace('pools:\n', [
      'reputation:',
      `  hold: ${hold}`,
      '  cool-down: 1s',
      '  rules:',
      '    - name: test-throttle',
      "      match: '4\\.7\\.28.*unusual rate'",
      '      trigger: 3/1h',
      '      action: quarantine',
      '      duration: 3s',
      'pools:',
      '',
    ].join('\n'));
}

async function postThrottles(base: string, batch: string, member: string, count: number): Promise<void> {
  const outcomes = Array.from({ length: count }, () => ({ member, status: 'deferred', domain: 'gmail.com', dsn: '4.7.28', reply: THROTTLE }));
  const response = await fetch(`${base}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch, outcomes }) });
  if (response.status !== 200) throw new Error(`signals: ${response.status} ${await response.text()}`);
}

interface MemberDoc { id: string; effective: string; override?: { author: string; reason: string; kind: string }; reputation?: { level: string; why: string; heldBack?: string; applied: boolean } }

async function member(base: string, id: string): Promise<MemberDoc | undefined> {
  const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: MemberDoc[] }[] }[] };
  return doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === id);
}

test('a triggered rule quarantines the member automatically; it leaves the answers and comes back by itself', async (t) => {
  const setup = await setUp(t, 150);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zoneWithReputation(zoneYaml(setup.mtas)));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all three members served' });

  await postThrottles(base, 'throttle-1', 'primary/mta1', 2);
  t.deepEqual(await answers(mxlb), all, 'two matches: below the trigger (3/1h)');
  const started = Date.now();
  await postThrottles(base, 'throttle-2', 'primary/mta1', 1);
  const out = await eventually(async () => { const a = await answers(mxlb); return a.includes(setup.mtas[0]!.host) ? false : a; }, { timeoutMs: 10_000, what: 'mta1 out of the answers' });
  t.log(`quarantined and out of A answers ${Date.now() - started} ms after the third throttling reply`);
  t.deepEqual(out, all.slice(1));
  const quarantined = await member(base, 'primary/mta1');
  t.like(quarantined, { effective: 'quarantined', override: { kind: 'quarantined', author: 'mxlb reputation' }, reputation: { level: 'quarantined', applied: true } });
  t.regex(quarantined!.override!.reason, /^rule test-throttle: 3 matches in 1h$/);
  const audit = (await (await fetch(`${base}/api/audit`)).json()) as { entries: Array<{ member: string; author: string; action: string }> };
  t.true(audit.entries.some((e) => e.member === 'primary/mta1' && e.author === 'mxlb reputation' && e.action === 'quarantine'), 'the automatic quarantine is audited');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.regex(metrics, /mxlb_reputation_state\{member="primary\/mta1",provider="all",state="quarantined"\} 1/);

  // No more throttling: the rule lapses (3 s), the hold (2 s) has passed, the override is lifted.
  await eventually(async () => (await answers(mxlb)).includes(setup.mtas[0]!.host), { timeoutMs: 20_000, what: 'mta1 back in the answers' });
  t.log(`back ${Date.now() - started} ms after the quarantine began`);
  const back = await member(base, 'primary/mta1');
  t.is(back?.override, undefined);
  t.not(back?.reputation?.level, 'quarantined');
});

test('a quarantine that would break min-healthy is held back and says so', async (t) => {
  const setup = await setUp(t, 160);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zoneWithReputation(zoneYaml(setup.mtas), 3));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all three members served' });
  await postThrottles(base, 'throttle-1', 'primary/mta2', 3);
  const held = await eventually(async () => { const m = await member(base, 'primary/mta2'); return m?.reputation?.heldBack ? m : false; }, { timeoutMs: 10_000, what: 'a held-back verdict' });
  t.like(held, { effective: 'up', reputation: { level: 'quarantined' } });
  t.regex(held.reputation!.heldBack!, /tier 0 of smtp\.relay\.test would keep 2 eligible member\(s\), below its min-healthy 3/);
  t.deepEqual(await answers(mxlb), all, 'never fails closed by accident');
});

test('an operator releases an automatic quarantine: the member is pinned for the hold; a pin can be set and cleared', async (t) => {
  const setup = await setUp(t, 200);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zoneWithReputation(zoneYaml(setup.mtas), 1, '1h'));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const ops = opsCli(mxlb);
  const mta1 = setup.mtas[0]!.host;
  const all = setup.mtas.map((m) => m.host).sort();
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all three members served' });
  await postThrottles(base, 'throttle-1', 'primary/mta1', 3);
  await eventually(async () => !(await answers(mxlb)).includes(mta1), { timeoutMs: 10_000, what: 'mta1 quarantined' });
  const show = await ops(['member', 'show', 'primary/mta1']);
  t.is(show.code, 0, show.stderr);
  t.regex(show.stdout, /reputation quarantined since /);
  t.regex(show.stdout, /why +rule test-throttle: 3 matches in 1h/);
  t.regex(show.stdout, /gmail +good: 3 samples, bounces 0 %, deferrals 100 %/);
  const list = await ops(['member', 'list']);
  t.regex(list.stdout, /primary\/mta1 .*quarantined \(up\).*reputation quarantined: rule test-throttle: 3 matches in 1h/);

  const release = await ops(['member', 'release', 'primary/mta1']);
  t.is(release.code, 0, release.stderr);
  await eventually(async () => (await answers(mxlb)).includes(mta1), { timeoutMs: 10_000, what: 'mta1 back after the release' });
  // More throttling would quarantine it again, but the release pinned it for the hold (1 h).
  await postThrottles(base, 'throttle-2', 'primary/mta1', 3);
  const pinned = await eventually(async () => { const m = await member(base, 'primary/mta1'); return m?.reputation?.applied === false ? m : false; }, { timeoutMs: 10_000, what: 'the verdict shown but not applied' });
  t.is(pinned.reputation?.level, 'quarantined');
  t.true((await answers(mxlb)).includes(mta1));

  // Clearing the pin lets the model act again; a new pin lifts the automatic quarantine at once.
  const clear = await ops(['reputation', 'pin', 'primary/mta1', '--clear']);
  t.is(clear.code, 0, clear.stderr);
  await eventually(async () => !(await answers(mxlb)).includes(mta1), { timeoutMs: 10_000, what: 'quarantined again after the pin ended' });
  const pin = await ops(['reputation', 'pin', 'primary/mta1', '--expires', '30m', '--reason', 'migration']);
  t.is(pin.code, 0, pin.stderr);
  t.regex(pin.stdout, /primary\/mta1: reputation pinned until \d{4}-\d\d-\d\dT.* \(migration\)/);
  await eventually(async () => (await answers(mxlb)).includes(mta1), { timeoutMs: 10_000, what: 'back under the pin' });
  const usage = await ops(['reputation', 'pin', 'primary/mta1']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--expires is required/);
});
