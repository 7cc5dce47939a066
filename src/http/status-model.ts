/**
 * The `/status` document (pure): snapshot + probe health + probe history + answer shares + store
 * view → plain JSON, documented field by field in docs/http-api.md.
 *
 * Contract: `buildStatus(inputs)` reads only its inputs (the clock is `inputs.now`) and returns
 * fresh plain data (no Map, no RegExp, no shared objects), so it can be serialised, compared in
 * tests and read by the CLI. Every member of every pool of every zone appears exactly once, under
 * its pool, whether or not it has been probed. States come from the snapshot, the one thing DNS
 * answers read, so /status never disagrees with what is being served; probe details come from the
 * local prober when it has them, else from the store's last-known verdict.
 */
import {
  composeWeight,
  degradedText,
  planTiers,
  selectMembers,
  UNKNOWN_STATE,
  type AddressFamily,
  type BalancedName,
  type EffectiveState,
  type Member,
  type MemberId,
  type Pool,
} from '../pool/index.ts';
import type { ProbeResult, ProbeSample, ProbeSettings } from '../probe/index.ts';
import type { DnsblListVerdict } from '../reputation/index.ts';
import { reputationStatus } from './status-reputation.ts';
import type { Zone } from '../zone/index.ts';
import type { MemberShare } from './shares.ts';
import type { DnsblListStatus, FamilyStatus, LastProbe, MemberStatus, NameStatus, PoolStatus, StatusDocument, StatusInputs, ZoneStatus } from './status-types.ts';

export type { DnsblListStatus, FamilyStatus, LastProbe, MemberStatus, NameStatus, PoolStatus, StatusDocument, StatusInputs, ZoneStatus } from './status-types.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const round = (value: number): number => Math.round(value * 10) / 10;
const NO_SHARE: MemberShare = Object.freeze({ answers: 0, first: 0, fraction: 0, firstFraction: 0 });

export function buildStatus(inputs: StatusInputs): StatusDocument {
  const { snapshot, now } = inputs;
  const states = (id: MemberId): EffectiveState => snapshot.members.get(id) ?? UNKNOWN_STATE;
  const zones = [...snapshot.zones.zones.values()].sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0)).map((zone) => zoneStatus(zone, inputs, states));
  const byState: Record<string, number> = {};
  let members = 0;
  let names = 0;
  let pools = 0;
  for (const zone of zones) {
    names += zone.names.length;
    pools += zone.pools.length;
    for (const pool of zone.pools) {
      for (const member of pool.members) {
        members += 1;
        byState[member.effective] = (byState[member.effective] ?? 0) + 1;
      }
    }
  }
  const store: StatusDocument['server']['store'] = { kind: inputs.store.kind, ok: inputs.store.ok };
  if (inputs.store.reason !== undefined) store.reason = inputs.store.reason;
  return {
    server: {
      version: inputs.version,
      startedAt: iso(inputs.startedAt),
      uptimeSeconds: Math.max(0, Math.round((now - inputs.startedAt) / 1000)),
      now: iso(now),
      snapshotVersion: snapshot.version,
      firstProbeRoundDone: inputs.firstRoundDone,
      store,
      zoneErrors: [...inputs.zoneErrors],
    },
    totals: { zones: zones.length, names, pools, members, byState },
    sharesWindowSeconds: inputs.shares.windowSeconds,
    answersInWindow: inputs.shares.total,
    zones,
    recentTransitions: inputs.history.transitions(inputs.transitions ?? 50).map((t) => ({ ...t, at: iso(t.at) })),
  };
}

function zoneStatus(zone: Zone, inputs: StatusInputs, states: (id: MemberId) => EffectiveState): ZoneStatus {
  const balancing = zone.balancing;
  return {
    origin: zone.origin,
    file: zone.source,
    serial: zone.soa.serial,
    balanced: balancing !== undefined,
    names: [...(balancing?.names.values() ?? [])].map((name) => nameStatus(name, states)),
    mx: [...(balancing?.mx.values() ?? [])].map((m) => ({ owner: m.owner, balanced: m.balanced, step: m.step, ttl: m.ttl })),
    pools: [...(balancing?.pools.values() ?? [])].map((pool) => poolStatus(pool, inputs, states)),
  };
}

function nameStatus(name: BalancedName, states: (id: MemberId) => EffectiveState): NameStatus {
  const families = ([4, 6] as const).filter((family) => name.tiers.some((tier) => tier.members.some((m) => m.family === family)));
  const answers = families.map((family) => familyStatus(name, states, family));
  const used = new Set(answers.map((a) => a.tier));
  // "healthy" counts across families (the MX view): usable members with weight > 0.
  const all = planTiers(name, states, undefined, 0);
  return {
    owner: name.owner,
    policy: name.policy,
    max: name.max,
    ttl: name.ttl,
    degradedTtl: name.degradedTtl,
    allDown: name.allDown,
    ...(name.provider ? { provider: name.provider } : {}),
    answers,
    tiers: all.decision.tiers.map((t) => ({ index: t.index, pools: [...t.pools], members: t.members, minHealthy: t.minHealthy, healthy: t.usable, used: used.has(t.index) })),
  };
}

function familyStatus(name: BalancedName, states: (id: MemberId) => EffectiveState, family: AddressFamily): FamilyStatus {
  const { decision } = selectMembers(name, states, { family, variant: 0 });
  const degradedBecause = decision.degraded.map(degradedText);
  const served = decision.outcome === 'answer' ? decision.members.filter((d) => d.share > 0) : [];
  return {
    type: family === 4 ? 'A' : 'AAAA',
    outcome: decision.outcome,
    tier: decision.outcome === 'answer' ? decision.servingTier : -1,
    mode: decision.mode,
    degraded: degradedBecause.length > 0,
    degradedBecause,
    allDown: decision.allDown,
    candidates: served.map((d) => d.member.id),
    shares: Object.fromEntries(served.map((d) => [d.member.id, Math.round(d.share * 10_000) / 10_000])),
  };
}

function poolStatus(pool: Pool, inputs: StatusInputs, states: (id: MemberId) => EffectiveState): PoolStatus {
  return { name: pool.name, probe: probeSummary(pool.probe), members: pool.members.map((m) => memberStatus(m, inputs, states(m.id))) };
}

function probeSummary(s: ProbeSettings): PoolStatus['probe'] {
  const summary: PoolStatus['probe'] = {
    interval: `${s.intervalMs} ms ±${Math.round(s.jitter * 100)} %, recheck ${s.recheckMs} ms`,
    rise: s.rise,
    fall: s.fall,
    starttls: s.starttls,
    tlsVerify: s.tlsVerify,
    ehloName: s.ehloName,
    timeouts: { ...s.timeouts },
  };
  if (s.minCertDays !== undefined) summary.minCertDays = s.minCertDays;
  if (s.bannerPattern) summary.bannerPattern = s.bannerPattern.source;
  return summary;
}

function memberStatus(member: Member, inputs: StatusInputs, state: EffectiveState): MemberStatus {
  const health = inputs.health.get(member.id);
  const stored = inputs.stored.get(member.id);
  // The snapshot's time; `latency` so a latency factor in force shows (names' shares apply each name's policy).
  const weight = composeWeight(member, state, inputs.snapshot.at ?? inputs.now, 'latency');
  const status: MemberStatus = {
    id: member.id,
    name: member.name,
    address: member.address,
    port: member.port,
    host: member.host,
    weight: member.weight,
    effectiveWeight: weight.serving,
    factors: weight.factors.map((f) => ({ name: f.name, kind: f.kind, value: f.value, reason: f.reason, ...(f.detail !== undefined ? { detail: f.detail } : {}) })),
    observed: state.observed,
    effective: state.state,
    probedHere: health !== undefined,
    recent: recent(inputs.history.samples(member.id, inputs.samples ?? 30)),
    share: { ...(inputs.shares.members[member.id] ?? NO_SHARE) },
  };
  const reason = health?.reason ?? stored?.reason ?? state.observedReason;
  if (reason !== undefined && state.observed !== 'unknown') status.observedReason = reason;
  if (state.override) {
    const o = state.override;
    status.override = { kind: o.kind, reason: o.reason, author: o.author, at: iso(o.at) };
    if (o.expiresAt !== undefined) status.override.expires = iso(o.expiresAt);
  }
  if (state.weight) {
    const w = state.weight;
    status.weightOverride = { weight: w.weight, reason: w.reason, author: w.author, at: iso(w.at) };
    if (w.expiresAt !== undefined) status.weightOverride.expires = iso(w.expiresAt);
  }
  // The prober's `since` is the local verdict's; without a local verdict the store's is the truth.
  const since = health && health.state === state.observed ? health.since : stored?.state === state.observed ? stored.since : undefined;
  if (since !== undefined && state.observed !== 'unknown') {
    status.since = iso(since);
    status.sinceSeconds = Math.max(0, Math.round((inputs.now - since) / 1000));
  }
  if (health?.lastResult) status.lastProbe = lastProbe(health.lastResult, inputs.now);
  const failure = health?.lastFailure ?? stored?.lastFailure;
  if (failure) {
    status.lastFailure = { at: iso(failure.at), reason: failure.reason };
    if (failure.detail !== undefined) status.lastFailure.detail = failure.detail;
  }
  const dnsbl = inputs.dnsbl?.(member.id);
  if (dnsbl) status.dnsbl = { lists: dnsbl.lists.map(dnsblListStatus) };
  const rep = inputs.reputation?.(member.id);
  if (rep) status.reputation = reputationStatus(rep);
  const warmUp = inputs.warmUp?.(member.id);
  if (warmUp) status.warmUp = warmUp;
  const shaped = inputs.load?.(member.id);
  if (shaped?.latencyMs !== undefined) status.latencyMs = shaped.latencyMs;
  if (shaped?.deliveryDelay) status.deliveryDelay = shaped.deliveryDelay;
  if (shaped?.load) status.load = { ...shaped.load, at: iso(shaped.load.at) };
  if (inputs.delivery) status.delivery = { last15m: { ...inputs.delivery(member.id, 15 * 60_000) }, last1h: { ...inputs.delivery(member.id, 3_600_000) } };
  return status;
}

export function lastProbe(result: ProbeResult, now: number): LastProbe {
  const phases: Record<string, number> = {};
  for (const p of result.phases) phases[p.phase] = round((phases[p.phase] ?? 0) + p.ms);
  const probe: LastProbe = { at: iso(result.startedAt), ok: result.ok, totalMs: round(result.totalMs), phases };
  if (result.reason !== undefined) probe.reason = result.reason;
  if (result.detail !== undefined) probe.detail = result.detail;
  if (result.banner !== undefined) probe.banner = result.banner;
  if (result.capabilities) probe.capabilities = [...result.capabilities];
  if (result.tls) {
    const t = result.tls;
    const tls: NonNullable<LastProbe['tls']> = { authorized: t.authorized };
    if (t.protocol !== undefined) tls.protocol = t.protocol;
    if (t.cipher !== undefined) tls.cipher = t.cipher;
    if (t.certSubject !== undefined) tls.subject = t.certSubject;
    if (t.authorizationError !== undefined) tls.authorizationError = t.authorizationError;
    probe.tls = tls;
    const expires = t.certNotAfter === undefined ? NaN : Date.parse(t.certNotAfter);
    if (Number.isFinite(expires)) {
      probe.certExpires = iso(expires);
      probe.certDaysLeft = Math.floor((expires - now) / 86_400_000);
    }
  }
  return probe;
}

function recent(samples: readonly ProbeSample[]): MemberStatus['recent'] {
  const ms = samples.map((s) => s.totalMs);
  return {
    samples: samples.length,
    failures: samples.filter((s) => !s.ok).length,
    avgMs: ms.length > 0 ? round(ms.reduce((a, b) => a + b, 0) / ms.length) : null,
    maxMs: ms.length > 0 ? round(Math.max(...ms)) : null,
    series: samples.map((s) => {
      const point: MemberStatus['recent']['series'][number] = { at: s.at, ok: s.ok, ms: round(s.totalMs) };
      if (s.reason !== undefined) point.reason = s.reason;
      return point;
    }),
  };
}

function dnsblListStatus(v: DnsblListVerdict): DnsblListStatus {
  const out: DnsblListStatus = { list: v.list, state: v.state };
  if (v.codes) out.codes = [...v.codes];
  if (v.reason !== undefined) out.reason = v.reason;
  if (v.since !== undefined) out.since = new Date(v.since).toISOString();
  if (v.lastCheck !== undefined) out.lastCheck = new Date(v.lastCheck).toISOString();
  if (v.pending) out.pending = { ...v.pending };
  if (v.budgetExhausted) out.budgetExhausted = true;
  return out;
}

