/**
 * The relay zone shared by the balanced-resolver tests.
 *
 * relay.example.com (SOA MINIMUM 60, so negative answers carry TTL 60):
 * - smtp: balanced, round-robin; tier 0 = pool a (a1 + a1v6 on host mta1, a2 on mta2, a3 on mta3),
 *   min-healthy 2; tier 1 = pool b (b1 on mtb1, b2 on mx.other.net, outside the zone). Static TXT.
 * - the apex and `mail`: MX bindings from smtp (step 10, TTL 60); `mail` has a static TXT.
 * - weighted: weighted policy, w1 weight 100, w2 weight 300.
 * - v6: one IPv6-only member, static TXT. smtp.out: balanced, no static data, below an ENT.
 * - alias → smtp, alias2 → alias, _submission._tcp SRV → smtp.
 */
import { resolve } from '../../../src/dns/resolve.ts';
import type { BalancedName } from '../../../src/pool/model.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import type { Zone } from '../../../src/zone/model.ts';
import { balancedName, balancedZone, member, mxBinding, tierOf } from '../../helpers/balanced-zone.ts';
import { formatRecord } from '../../helpers/zone-builder.ts';

export const ORIGIN = 'relay.example.com';
const host = (label: string): string => `${label}.${ORIGIN}`;

export const a1 = member('a', 'a1', '192.0.2.1', { host: host('mta1') });
export const a1v6 = member('a', 'a1v6', '2001:db8::1', { host: host('mta1') });
export const a2 = member('a', 'a2', '192.0.2.2', { host: host('mta2') });
export const a3 = member('a', 'a3', '192.0.2.3', { host: host('mta3') });
export const b1 = member('b', 'b1', '198.51.100.1', { host: host('mtb1') });
export const b2 = member('b', 'b2', '198.51.100.2', { host: 'mx.other.net' });
export const w1 = member('w', 'w1', '203.0.113.1', { host: host('w1'), weight: 100 });
export const w2 = member('w', 'w2', '203.0.113.2', { host: host('w2'), weight: 300 });
export const c1 = member('c', 'c1', '2001:db8::c1', { host: host('mtc1') });

export const POOL_A = [a1, a1v6, a2, a3];
export const POOL_B = [b1, b2];
export const SOA_NEG = 'relay.example.com. 60 SOA ns1.relay.example.com. hostmaster.relay.example.com. 1 7200 900 1209600 60';

export const STATIC = [
  '@ 3600 SOA ns1 hostmaster 1 7200 900 1209600 60',
  '@ NS ns1',
  'ns1 A 192.0.2.53',
  'smtp TXT "balanced"',
  'mail TXT "mail"',
  'v6 TXT "v6"',
  'alias CNAME smtp',
  'alias2 CNAME alias',
  '_submission._tcp SRV 0 5 587 smtp',
];

/** The relay zone; `smtp` takes `smtpExtra` (policy, all-down, …) and `extraStatic` adds records. */
export function relayZone(smtpExtra: Partial<BalancedName> = {}, extraStatic: string[] = []): Zone {
  const smtp = balancedName(host('smtp'), [tierOf(POOL_A, 2), tierOf(POOL_B)], smtpExtra);
  return balancedZone(
    ORIGIN,
    [...STATIC, ...extraStatic],
    [
      smtp,
      balancedName(host('weighted'), [tierOf([w1, w2])], { policy: 'weighted' }),
      balancedName(host('v6'), [tierOf([c1])]),
      balancedName(host('smtp.out'), [tierOf([a1, a3])]),
    ],
    [mxBinding(ORIGIN, host('smtp')), mxBinding(host('mail'), host('smtp'))],
  );
}

/** Everything a test asserts about one resolution, records in presentation form. */
export interface Seen {
  rcode: number;
  aa: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
  variants: number;
}

export function seen(snapshot: Snapshot, name: string, type: number, variant = 0): Seen {
  const r = resolve({ name, type, class: 1 }, snapshot, variant);
  return {
    rcode: r.rcode,
    aa: r.aa,
    answer: r.answer.map(formatRecord),
    authority: r.authority.map(formatRecord),
    additional: r.additional.map(formatRecord),
    variants: r.variants,
  };
}

/** The addresses of an A/AAAA answer, in answer order. */
export function addressesOf(snapshot: Snapshot, name: string, type: number, variant = 0): string[] {
  return resolve({ name, type, class: 1 }, snapshot, variant).answer.flatMap((r) => ('address' in r.rdata ? [r.rdata.address] : []));
}

/** `smtp.relay.example.com. 30 A 192.0.2.1` for each address. */
export function aRecords(owner: string, ttl: number, addresses: string[], type = 'A'): string[] {
  return addresses.map((address) => `${owner}. ${ttl} ${type} ${address}`);
}
