/**
 * Balanced answers (pure): A/AAAA at a balanced owner and MX at an MX binding, chosen by pool
 * selection (`selectMembers`, `selectMx`) from the member states in the snapshot.
 *
 * Contract: every function here is a pure function of (zone, `SelectionInputs`: snapshot version,
 * member states, variant) and returns its records with a `Selected` (rotation count, members,
 * decisions; `resolve-selection.ts`). The same inputs give the same records, so the answer cache
 * can prebuild a ring of `variants` rotations per snapshot version; a member that is down, drained
 * or quarantined in the snapshot never appears (except under the operator's fail-open `all`
 * policy, `pool/tiers.ts`). A balanced selection replaces static A/AAAA at a balanced owner and
 * static MX at a binding owner, and a host selection (`resolve-hosts.ts`) the A/AAAA of an in-zone
 * member host; every other type there is static data. A family whose members are down while the
 * other family serves gets NODATA whose SOA TTL is capped at the degraded TTL (RFC 2308 §5:
 * resolvers cache NODATA for min(SOA TTL, MINIMUM)), so senders ask again soon after it recovers.
 */
import { rotateSlice, selectMembers, selectMx, type ArmDecision, type Decision, type ViewDecision, type AddressFamily, type Selection, type BalancedName, type MemberHost, type MxBinding, type Outcome } from '../pool/index.ts';
import { RRType, type Name, type ResourceRecord, type RRSet, type Zone } from '../zone/index.ts';
import { addressData, hostAddressSet, hostAddressSets, memberHosts } from './resolve-hosts.ts';
import { recordsOf } from './resolve-lookup.ts';
import { viewOf } from './resolve-views.ts';
import { armOf } from './resolve-experiment.ts';
import { combine, combineAll, NOTHING_SELECTED, selected, type Selected, type SelectionInputs } from './resolve-selection.ts';

/** Outcome of a balanced answer: `answer` records (possibly none) plus additional, or a policy outcome. */
export interface BalancedResult {
  outcome: Outcome;
  answer: ResourceRecord[];
  additional: ResourceRecord[];
  /** For a transient NODATA (this family down, the other serving): cap on the SOA's TTL. */
  negativeTtl?: number;
  selected: Selected;
}

/** ANY where a static RRset wins after balanced types were tried: the tries still count (rotations, /explain). */
export interface StaticAfterTries {
  outcome: 'static';
  selected: Selected;
}

/**
 * The balanced answer for `qtype` at `name` (an existing, exact name of `zone`), or undefined when
 * balancing has nothing to say and the static rules apply. ANY (RFC 8482 §4.1) answers the lowest
 * type among static RRsets and balanced ones that select at least one record; undefined when a
 * static RRset wins (the caller answers it; `static` carries the selections ANY tried first, which
 * count for the rotation count and /explain) or when the owner is not balanced.
 */
export function balancedAnswer(inputs: SelectionInputs, zone: Zone, name: Name, qtype: number, rrsets: ReadonlyMap<number, RRSet> | undefined): BalancedResult | StaticAfterTries | undefined {
  const balancing = zone.balancing;
  if (!balancing) return undefined;
  if (qtype === RRType.A || qtype === RRType.AAAA) {
    const family = qtype === RRType.A ? 4 : 6;
    const balanced = balancing.names.get(name);
    if (balanced) return addressAnswer(inputs, balanced, family, name);
    const host = memberHosts(zone).get(name);
    return host && hostAnswer(inputs, zone, host, family);
  }
  if (qtype === RRType.MX) {
    const binding = balancing.mx.get(name);
    const balanced = binding && balancing.names.get(binding.balanced);
    return binding && balanced && mxAnswer(inputs, zone, binding, balanced, name);
  }
  if (qtype !== RRType.ANY) return undefined;
  const limit = lowestStatic(zone, name, rrsets)?.type ?? Infinity;
  let tried = NOTHING_SELECTED;
  for (const type of [RRType.A, RRType.MX, RRType.AAAA]) {
    if (type >= limit) break;
    const found = balancedAnswer(inputs, zone, name, type, rrsets);
    if (!found || found.outcome === 'static') continue;
    // A try that selected nobody put no member into records: only its rotation count and decision stay.
    if (found.outcome === 'answer' && found.answer.length > 0) return { ...found, selected: combine(tried, found.selected) };
    tried = combine(tried, { ...found.selected, members: [] });
  }
  return tried === NOTHING_SELECTED ? undefined : { outcome: 'static', selected: tried };
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
export function balancedAddressSets(inputs: SelectionInputs, balanced: BalancedName, owner: Name): { sets: RRSet[]; selected: Selected } {
  const both = ([4, 6] as const).map((family) => addressSet(inputs, balanced, family, owner));
  const sets = both.filter((set) => set.outcome === 'answer' && set.rrset.rdata.length > 0).map((set) => set.rrset);
  return { sets, selected: combine(...both.map((set) => set.selected)) };
}

function addressAnswer(inputs: SelectionInputs, balanced: BalancedName, family: AddressFamily, owner: Name): BalancedResult {
  const set = addressSet(inputs, balanced, family, owner);
  const result: BalancedResult = { outcome: set.outcome, answer: set.outcome === 'answer' ? recordsOf(set.rrset, owner) : [], additional: [], selected: set.selected };
  if (set.negativeTtl !== undefined) result.negativeTtl = set.negativeTtl;
  return result;
}

function hostAnswer(inputs: SelectionInputs, zone: Zone, host: MemberHost, family: AddressFamily): BalancedResult {
  const set = hostAddressSet(inputs, zone, host, family);
  const result: BalancedResult = { outcome: set.outcome, answer: recordsOf(set.rrset, host.host), additional: [], selected: set.selected };
  if (set.negativeTtl !== undefined) result.negativeTtl = set.negativeTtl;
  return result;
}

/**
 * Plans per snapshot: a rotation policy's answer for ring slot `v` is the same plan rotated by `v`
 * (`rotateSlice`), so a name with thousands of members plans once per snapshot and each reply
 * orders `max` members, instead of planning every member again for every slot beyond the answer
 * cache's ring. Keyed by the snapshot's (immutable) member map and the zone's (immutable) name.
 */
const plans = new WeakMap<object, WeakMap<BalancedName, Array<Selection | undefined>>>();

function selectionFor(inputs: SelectionInputs, balanced: BalancedName, family: AddressFamily): Selection {
  const full = () => selectMembers(balanced, inputs.states, { variant: inputs.variant, family, seed: inputs.version });
  if (inputs.explain) return full();
  let byName = plans.get(inputs.members);
  if (!byName) plans.set(inputs.members, (byName = new WeakMap()));
  let byFamily = byName.get(balanced);
  if (!byFamily) byName.set(balanced, (byFamily = []));
  let planned = byFamily[family];
  if (!planned) byFamily[family] = planned = selectMembers(balanced, inputs.states, { variant: 0, family, seed: inputs.version });
  if (planned.byWeight || planned.variants <= 1 || planned.outcome !== 'answer') return inputs.variant === 0 ? planned : full();
  return { ...planned, members: rotateSlice(planned.pick, inputs.variant, balanced.max) };
}

function addressSet(inputs: SelectionInputs, name: BalancedName, family: AddressFamily, owner: Name): { outcome: Outcome; rrset: RRSet; negativeTtl?: number; selected: Selected } {
  // Client views: the view's tiers/policy/max replace the name's; the decision says which view and why.
  const { balanced, view, arm } = variantOf(inputs, name);
  const selection = selectionFor(inputs, balanced, family);
  const decision = withVariant(selection.decision, view, arm);
  const type = family === 4 ? RRType.A : RRType.AAAA;
  const members = selection.outcome === 'answer' ? selection.members.map((m) => m.id) : [];
  const rrset = { owner, type, ttl: selection.ttl, rdata: addressData(type, selection.members) };
  const out = { outcome: selection.outcome, rrset, selected: selected(decision, selection.variants, members) };
  return selection.otherFamilyServes ? { ...out, negativeTtl: selection.ttl } : out;
}

/**
 * MX at a binding owner: one MX per selected host, preference by tier, TTL from the selection.
 * Additional: for each in-zone exchange, exactly the A then AAAA RRsets a query for the host gets
 * now (`resolve-hosts.ts`: its serving members' addresses, with the host's TTL), so the additional
 * data and the sender's own lookup of the exchange agree and never hand out a down member's address
 * while another member of the host serves.
 */
function mxAnswer(inputs: SelectionInputs, zone: Zone, binding: MxBinding, name: BalancedName, owner: Name): BalancedResult {
  const { balanced, view, arm } = variantOf(inputs, name);
  // Planned once per snapshot (the member map) unless someone reads the decisions (pool/mx.ts).
  const selection = selectMx(binding, balanced, inputs.states, { variant: inputs.variant, seed: inputs.version, ...(inputs.explain ? {} : { memo: inputs.members }) });
  const decision = withVariant(selection.decision, view, arm);
  if (selection.outcome !== 'answer') return { outcome: selection.outcome, answer: [], additional: [], selected: selected(decision, selection.variants) };
  const members = selection.records.flatMap((entry) => entry.members.map((m) => m.id));
  const answer = selection.records.map((entry): ResourceRecord => ({
    owner,
    type: RRType.MX,
    ttl: selection.ttl,
    rdata: { type: RRType.MX, preference: entry.preference, exchange: entry.exchange },
  }));
  const additional: ResourceRecord[] = [];
  const parts: Selected[] = [selected(decision, selection.variants, members)];
  for (const entry of selection.records) {
    // A then AAAA of the exchange when it is a member host of this zone (else nothing: not ours).
    const host = memberHosts(zone).get(entry.exchange);
    if (!host) continue;
    const sets = hostAddressSets(inputs, zone, host);
    for (const set of sets.sets) additional.push(...recordsOf(set, set.owner));
    parts.push(sets.selected);
  }
  return { outcome: 'answer', answer, additional, selected: combineAll(parts) };
}

/** The variant of `name` this client gets: its view's, else its experiment arm's, else the name itself. */
function variantOf(inputs: SelectionInputs, name: BalancedName): { balanced: BalancedName; view?: ViewDecision; arm?: ArmDecision } {
  const { balanced, view } = viewOf(inputs.client, name);
  const { balanced: armed, arm } = armOf(inputs, balanced, view !== undefined && view.name !== 'default');
  return { balanced: armed, ...(view ? { view } : {}), ...(arm ? { arm } : {}) };
}

function withVariant(decision: Decision, view: ViewDecision | undefined, arm: ArmDecision | undefined): Decision {
  if (!view && !arm) return decision;
  return { ...decision, ...(view ? { view } : {}), ...(arm ? { arm } : {}) };
}
