/** What other folders use from reputation/: DNSBL names, answers and test points (pure), and lookups (edge). */
export { dnsblQueryName, interpretDnsbl, testPointVerdict, type DnsblAnswer, type DnsblErrorWhy, type DnsblListSpec, type DnsblResult } from './dnsbl.ts';
export { lookupDnsbl, checkDnsbl, type DnsblCheck, type DnsblLookupOptions } from './dnsbl-lookup.ts';
