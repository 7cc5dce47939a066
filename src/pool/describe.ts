/**
 * Words from decisions (pure): renders a selection's `Decision` as the `SelectionTrace` that
 * `/explain`, `/status` and `mxlb explain` show. Only readers of explanations call this; the query
 * path never builds these strings.
 */
import type { Decision, DegradedReason, MemberDecision, Rule, TierRecord } from './decision.ts';
import type { AddressFamily, Override, ProviderGroup } from './model.ts';
import type { MemberTrace, SelectionTrace, TierTrace, WeightFactorTrace } from './trace.ts';
import type { MemberWeight } from './weight.ts';

const other = (family: AddressFamily): AddressFamily => (family === 4 ? 6 : 4);

function overrideText(o: Override, withExpiry: boolean): string {
  const until = withExpiry && o.expiresAt !== undefined ? ` (until ${new Date(o.expiresAt).toISOString()})` : '';
  return `${o.kind} by ${o.author}: ${o.reason}${until}`;
}

/** Why an excluded member cannot carry traffic (`host` traces use the shorter wording of hosts). */
function exclusionText(d: MemberDecision, host: boolean, provider?: ProviderGroup): string {
  if (d.state.override) return overrideText(d.state.override, !host);
  if (d.exclusion === 'down' || d.state.state === 'down') return `down: ${d.state.observedReason ?? 'probe failed'}`;
  if (d.exclusion === 'provider-quarantined') {
    const scale = provider === undefined ? undefined : d.state.providers?.[provider];
    return `quarantined for ${provider ?? 'this name\'s provider'} only (serves other names)${scale ? `: ${scale.reason}` : ''}`;
  }
  if (d.exclusion === 'standby') return host ? 'weight 0: standby' : 'weight 0: standby, used only by fail-open';
  return '';
}

function memberWhy(d: MemberDecision, decision: Decision): string {
  const host = decision.kind === 'host';
  switch (d.reason) {
    case 'serving': {
      // A per-provider name scaling the member for its provider (a provider-scoped `scale` rule): say which rule.
      const scale = decision.provider === undefined ? undefined : d.state.providers?.[decision.provider];
      return scale && scale.factor > 0 && scale.factor < 1 ? `usable; scaled for ${decision.provider} only: ${scale.reason}` : 'usable';
    }
    case 'fail-open': {
      const why = exclusionText(d, host, decision.provider);
      return why === '' ? 'fail-open' : `fail-open despite: ${why}`;
    }
    case 'standby-serving': return 'usable standby: nothing else of the host is usable';
    case 'fallback-tier': return `usable; backup tier ${d.tier}, published for fallback`;
    case 'tier-not-used': return `tier ${d.tier} not used`;
    case 'beyond-max': return decision.query === 'MX' ? `beyond max ${maxOf(decision)} hosts in tier ${d.tier}` : `beyond max ${maxOf(decision)} in this rotation`;
    case 'not-drawn': return `not drawn (max ${maxOf(decision)})`;
    case 'host-already-published': return `host ${d.member.host} already published at preference ${d.publishedAt ?? '?'}`;
    case 'other-family': {
      const usable = !host && d.exclusion === undefined ? ' (usable: counts toward min-healthy)' : '';
      return `IPv${d.member.family} address, IPv${decision.family ?? d.member.family} asked${usable}`;
    }
    default: return exclusionText(d, host, decision.provider);
  }
}

const maxOf = (decision: Decision): number => Math.max(1, Math.floor(decision.max));

function factorsOf(weight: MemberWeight): WeightFactorTrace[] {
  return weight.factors.map((f) => ({ name: f.name, kind: f.kind, value: f.value, reason: f.reason, ...(f.detail !== undefined ? { detail: f.detail } : {}) }));
}

function memberTrace(d: MemberDecision, decision: Decision): MemberTrace {
  const m = d.member;
  const trace: MemberTrace = {
    id: m.id,
    address: m.address,
    family: m.family,
    host: m.host,
    tier: d.tier,
    state: d.state.state,
    observed: d.state.observed,
    weight: d.weight.serving,
    configuredWeight: m.weight,
    effectiveWeight: d.weight.weight,
    factors: factorsOf(d.weight),
    share: d.share,
    verdict: d.verdict,
    reason: d.reason,
    why: memberWhy(d, decision),
  };
  if (d.state.observedReason !== undefined) trace.observedReason = d.state.observedReason;
  if (d.state.override) trace.override = d.state.override;
  if (d.position !== undefined) trace.position = d.position;
  if (d.preference !== undefined) trace.preference = d.preference;
  return trace;
}

/** "3 usable" for MX or when only the family counts; "1 usable (3 with IPv4)" when both families do. */
function usableText(t: TierRecord, family: AddressFamily | undefined): string {
  if (family === undefined || t.usableAnyFamily === t.usable) return `${t.usable} usable`;
  return `${t.usable} usable (${t.usableAnyFamily} with IPv${other(family)})`;
}

function tierWhy(t: TierRecord, decision: Decision): string {
  const family = decision.family;
  if (decision.kind === 'host') return t.members === 0 ? `no IPv${family} members` : `members of host ${decision.owner}`;
  const usable = usableText(t, family);
  switch (t.decision) {
    case 'empty': return family === undefined ? 'no members' : `no IPv${family} members`;
    case 'chosen': {
      const why = decision.mode === 'normal' ? `${usable} ≥ min ${t.minHealthy}` : `${usable} < min ${t.minHealthy}, but the best there is`;
      return t.usable === 0 ? `${why}; no usable IPv${family} member: NODATA` : why;
    }
    case 'below-minimum': return `${usable} < min ${t.minHealthy}`;
    case 'fallback': return 'published at a higher preference so senders can fall back';
    case 'fail-open': return 'no usable member anywhere: all-down policy all';
    default: return `tier ${decision.servingTier} serves`;
  }
}

function tierTrace(t: TierRecord, decision: Decision): TierTrace {
  return { index: t.index, pools: [...t.pools], members: t.members, usable: t.usable, usableAnyFamily: t.usableAnyFamily, minHealthy: t.minHealthy, decision: t.decision, why: tierWhy(t, decision) };
}

export function ruleText(rule: Rule, family: AddressFamily | undefined): string {
  switch (rule.code) {
    case 'tier-minimum': return `tier ${rule.tier} is the first with at least its minimum of usable members`;
    case 'below-minimum': return `no tier has its minimum of usable members; tier ${rule.tier} is the first with any`;
    case 'no-members': return family === undefined ? 'the name has no members' : `the name has no IPv${family} members`;
    case 'other-family': {
      const where = rule.tier === undefined ? 'any tier with members of this family' : `tier ${rule.tier}`;
      const f = family ?? 4;
      return `no usable IPv${f} member in ${where}, but IPv${other(f)} members serve: NODATA, so dual-stack ` +
        `senders use IPv${other(f)} (the all-down policy applies only when no member of either family is usable)`;
    }
    case 'all-down-policy': return `all members down: all-down policy ${rule.policy}`;
    case 'fail-open': return `all members down: fail-open returns every member of tier ${rule.tier} regardless of health (drained and quarantined left out)`;
    case 'fail-open-overridden': return `every member is drained or quarantined: fail-open returns tier ${rule.tier} anyway (choose all-down nodata or servfail to fail closed)`;
    case 'host-no-family': return `member host: no IPv${family} member uses this host: NODATA`;
    case 'host-other-family': return `member host: its IPv${family} members are not usable but IPv${other(family ?? 4)} members serve: NODATA`;
    case 'host-serving': return `member host: the addresses of its ${rule.count} serving IPv${family} member(s); down, drained, quarantined and standby members left out`;
    case 'host-standby': return 'member host: no member carries traffic; its usable standbys (weight 0) answer';
    case 'host-fail-open': return 'member host: no member is usable: fail-open with every address of the host (a host name is looked up after an MX chose it; an empty answer helps nobody)';
  }
}

export function degradedText(reason: DegradedReason): string {
  switch (reason.code) {
    case 'below-minimum': return 'no tier has its minimum of usable members';
    case 'backup-tier': return `backup tier ${reason.tier} in use`;
    case 'member-down': return `${reason.member} down`;
    case 'family-unusable': return `no usable IPv${reason.family} member`;
    case 'all-down': return 'no usable member in any tier';
    case 'host-standby': return 'no member of the host carries traffic: usable standbys answer';
    case 'host-fail-open': return 'no usable member of the host: fail-open';
  }
}

/** The rendered trace of one selection: every member once, every tier, the rule applied. */
export function describeDecision(decision: Decision): SelectionTrace {
  const trace: SelectionTrace = {
    owner: decision.owner,
    query: decision.query,
    policy: decision.policy,
    variant: decision.variant,
    max: decision.max,
    tiers: decision.tiers.map((t) => tierTrace(t, decision)),
    members: decision.members.map((d) => memberTrace(d, decision)),
    outcome: decision.outcome,
    mode: decision.mode,
    allDown: decision.allDown,
    allDownPolicy: decision.allDownPolicy,
    rule: decision.rule.code,
    applied: ruleText(decision.rule, decision.family),
    degraded: decision.degraded.length > 0,
    degradedBecause: decision.degraded.map(degradedText),
    ttl: decision.ttl,
  };
  if (decision.kind) trace.kind = decision.kind;
  return trace;
}
