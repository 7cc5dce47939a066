/**
 * Which member addresses of the served zones to look up on DNSBLs and how (pure): every member of
 * every pool that has a `reputation: dnsbl:` block, once, with its pool's settings (the DNSBL
 * monitor's input). A pool is defined by one zone only (the loader enforces it).
 */
import type { DnsblTarget } from '../reputation/index.ts';
import type { ZoneSet } from './model.ts';

export function dnsblTargets(zones: ZoneSet): DnsblTarget[] {
  const targets: DnsblTarget[] = [];
  const seen = new Set<string>();
  for (const zone of zones.zones.values()) {
    for (const pool of zone.balancing?.pools.values() ?? []) {
      const config = pool.reputation?.dnsbl;
      if (!config) continue;
      for (const member of pool.members) {
        if (seen.has(member.id)) continue;
        seen.add(member.id);
        targets.push({ memberId: member.id, address: member.address, config });
      }
    }
  }
  return targets;
}
