import { RRType, isInOrBelow, type Name, type ResourceRecord, type RRSet, type Zone } from '../zone/index.ts';
import { balancedAddressSets } from './resolve-balanced.ts';
import { hostAddressSets, memberHosts } from './resolve-hosts.ts';
import { lookup, recordsOf, targetOf } from './resolve-lookup.ts';
import { combineAll, NOTHING_SELECTED, type Selected, type SelectionInputs } from './resolve-selection.ts';

/** Types whose RDATA names a host whose addresses help the client (RFC 1035 §3.3.9, §3.3.11; RFC 2782). */
const NEEDS_ADDRESSES: ReadonlySet<number> = new Set([RRType.NS, RRType.MX, RRType.SRV]);

/**
 * Additional-section processing (RFC 1034 §4.3.2 step 6, RFC 1035 §3.3.9/§3.3.11, RFC 2782):
 * A then AAAA of every in-zone target of the NS, MX and SRV records in `records`, in record order.
 *
 * - `glue` false (answers): only authoritative data. A target at or below a cut, outside the zone
 *   (even in another zone we serve) or an alias gets nothing (RFC 2181 §10.3: MX/NS targets must not
 *   be aliases, so CNAMEs are not chased). A target covered by a wildcard gets the synthesized
 *   addresses, owned by the target, as Knot does.
 * - `glue` true (referrals): targets at or below a cut get their exact address records — the glue
 *   (RFC 1034 §4.2.1), sibling glue included; other in-zone targets are handled as for answers.
 *
 * A target that is a balanced owner of the zone gets the addresses its A and AAAA selection gives
 * now (`inputs`, the resolution's selection inputs; without them, static data only), and a target that is
 * an in-zone member host the addresses a query for it gets now (`resolve-hosts.ts`), so additional
 * data never names a member that is down while another member there serves. An SRV target of "." (no service, RFC 2782) is skipped. No
 * RRSet is added twice, and none that `already` (the answer section) holds. The selections made
 * for balanced targets come back in `selected`.
 */
export function addressesFor(
  zone: Zone,
  records: readonly ResourceRecord[],
  already: readonly ResourceRecord[],
  glue: boolean,
  inputs?: SelectionInputs,
): { records: ResourceRecord[]; selected: Selected } {
  const seen = new Set(already.map(rrsetKey));
  const additional: ResourceRecord[] = [];
  const parts: Selected[] = [];
  for (const record of records) {
    if (!NEEDS_ADDRESSES.has(record.type)) continue;
    const target = targetOf(record.rdata);
    if (target === undefined || target === '' || !isInOrBelow(target, zone.origin)) continue;
    const found = addressSets(zone, target, glue, inputs);
    parts.push(found.selected);
    for (const set of found.sets) {
      const key = rrsetKey({ owner: target, type: set.type });
      if (seen.has(key)) continue;
      seen.add(key);
      additional.push(...recordsOf(set, target));
    }
  }
  return { records: additional, selected: combineAll(parts) };
}

function addressSets(zone: Zone, target: Name, glue: boolean, inputs: SelectionInputs | undefined): { sets: RRSet[]; selected: Selected } {
  const found = lookup(zone, target, RRType.A);
  const pool = inputs && found.kind === 'data' ? zone.balancing?.names.get(target) : undefined;
  if (inputs && pool) return balancedAddressSets(inputs, pool, target);
  const host = inputs && found.kind === 'data' ? memberHosts(zone).get(target) : undefined;
  if (inputs && host) return hostAddressSets(inputs, zone, host);
  const rrsets =
    found.kind === 'data' ? found.rrsets : found.kind === 'referral' && glue ? zone.nodes.get(target) : undefined;
  const sets: RRSet[] = [];
  for (const type of [RRType.A, RRType.AAAA]) {
    const set = rrsets?.get(type);
    if (set) sets.push(set);
  }
  return { sets, selected: NOTHING_SELECTED };
}

/** RRSets are atomic (RFC 2181 §5), so owner and type identify one in a response. */
function rrsetKey(record: { owner: Name; type: number }): string {
  return `${record.type} ${record.owner}`;
}
