/**
 * MX selection for an MX binding (pure): one MX per member host (RFC 1035 §3.3.9), preference by
 * tier, `step × (tier + 1)` — 10 for the primary, 20 for the first backup, …
 *
 * Decision: the serving tier (as for A/AAAA, `plan.ts`) is published together with every *later*
 * tier that has a usable member, each at its own preference, so a sending MTA falls back by itself
 * when the primaries refuse or time out (RFC 5321 §5.1) without waiting for a probe or a TTL.
 * Tiers before the serving one are left out: they are below their minimum, which is exactly when
 * the operator asked for traffic to move away from them. `max` caps the hosts *per tier*, so a
 * backup tier always keeps its place in the answer. Preferences are stable per tier (not
 * renumbered), so "20" always means "first backup" to the operator reading a dig answer.
 * Under fail-open only the fail-open tier is published.
 */
import type { BalancedName, Member, MxBinding } from './model.ts';
import { finishTtl, plan, rotate, type Candidate, type Plan, type StateLookup } from './plan.ts';
import { ringSlot, WEIGHTED_VARIANTS } from './select.ts';
import type { SelectionTrace } from './trace.ts';
import { weightedRingSlot } from './weighted.ts';

export interface MxEntry {
  preference: number;
  exchange: string;
  tier: number;
  /** The selected members behind this exchange (for A/AAAA in the additional section). */
  members: Member[];
}

export interface MxSelection {
  records: MxEntry[];
  outcome: SelectionTrace['outcome'];
  degraded: boolean;
  allDown: boolean;
  ttl: number;
  trace: SelectionTrace;
}

interface HostGroup {
  host: string;
  candidates: Candidate[];
}

function groupByHost(candidates: readonly Candidate[]): HostGroup[] {
  const groups = new Map<string, HostGroup>();
  for (const c of candidates) {
    const group = groups.get(c.member.host) ?? { host: c.member.host, candidates: [] };
    group.candidates.push(c);
    groups.set(c.member.host, group);
  }
  return [...groups.values()];
}

/** Tiers to publish with the candidates of each, in preference order. */
function tiersToPublish(p: Plan): Array<{ tier: number; pick: Candidate[] }> {
  if (p.outcome !== 'answer') return [];
  const out = [{ tier: p.chosen, pick: p.pick }];
  if (p.mode === 'fail-open') return out;
  for (let tier = p.chosen + 1; tier < p.tiers.length; tier++) {
    const pick = p.tiers[tier]!.filter((c) => c.eligible);
    if (pick.length === 0) continue;
    out.push({ tier, pick });
    const t = p.trace.tiers[tier]!;
    t.decision = 'fallback';
    t.why = 'published at a higher preference so senders can fall back';
  }
  return out;
}

/** Order hosts: rotation of hosts, or weighted draws of members with each host kept at its first draw. */
function orderHosts(
  pick: readonly Candidate[],
  name: BalancedName,
  failOpen: boolean,
  opts: { random: () => number; variant: number; phase?: number },
): HostGroup[] {
  if (name.policy === 'weighted' && !failOpen) {
    const drawn = weightedRingSlot(pick, (c) => c.weight, pick.length, opts.random, ringSlot(opts));
    const order = groupByHost(drawn).map((g) => g.host);
    const all = new Map(groupByHost(pick).map((g) => [g.host, g]));
    return order.map((host) => all.get(host)!);
  }
  return rotate(groupByHost(pick), opts.variant);
}

export function selectMx(
  binding: MxBinding,
  name: BalancedName,
  states: StateLookup,
  /** `phase`: as for `selectMembers` (weighted only). */
  opts: { random: () => number; variant: number; phase?: number },
): MxSelection {
  const p = plan(name, states, undefined, opts.variant);
  const max = Math.max(1, Math.floor(name.max));
  const step = Math.max(1, Math.floor(binding.step));
  const published = new Map<string, number>();
  const records: MxEntry[] = [];
  for (const { tier, pick } of tiersToPublish(p)) {
    const preference = Math.min(65535, step * (tier + 1));
    let count = 0;
    for (const group of orderHosts(pick, name, p.mode === 'fail-open', opts)) {
      const earlier = published.get(group.host);
      const why =
        earlier !== undefined ? `host ${group.host} already published at preference ${earlier}` :
        count >= max ? `beyond max ${max} hosts in tier ${tier}` : undefined;
      for (const c of group.candidates) {
        c.trace.verdict = why === undefined ? 'selected' : 'not-selected';
        if (why !== undefined) c.trace.why = why;
        else {
          c.trace.preference = preference;
          c.trace.position = records.length;
          // A fallback tier's members were marked "tier N not used" by plan(); here they are published.
          c.trace.why = tier !== p.chosen ? `usable; backup tier ${tier}, published for fallback` : c.trace.why === '' ? 'usable' : c.trace.why;
        }
      }
      if (why !== undefined) continue;
      published.set(group.host, preference);
      records.push({ preference, exchange: group.host, tier, members: group.candidates.map((c) => c.member) });
      count++;
    }
  }
  p.trace.ttl = binding.ttl;
  const ttl = finishTtl({ ttl: binding.ttl, degradedTtl: Math.min(name.degradedTtl, binding.ttl) }, p.trace);
  return { records, outcome: p.outcome, degraded: p.trace.degraded, allDown: p.allDown, ttl, trace: p.trace };
}

/** How many distinct MX answers the cache should prebuild (≥ 1). */
export function mxVariantCount(name: BalancedName, states: StateLookup): number {
  const p = plan(name, states, undefined, 0);
  const tiers = tiersToPublish(p);
  if (tiers.length === 0) return 1;
  if (name.policy === 'weighted' && p.mode !== 'fail-open') {
    return tiers.some((t) => groupByHost(t.pick).length > 1) ? WEIGHTED_VARIANTS : 1;
  }
  return Math.max(1, ...tiers.map((t) => groupByHost(t.pick).length));
}
