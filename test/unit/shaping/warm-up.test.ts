/**
 * Warm-up over simulated time (shaping/warm-up.ts, daily-count.ts, and the ShapingKeeper edge with
 * an injected clock): 30 days of an open-loop schedule measured as first places of a weighted
 * name; the closed loop withholding a member at its cap within one snapshot and bringing it back
 * at the next local midnight (Europe/Berlin, the DST day included); pause on `suspect`, resume.
 */
import test from 'ava';
import { silentLogger } from '../../../src/log.ts';
import { selectMembers, WEIGHTED_VARIANTS, type EffectiveState, type Member } from '../../../src/pool/index.ts';
import { addDays, dayNumber, localDate, nextMidnight, startOfDay, warmUpStatus, WARM_UP_PRESETS, type WarmUpPlan } from '../../../src/shaping/index.ts';
import { ShapingKeeper } from '../../../src/shaping-keeper.ts';
import { OutcomeStore, type Outcome } from '../../../src/signals/index.ts';
import { SnapshotKeeper } from '../../../src/snapshot-keeper.ts';
import { balancedName, balancedZone, member, tierOf } from '../../helpers/balanced-zone.ts';
import { FakeStore } from '../../helpers/fake-store.ts';

const warm = [1, 2, 3].map((n) => member('p', `w${n}`, `192.0.2.${n}`, { host: `w${n}.relay.test` }));

function warming(plan: WarmUpPlan): Member {
  return { ...member('p', 'new', '192.0.2.9', { host: 'new.relay.test' }), warmUp: plan };
}

/** Share of first places `id` gets over the whole weighted ring of a snapshot (32 variants). */
function firstShare(members: Member[], states: Map<string, EffectiveState>, id: string, seed: number): number {
  const name = balancedName('smtp.relay.test', [tierOf(members)], { policy: 'weighted', max: 1 });
  let hits = 0;
  for (let v = 0; v < WEIGHTED_VARIANTS; v++) {
    const s = selectMembers(name, (m) => states.get(m) ?? { state: 'up', observed: 'up' }, { family: 4, variant: v, seed });
    if (s.members[0]?.id === id) hits++;
  }
  return hits / WEIGHTED_VARIANTS;
}

test('zone time: local dates and midnights in Europe/Berlin, a 25-hour DST day included', (t) => {
  t.is(localDate(Date.parse('2026-10-24T22:30:00Z'), 'Europe/Berlin'), '2026-10-25');
  t.is(startOfDay('2026-10-25', 'Europe/Berlin'), Date.parse('2026-10-24T22:00:00Z')); // CEST, UTC+2
  t.is(startOfDay('2026-10-26', 'Europe/Berlin'), Date.parse('2026-10-25T23:00:00Z')); // CET, UTC+1: 25 hours later
  t.is(nextMidnight(Date.parse('2026-03-29T12:00:00Z'), 'Europe/Berlin'), Date.parse('2026-03-29T22:00:00Z')); // 23-hour day
  t.is(dayNumber(addDays('2026-12-30', 3)) - dayNumber('2026-12-30'), 3);
});

test('30 simulated days of an open-loop schedule: each day the first-place share follows the schedule', (t) => {
  const schedule = WARM_UP_PRESETS.get('linear-30')!;
  const plan: WarmUpPlan = { schedule: { ...schedule, timeZone: 'America/New_York' }, start: '2026-11-01' }; // DST ends 2026-11-01 there
  const w = warming(plan);
  const members = [w, ...warm];
  const rows: string[] = [];
  for (let day = 1; day <= 31; day++) {
    const noon = startOfDay(addDays('2026-11-01', day - 1), 'America/New_York') + 12 * 3_600_000;
    const status = warmUpStatus({ plan, control: { pausedDays: 0 }, now: noon, today: undefined });
    if (day === 31) {
      t.true(status.complete, 'after the last day the warm-up is complete');
      t.is(status.factor, undefined);
      continue;
    }
    t.is(status.day, day);
    t.is(status.factor?.reason, 'warm-up-open-loop');
    const f = status.factor!.value;
    t.true(Math.abs(f - schedule.days[day - 1]!.percent! / 100) < 0.001, 'the percent of the day');
    const states = new Map<string, EffectiveState>([[w.id, { state: 'up', observed: 'up', shaping: [status.factor!] }]]);
    const expected = f / (f + 3);
    const measured = firstShare(members, states, w.id, day);
    rows.push(`day ${day}: factor ${f}, expected ${(expected * 100).toFixed(1)} %, measured ${(measured * 100).toFixed(1)} %`);
    // ±10 % of the schedule's share, or one ring slot (1/32) where that is larger (small shares).
    t.true(Math.abs(measured - expected) <= Math.max(0.1 * expected, 1 / WEIGHTED_VARIANTS), rows.at(-1));
  }
  t.log(rows.join('\n'));
});

const T_CAP_DAY = '2026-10-25'; // the DST day in Berlin: 25 hours
const capPlan = (): WarmUpPlan => ({ schedule: { name: 'caps', timeZone: 'Europe/Berlin', days: [{ cap: 50 }, { cap: 100 }, { cap: 200 }, { cap: 400 }] }, start: '2026-10-24' });

function harness(plan: WarmUpPlan, startAt: number, suspect = new Set<string>()) {
  const clock = { now: startAt };
  const store = new FakeStore(() => clock.now);
  const keeper = new SnapshotKeeper(store, silentLogger, () => clock.now);
  const outcomes = new OutcomeStore({ now: () => clock.now });
  const w = warming(plan);
  const members = [w, ...warm];
  const zone = balancedZone('relay.test', ['@ 300 SOA ns1 h 1 3600 600 86400 30', '@ 300 NS ns1', 'ns1 300 A 192.0.2.53'], [balancedName('smtp.relay.test', [tierOf(members)], { policy: 'weighted', max: 1 })]);
  const zones = { zones: new Map([[zone.origin, zone]]) };
  keeper.setZones(zones);
  for (const m of members) store.putHealth(m.id, { state: 'up', since: startAt - 1000 });
  const shaping = new ShapingKeeper({ keeper, store, outcomes, suspect: (m) => suspect.has(m), logger: silentLogger, now: () => clock.now });
  shaping.setZones(zones);
  shaping.evaluate();
  const send = (n: number, status: Outcome['status'] = 'sent', provider: Outcome['provider'] = 'gmail') => {
    outcomes.record(Array.from({ length: n }, () => ({ member: w.id, status, provider, at: clock.now, source: 'api' as const })));
    shaping.evaluate();
  };
  const share = () => firstShare(members, keeper.current().members as Map<string, EffectiveState>, w.id, keeper.current().version);
  const factor = () => keeper.current().members.get(w.id)?.shaping?.find((f) => f.name === 'warm-up');
  return { clock, keeper, shaping, send, share, factor, store, w };
}

test('closed loop: the cap withholds the member within one snapshot; it returns at the next local midnight (DST day)', (t) => {
  const noon = Date.parse(`${T_CAP_DAY}T10:00:00Z`); // 11:00 CET on day 2 (cap 100)
  const h = harness(capPlan(), noon);
  t.is(h.factor()?.reason, 'warm-up-signals-stale', 'no signals yet: open loop, and it says so');
  h.send(10);
  t.is(h.factor()?.reason, 'warm-up-under-cap');
  t.is(h.factor()?.value, 0.25, 'day 2: cap 100 of the last day 400');
  t.true(h.share() > 0);
  h.send(75, 'deferred'); // 85 of 100: near the cap, the share drops
  t.is(h.factor()?.reason, 'warm-up-near-cap');
  t.true(h.factor()!.value < 0.25 && h.factor()!.value > 0);
  const before = h.keeper.current().version;
  h.send(15, 'bounced'); // 100 attempts: at the cap
  t.is(h.keeper.current().version, before + 1, 'one snapshot later');
  t.is(h.factor()?.value, 0);
  t.is(h.factor()?.reason, 'warm-up-cap-reached');
  t.is(h.share(), 0, 'no first places at the cap');
  t.is(h.shaping.warmUp(h.w.id)?.sent, 100);
  // 23:59:59 local on the 25-hour day is 22:59:59Z: still withheld (a 24-hour day would have ended at 22:00Z).
  h.clock.now = Date.parse(`${T_CAP_DAY}T22:59:59Z`);
  h.send(1); // keep signals fresh
  h.shaping.evaluate();
  t.is(h.factor()?.value, 0, 'still the same local day');
  h.clock.now = Date.parse(`${T_CAP_DAY}T23:00:00Z`); // local midnight, 2026-10-26 00:00 CET
  h.shaping.evaluate();
  const status = h.shaping.warmUp(h.w.id)!;
  t.is(status.day, 3);
  t.is(status.cap, 200);
  t.is(h.factor()?.reason, 'warm-up-under-cap');
  t.is(h.factor()?.value, 0.5);
  t.true(h.share() > 0, 'back in first places after the day boundary');
  h.shaping.stop();
});

test('per-provider caps: a member at its gmail cap is withheld on gmail names only (warm-up-providers.test.ts has the table)', (t) => {
  const plan: WarmUpPlan = { schedule: { name: 'p', timeZone: 'UTC', days: [{ cap: 1000, providers: { gmail: 10, microsoft: 100 } }, { cap: 2000 }] }, start: '2026-12-01' };
  const h = harness(plan, Date.parse('2026-12-01T08:00:00Z'));
  h.send(5, 'sent', 'microsoft');
  t.is(h.factor()?.reason, 'warm-up-under-cap');
  h.send(10, 'sent', 'gmail');
  t.is(h.factor()?.reason, 'warm-up-under-cap', 'the overall factor (names for every recipient) counts the total only');
  const gmail = h.keeper.current().members.get(h.w.id)?.shaping?.find((f) => f.provider === 'gmail');
  t.like(gmail, { value: 0, reason: 'warm-up-provider-cap-reached', detail: 'gmail cap 10' });
  t.true(h.share() > 0, 'still in first places of the name for every recipient');
  h.shaping.stop();
});

test('signals that stop arriving: back to the open-loop share, said by the reason', (t) => {
  const h = harness(capPlan(), Date.parse('2026-10-24T08:00:00Z'));
  h.send(50);
  t.is(h.factor()?.value, 0);
  h.clock.now += 16 * 60_000;
  h.shaping.evaluate();
  t.is(h.factor()?.reason, 'warm-up-signals-stale');
  t.is(h.factor()?.value, 0.125, 'open loop: cap 50 of 400');
  h.shaping.stop();
});

test('pause on suspect freezes the calendar, resumes when the reputation recovers; operators pause, resume, restart, finish (audited)', async (t) => {
  const suspect = new Set<string>();
  const h = harness(capPlan(), Date.parse('2026-10-24T08:00:00Z'), suspect);
  t.is(h.shaping.warmUp(h.w.id)?.day, 1);
  suspect.add(h.w.id);
  h.shaping.evaluate();
  t.is(h.factor()?.reason, 'warm-up-paused-suspect');
  h.clock.now = Date.parse('2026-10-26T08:00:00Z'); // two days later, still suspect
  h.shaping.evaluate();
  t.is(h.shaping.warmUp(h.w.id)?.day, 1, 'the calendar does not move while paused');
  suspect.delete(h.w.id);
  h.shaping.evaluate();
  const resumed = h.shaping.warmUp(h.w.id)!;
  t.is(resumed.day, 1, 'resumes on the day it paused at');
  t.is(resumed.paused, undefined);
  t.is(resumed.finishDate, '2026-10-29', 'four days from 24th plus two paused');
  h.clock.now = Date.parse('2026-10-27T08:00:00Z');
  t.is(h.shaping.warmUp(h.w.id)?.day, 2);

  await h.shaping.warmUpAction(h.w.id, 'pause', 'alice', 'complaints spike');
  t.is(h.factor()?.reason, 'warm-up-paused-operator');
  await h.shaping.warmUpAction(h.w.id, 'resume', 'alice', 'ok');
  await h.shaping.warmUpAction(h.w.id, 'restart', 'alice', 'new IP block');
  t.is(h.shaping.warmUp(h.w.id)?.day, 1);
  await h.shaping.warmUpAction(h.w.id, 'finish', 'bob', 'warm enough');
  t.true(h.shaping.warmUp(h.w.id)?.complete);
  t.is(h.factor(), undefined, 'finished: no factor');
  t.deepEqual(h.store.audit(10).map((e) => `${e.action} ${e.author}`), ['warmup-finish bob', 'warmup-restart alice', 'warmup-resume alice', 'warmup-pause alice']);
  h.shaping.stop();
});
