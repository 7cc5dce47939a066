import type { Decision } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import { CLASS_IN, RRType, canonicalName, findZone, isInOrBelow, type Name, type ResourceRecord, type Zone } from '../zone/index.ts';
import { Rcode, type Question, type Resolution } from './message.ts';
import { addressesFor } from './resolve-additional.ts';
import { balancedAnswer, lowestStatic, type BalancedResult } from './resolve-balanced.ts';
import { lookup, negativeSoa, recordsOf, targetOf } from './resolve-lookup.ts';
import { zoneClient, type ViewClient } from './resolve-views.ts';
import { combine, NOTHING_SELECTED, selectionInputs, type Selected, type SelectionInputs } from './resolve-selection.ts';

/**
 * Optional observer for tools that explain an answer (/explain): every pool selection `resolve`
 * makes for the question appends its decision to `decisions`, in the order made (the answer's own
 * selection first, then those of additional data). The DNS path passes none.
 */
export interface ResolveObserver {
  decisions: Decision[];
}

/** QTYPE-only and meta type codes the resolver screens (RFC 6895 §3.1, RFC 1035 §3.2.3). */
const QType = { TKEY: 249, TSIG: 250, MAILB: 253, MAILA: 254 } as const;

/**
 * Most CNAMEs followed (and put in the answer) for one question; a longer chain stops there with
 * NOERROR. Real chains are short; the cap (with the visited set) bounds the work a looping or
 * hostile zone can cause.
 */
export const MAX_CNAME_CHAIN = 16;

/**
 * The authoritative answer to one question from one snapshot (RFC 1034 §4.3.2, RFC 2308,
 * RFC 4592, RFC 6604, RFC 8020, RFC 8482).
 *
 * Contract: `resolve(question, snapshot, variant?) → Resolution`. Pure and synchronous; never
 * throws for any question (unknown types, odd names, qtype 0, looping CNAMEs all get an answer).
 * The question name is matched case-insensitively; every owner in the result is canonical (lower
 * case), and a wildcard-synthesized owner is the canonical query name. Static data has one
 * ordering: `variants` is 1 and `variant` is ignored. Header work (ID, RD, TC, OPT, opcode, QR,
 * QDCOUNT, malformed packets) belongs to the wire layer.
 *
 * Balanced names (zones with `balancing`, see `resolve-balanced.ts`): A/AAAA at a balanced owner
 * and MX at an MX-binding owner come from pool selection over `snapshot.members`, replacing any
 * static data of those types there; such owners exist even without static data. A/AAAA at an
 * in-zone member host come from the host's serving members (`resolve-hosts.ts`). A family whose
 * members are down while the other family serves is NODATA with the SOA TTL capped at the
 * degraded TTL, not the all-down policy. `variants` is the
 * largest rotation count of the selections the answer used (answer and additional), and `variant`
 * (default 0) picks the ring slot; the weighted policy draws from a PRNG seeded by (snapshot
 * version, owner, family, variant) (`pool/random.ts`), so the same inputs give the same answer.
 * Selections return their records and decisions (`resolve-selection.ts`); this folds them. Selection outcome
 * `nodata` → NODATA with SOA; `servfail` → SERVFAIL, aa clear, no records (a CNAME chain into it
 * included). A CNAME to a balanced owner is followed into the balanced answer; NS/MX/SRV targets
 * that are balanced owners get the selected addresses as additional data; ANY counts a balanced
 * set that selects at least one record as an RRset of its type.
 *
 * Screening, in this order (aa=false, empty sections):
 * - QCLASS other than IN (CHAOS, HESIOD, NONE, ANY) → REFUSED: we hold no data in any other class.
 * - QTYPE OPT, TSIG, TKEY and the unassigned 128–248 → FORMERR: RFC 6895 §3.1 makes them
 *   Meta-TYPEs, transient per-message data that cannot be asked for, so such a question is
 *   malformed (BIND answers the same). MAILA/MAILB, real QTYPEs we do not implement, and 0 (never
 *   a query type, RFC 6895 §3.1) → NOTIMP (Knot answers NOTIMP for 0 too).
 * - AXFR/IXFR → REFUSED: mxlb does no zone transfers.
 * - A name in no zone we serve → REFUSED.
 *
 * Zone choice: the longest origin containing the name wins (RFC 1034 §4.3.2 step 2), so a child
 * zone we serve answers for its own names. DS is the exception (RFC 4035 §3.1.4.1): it lives in
 * the parent, so it is looked up in the zone holding the name's parent when we serve one (so DS
 * at a cut is answered from the parent even when the child is served too, as Knot does).
 *
 * Answers (aa=true unless the first lookup was a referral):
 * - Exact match → the RRSet. NODATA (name exists without the type, empty non-terminals, unknown
 *   types) → NOERROR, SOA in authority; NXDOMAIN → the same SOA. Its TTL is min(SOA TTL, SOA
 *   MINIMUM) (RFC 2308 §3); its owner the zone origin. A name below a non-existent one is
 *   NXDOMAIN (RFC 8020). Positive answers carry no NS in authority (optional; Knot omits it too).
 * - Wildcards (RFC 4592): only when the name does not exist, only `*.<closest encloser>`, never
 *   across a cut; they synthesize answers, CNAMEs and NODATA with the query name as owner.
 * - CNAME (qtype not CNAME/ANY): the CNAME goes in the answer and its target is looked up when it is
 *   in the same zone (step 3a); rcode and authority follow the last name (RFC 6604): NXDOMAIN,
 *   NODATA with SOA, or a referral (NS + glue, aa stays set) when the target is below a cut.
 *   A target outside the zone (even in another zone we serve) ends the chain with NOERROR, as
 *   Knot does. A loop, or a chain longer than MAX_CNAME_CHAIN, ends with NOERROR and the CNAMEs
 *   so far (Knot does the same for loops); the client's resolver gives up or retries.
 * - At or below a cut (NS at a non-apex owner): a referral, NOERROR, aa=false, empty answer, the
 *   cut's NS in authority, glue in additional.
 * - ANY (RFC 8482 §4.1): one existing RRSet, the one with the lowest type code, over UDP and TCP
 *   alike: exactly what Knot 3.2 sends, so the two compare equal. A CNAME owner gives its CNAME,
 *   not followed. ANY at a cut is a referral; on a missing name NXDOMAIN; on an ENT NODATA.
 * - Additional: A/AAAA of in-zone NS/MX/SRV targets (see `addressesFor`).
 */
export function resolve(question: Question, snapshot: Snapshot, variant = 0, observe?: ResolveObserver, client?: ViewClient): Resolution {
  const qtype = question.type;
  if (question.class !== CLASS_IN) return bare(Rcode.REFUSED);
  const screened = screenType(qtype);
  if (screened !== undefined) return bare(screened);

  const qname = canonicalName(question.name);
  const zone = authorityFor(snapshot, qname, qtype);
  if (!zone) return bare(Rcode.REFUSED);
  // Static zones get no selection inputs: no selection state, and `variants` stays 1.
  // Client views match the ECS subnet in zones that honour ECS, else the source (`resolve-views.ts`).
  const inputs = zone.balancing ? selectionInputs(snapshot, variant, observe !== undefined, zoneClient(client, zone.balancing.ecs)) : undefined;
  const { resolution, selected } = answerFrom(zone, qname, qtype, inputs);
  resolution.variants = selected.variants;
  // Only members whose records made it into the reply: a selection an ANY query tried and
  // dropped, or one that ended in NODATA/SERVFAIL, selected nobody.
  if (selected.members.length > 0 && resolution.rcode === Rcode.NOERROR) resolution.members = [...new Set(selected.members)];
  observe?.decisions.push(...selected.decisions);
  if (client?.ecsSent && zone.balancing?.ecs) resolution.ecsScope = ecsScope(selected.decisions);
  const arms = selected.decisions.filter((d) => d.arm).map((d) => d.arm!.experiment);
  if (arms.length > 0 && resolution.rcode === Rcode.NOERROR) resolution.arms = [...new Set(arms)];
  return resolution;
}

/** RFC 7871 §7.2.1: the longest scope any selection of the answer needed; 0 when none depended on the subnet. */
function ecsScope(decisions: readonly Decision[]): number {
  let scope = 0;
  for (const decision of decisions) if (decision.view?.scope !== undefined && decision.view.scope > scope) scope = decision.view.scope;
  // An experiment's arm depends on the client's hashed subnet (A/B experiments, pool/experiment.ts).
  for (const decision of decisions) if (decision.arm?.via === 'ecs' && decision.arm.scope > scope) scope = decision.arm.scope;
  return scope;
}

/** The RCODE `resolve` gives a QTYPE it screens out (see its contract), or undefined for one it answers. */
export function screenType(qtype: number): number | undefined {
  if (qtype === RRType.AXFR || qtype === RRType.IXFR) return Rcode.REFUSED;
  if (qtype === 0 || qtype === QType.MAILA || qtype === QType.MAILB) return Rcode.NOTIMP;
  if (qtype === RRType.OPT || (qtype >= 128 && qtype <= QType.TSIG)) return Rcode.FORMERR;
  return undefined;
}

function authorityFor(snapshot: Snapshot, qname: Name, qtype: number): Zone | undefined {
  if (qtype === RRType.DS && qname !== '') {
    const dot = qname.indexOf('.');
    const parent = findZone(snapshot.zones, dot < 0 ? '' : qname.slice(dot + 1));
    if (parent) return parent;
  }
  return findZone(snapshot.zones, qname);
}

/** RFC 1034 §4.3.2 steps 3–6 within one zone, following in-zone CNAMEs; with the selections made. */
function answerFrom(zone: Zone, qname: Name, qtype: number, inputs: SelectionInputs | undefined): { resolution: Resolution; selected: Selected } {
  const answer: ResourceRecord[] = [];
  const visited = new Set<Name>([qname]);
  let name = qname;
  let tried = NOTHING_SELECTED;
  const done = (resolution: Resolution, more: Selected = NOTHING_SELECTED) => ({ resolution, selected: combine(tried, more) });
  // Pass `hops` looks up the name reached through `hops` CNAMEs: the loop is bounded by the cap.
  for (let hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
    const found = lookup(zone, name, qtype);
    if (found.kind === 'nxdomain') return done(result(Rcode.NXDOMAIN, answer, [negativeSoa(zone)], []));
    if (found.kind === 'referral') {
      const authority = recordsOf(found.ns, found.ns.owner);
      const glue = addressesFor(zone, authority, answer, true, inputs);
      return done({ ...result(Rcode.NOERROR, answer, authority, glue.records), aa: answer.length > 0 }, glue.selected);
    }

    const balanced = inputs && balancedAnswer(inputs, zone, name, qtype, found.rrsets);
    if (balanced?.outcome === 'static') tried = combine(tried, balanced.selected);
    else if (balanced) return done(balancedResolution(zone, answer, balanced), balanced.selected);

    const cname = found.rrsets?.get(RRType.CNAME);
    if (cname && qtype !== RRType.CNAME && qtype !== RRType.ANY) {
      if (hops === MAX_CNAME_CHAIN) break;
      answer.push(...recordsOf(cname, name));
      const target = cname.rdata[0] && targetOf(cname.rdata[0]);
      if (target === undefined || !isInOrBelow(target, zone.origin) || visited.has(target)) break;
      visited.add(target);
      name = target;
      continue;
    }

    // RFC 8482 §4.1 minimal ANY: one RRSet, the lowest type code (Knot 3.2's choice, deterministic).
    const set = qtype === RRType.ANY ? lowestStatic(zone, name, found.rrsets) : found.rrsets?.get(qtype);
    if (!set) return done(result(Rcode.NOERROR, answer, [negativeSoa(zone)], []));
    answer.push(...recordsOf(set, name));
    const additional = addressesFor(zone, answer, answer, false, inputs);
    return done(result(Rcode.NOERROR, answer, [], additional.records), additional.selected);
  }
  return done(result(Rcode.NOERROR, answer, [], []));
}

/** A balanced selection ends the chain: `answer` holds the CNAMEs that led here. */
function balancedResolution(zone: Zone, answer: ResourceRecord[], balanced: BalancedResult): Resolution {
  if (balanced.outcome === 'servfail') return bare(Rcode.SERVFAIL);
  if (balanced.outcome === 'nodata' || balanced.answer.length === 0) {
    const soa = negativeSoa(zone);
    // A family down while the other serves is transient: resolvers cache this NODATA for the SOA
    // record's TTL at most (RFC 2308 §5), so cap it at the selection's (degraded) TTL.
    if (balanced.negativeTtl !== undefined) soa.ttl = Math.min(soa.ttl, balanced.negativeTtl);
    return result(Rcode.NOERROR, answer, [soa], []);
  }
  answer.push(...balanced.answer);
  return result(Rcode.NOERROR, answer, [], balanced.additional);
}

function result(rcode: number, answer: ResourceRecord[], authority: ResourceRecord[], additional: ResourceRecord[]): Resolution {
  return { rcode, aa: true, answer, authority, additional, variants: 1 };
}

function bare(rcode: number): Resolution {
  return { rcode, aa: false, answer: [], authority: [], additional: [], variants: 1 };
}
