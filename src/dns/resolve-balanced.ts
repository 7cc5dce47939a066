/**
 * Balanced answers (pure): A/AAAA at a balanced owner and MX at an MX binding, chosen by pool
 * selection (`selectMembers`, `selectMx`) from the member states in the snapshot, and the seeded
 * randomness the weighted policy draws from.
 *
 * Contract: every function here is a pure function of (zone, snapshot version, member states,
 * variant). The same inputs give the same records, so the answer cache can prebuild a ring of
 * `variants` rotations per snapshot version; a member that is down, drained or quarantined in the
 * snapshot never appears (except under the operator's fail-open `all` policy, `pool/plan.ts`).
 * A balanced selection replaces static A/AAAA at a balanced owner and static MX at a binding
 * owner, and a host selection (`resolve-hosts.ts`) the A/AAAA of an in-zone member host; every
 * other type there is static data. A family whose members are down while the other family serves
 * gets NODATA whose SOA TTL is capped at the degraded TTL (RFC 2308 §5: resolvers cache NODATA for
 * min(SOA TTL, MINIMUM)), so senders ask again soon after it recovers.
 */
import {
  UNKNOWN_STATE,
  mxVariantCount,
  selectMembers,
  selectMx,
  variantCount,
  type AddressFamily,
  type BalancedName,
  type MxBinding,
  type MemberHost,
  type MxEntry,
  type Outcome,
  type SelectionTrace,
  type StateLookup,
} from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import { RRType, type Name, type ResourceRecord, type RRSet, type Zone } from '../zone/model.ts';
import { addressData, hostAddressSet, hostAddressSets, memberHosts } from './resolve-hosts.ts';
import { recordsOf } from './resolve-lookup.ts';

/** What balanced selections within one `resolve` call share. */
export interface BalancedContext {
  readonly version: number;
  /** The ring slot being built (any integer; selection takes it modulo its rotation length). */
  readonly variant: number;
  /** Snapshot member states; a member without a verdict is UNKNOWN_STATE (usable, cold start). */
  readonly states: StateLookup;
  /** Most rotations of any selection made so far (≥ 1): the resolution's `variants`. */
  variants: number;
  /** Ids of the members the selections made so far put into records, in record order (`Resolution.members`). */
  members: string[];
  /** When set, every selection made appends its trace here, in order (for /explain; off on the query path). */
  traces?: SelectionTrace[];
}

export function balancedContext(snapshot: Snapshot, variant: number): BalancedContext {
  const members = snapshot.members;
  return {
    version: snapshot.version,
    variant: Number.isFinite(variant) ? Math.floor(variant) : 0,
    states: (id) => members.get(id) ?? UNKNOWN_STATE,
    variants: 1,
    members: [],
  };
}

/** Outcome of a balanced answer: `answer` records (possibly none) plus additional, or a policy outcome. */
export interface BalancedResult {
  outcome: Outcome;
  answer: ResourceRecord[];
  additional: ResourceRecord[];
  /** For a transient NODATA (this family down, the other serving): cap on the SOA's TTL. */
  negativeTtl?: number;
}

/**
 * The balanced answer for `qtype` at `name` (an existing, exact name of `zone`), or undefined when
 * balancing has nothing to say and the static rules apply. ANY (RFC 8482 §4.1) answers the lowest
 * type among static RRsets and balanced ones that select at least one record; undefined when a
 * static RRset wins (the caller answers it) or when the owner is not balanced.
 */
export function balancedAnswer(ctx: BalancedContext, zone: Zone, name: Name, qtype: number, rrsets: ReadonlyMap<number, RRSet> | undefined): BalancedResult | undefined {
  const balancing = zone.balancing;
  if (!balancing) return undefined;
  if (qtype === RRType.A || qtype === RRType.AAAA) {
    const family = qtype === RRType.A ? 4 : 6;
    const balanced = balancing.names.get(name);
    if (balanced) return addressAnswer(ctx, balanced, family, name);
    const host = memberHosts(zone).get(name);
    return host && hostAnswer(ctx, zone, host, family);
  }
  if (qtype === RRType.MX) {
    const binding = balancing.mx.get(name);
    const balanced = binding && balancing.names.get(binding.balanced);
    return binding && balanced && mxAnswer(ctx, zone, binding, balanced, name);
  }
  if (qtype !== RRType.ANY) return undefined;
  const limit = lowestStatic(zone, name, rrsets)?.type ?? Infinity;
  for (const type of [RRType.A, RRType.MX, RRType.AAAA]) {
    if (type >= limit) break;
    const found = balancedAnswer(ctx, zone, name, type, rrsets);
    if (found?.outcome === 'answer' && found.answer.length > 0) return found;
  }
  return undefined;
}

/** RFC 8482 minimal ANY among static RRsets: the lowest type code, skipping types balancing replaces. */
export function lowestStatic(zone: Zone, name: Name, rrsets: ReadonlyMap<number, RRSet> | undefined): RRSet | undefined {
  let lowest: RRSet | undefined;
  for (const set of rrsets?.values() ?? []) {
    if (set.rdata.length === 0 || replacedByBalancing(zone, name, set.type)) continue;
    if (!lowest || set.type < lowest.type) lowest = set;
  }
  return lowest;
}

function replacedByBalancing(zone: Zone, name: Name, type: number): boolean {
  const balancing = zone.balancing;
  if (!balancing) return false;
  if (type === RRType.A || type === RRType.AAAA) return balancing.names.has(name) || memberHosts(zone).has(name);
  return type === RRType.MX && balancing.mx.has(name);
}

/**
 * A/AAAA additional data for an NS/MX/SRV target that is a balanced owner: the A then the AAAA
 * RRset that an A and an AAAA query would get now (empty when the selection has none).
 */
export function balancedAddressSets(ctx: BalancedContext, balanced: BalancedName, owner: Name): RRSet[] {
  const sets: RRSet[] = [];
  for (const family of [4, 6] as const) {
    const set = addressSet(ctx, balanced, family, owner);
    if (set.outcome === 'answer' && set.rrset.rdata.length > 0) sets.push(set.rrset);
  }
  return sets;
}

function addressAnswer(ctx: BalancedContext, balanced: BalancedName, family: AddressFamily, owner: Name): BalancedResult {
  const { outcome, rrset, negativeTtl } = addressSet(ctx, balanced, family, owner);
  const result: BalancedResult = { outcome, answer: outcome === 'answer' ? recordsOf(rrset, owner) : [], additional: [] };
  if (negativeTtl !== undefined) result.negativeTtl = negativeTtl;
  return result;
}

function hostAnswer(ctx: BalancedContext, zone: Zone, host: MemberHost, family: AddressFamily): BalancedResult {
  const { outcome, rrset, negativeTtl } = hostAddressSet(ctx, zone, host, family);
  const result: BalancedResult = { outcome, answer: recordsOf(rrset, host.host), additional: [] };
  if (negativeTtl !== undefined) result.negativeTtl = negativeTtl;
  return result;
}

function addressSet(ctx: BalancedContext, balanced: BalancedName, family: AddressFamily, owner: Name): { outcome: Outcome; rrset: RRSet; negativeTtl?: number } {
  const random = seededRandom(ctx.version, balanced.owner, family, ctx.variant);
  const phase = ringPhase(ctx.version, balanced.owner, family);
  const selection = selectMembers(balanced, ctx.states, { random, variant: ctx.variant, family, phase });
  ctx.variants = Math.max(ctx.variants, variantCount(balanced, ctx.states, family));
  const type = family === 4 ? RRType.A : RRType.AAAA;
  if (selection.outcome === 'answer') for (const member of selection.members) ctx.members.push(member.id);
  ctx.traces?.push(selection.trace);
  const rrset = { owner, type, ttl: selection.ttl, rdata: addressData(type, selection.members) };
  return selection.otherFamilyServes ? { outcome: selection.outcome, rrset, negativeTtl: selection.ttl } : { outcome: selection.outcome, rrset };
}

/**
 * MX at a binding owner: one MX per selected host, preference by tier, TTL from the selection.
 * Additional: for each in-zone exchange, exactly the A then AAAA RRsets a query for the host gets
 * now (`resolve-hosts.ts`: its serving members' addresses, with the host's TTL), so the additional
 * data and the sender's own lookup of the exchange agree and never hand out a down member's address
 * while another member of the host serves.
 */
function mxAnswer(ctx: BalancedContext, zone: Zone, binding: MxBinding, balanced: BalancedName, owner: Name): BalancedResult {
  const random = seededRandom(ctx.version, binding.owner, 0, ctx.variant);
  const selection = selectMx(binding, balanced, ctx.states, { random, variant: ctx.variant, phase: ringPhase(ctx.version, binding.owner, 0) });
  ctx.variants = Math.max(ctx.variants, mxVariantCount(balanced, ctx.states));
  ctx.traces?.push(selection.trace);
  if (selection.outcome !== 'answer') return { outcome: selection.outcome, answer: [], additional: [] };
  for (const entry of selection.records) for (const member of entry.members) ctx.members.push(member.id);
  const answer = selection.records.map((entry): ResourceRecord => ({
    owner,
    type: RRType.MX,
    ttl: selection.ttl,
    rdata: { type: RRType.MX, preference: entry.preference, exchange: entry.exchange },
  }));
  const additional: ResourceRecord[] = [];
  for (const entry of selection.records) additional.push(...exchangeAddresses(ctx, zone, entry));
  return { outcome: 'answer', answer, additional };
}

/** A then AAAA of one MX entry's exchange when it is a member host of this zone (else nothing: not ours). */
function exchangeAddresses(ctx: BalancedContext, zone: Zone, entry: MxEntry): ResourceRecord[] {
  const host = memberHosts(zone).get(entry.exchange);
  return host ? hostAddressSets(ctx, zone, host).flatMap((set) => recordsOf(set, set.owner)) : [];
}

/**
 * Uniform [0, 1) generator seeded from (snapshot version, owner, family, ring slot): the same inputs
 * always draw the same numbers (tests, and every ring slot rebuilt alike), while each slot and each
 * snapshot version draws independently. FNV-1a over the owner, murmur3's fmix32 to mix in the
 * numbers, mulberry32 to generate: small, fast, and plenty for spreading load by weight.
 */
export function seededRandom(version: number, owner: Name, family: number, variant: number): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < owner.length; i++) h = Math.imul(h ^ owner.charCodeAt(i), 0x01000193);
  h = fmix32(h ^ (version >>> 0));
  h = fmix32(h ^ (Math.floor(version / 0x1_0000_0000) >>> 0));
  h = fmix32(h ^ family);
  h = fmix32(h ^ variant);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Start of the weighted ring's systematic sample (`pool/weighted.ts` weightedRingSlot) for one
 * (snapshot version, owner, family): the same for every slot of the ring, drawn anew per version.
 * The owner gets a suffix no domain name can have, so this never replays a slot's own draws.
 */
export function ringPhase(version: number, owner: Name, family: number): number {
  return seededRandom(version, `${owner} ring-phase`, family, 0)();
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
