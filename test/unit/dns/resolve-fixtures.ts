import { formatRecord, snapshotOf, zoneFrom } from '../../helpers/zone-builder.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import type { Snapshot } from '../../../src/snapshot.ts';

/**
 * Zones shared by the resolver tests. example.com is the main one: SOA TTL 3600 with MINIMUM 60,
 * so negative answers carry TTL 60; example.net has SOA TTL 30 and MINIMUM 3600 (negative TTL 30).
 */
export const exampleCom = zoneFrom('example.com', [
  '@ 3600 SOA ns1 hostmaster 2024010101 7200 900 1209600 60',
  '@ NS ns1',
  '@ NS ns2.example.net.',
  '@ MX 10 mail',
  '@ MX 20 mx.example.net.',
  '@ A 192.0.2.1',
  '@ TXT "v=spf1"',
  'ns1 A 192.0.2.53',
  'ns1 AAAA 2001:db8::53',
  'mail A 192.0.2.25',
  'mail AAAA 2001:db8::25',
  'www CNAME mail',
  'chain CNAME www',
  'ext CNAME relay.example.net.',
  'dangling CNAME nothere',
  'loop1 CNAME loop2',
  'loop2 CNAME loop1',
  'self CNAME self',
  'tocut CNAME host.sub',
  'towild CNAME host.wild',
  'cmx CNAME mx2',
  'mx2 MX 5 mail',
  'mx2 MX 10 host.wild',
  'mx2 MX 20 mail.sub',
  'mx2 MX 30 www',
  'mx2 MX 40 mail.example.net.',
  'mx3 MX 10 mail',
  'mx3 MX 20 MAIL',
  'mx3 MX 30 ns1',
  'a.b.c A 192.0.2.3',
  '*.wild A 192.0.2.99',
  '*.wild MX 10 mail',
  'sub.wild A 192.0.2.98',
  '*.wcname CNAME mail',
  '*.wloop CNAME x.wloop',
  '*.wnx CNAME nothere2',
  'mid.*.lit A 192.0.2.44',
  'sub NS ns.sub',
  'sub NS ns1',
  'sub NS ns.other.net.',
  'ns.sub A 192.0.2.77',
  'ns.sub AAAA 2001:db8::77',
  'mail.sub A 192.0.2.79',
  'sib NS ns.sub',
  'secure NS ns1',
  'secure TYPE43 \\# 4 0001 0802',
  'srv._tcp SRV 0 5 25 mail',
  'srv._tcp SRV 1 5 25 ns1',
  'nosrv._tcp SRV 0 0 0 .',
  'ptr PTR host.example.net.',
  'unk TYPE65280 \\# 2 abcd',
  'unk TXT "u"',
  't1 TXT "t"',
  't1 MX 1 mail',
  't2 TYPE300 \\# 1 01',
  't2 TYPE65280 \\# 1 02',
]);

export const exampleNet = zoneFrom('example.net', [
  '@ 30 SOA ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 3600',
  '@ NS ns1.example.com.',
  'relay A 198.51.100.1',
]);

/** The child zone of example.com's `secure` delegation, for "which zone answers" rows. */
export const secureChild = zoneFrom('secure.example.com', [
  '@ 100 SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 50',
  '@ NS ns1.example.com.',
  '@ A 192.0.2.5',
]);

/** A zone whose apex owns a wildcard, with a cut and an empty non-terminal under it. */
export const wildTest = zoneFrom('wild.test', [
  '@ 600 SOA ns hostmaster 1 7200 900 1209600 600',
  '@ NS ns',
  'ns A 192.0.2.10',
  '* A 192.0.2.200',
  '* TXT "wild"',
  'd NS ns',
  'a.b A 192.0.2.11',
]);

export const rootZone = zoneFrom('.', [
  '@ 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400',
  '@ NS a.root-servers.net.',
  'a.root-servers.net. A 198.41.0.4',
  'com NS a.gtld-servers.net.',
  'a.gtld-servers.net. A 192.5.6.30',
]);

export const main: Snapshot = snapshotOf(exampleCom, exampleNet, wildTest);
export const withChild: Snapshot = snapshotOf(exampleCom, secureChild);
export const childOnly: Snapshot = snapshotOf(secureChild);
export const root: Snapshot = snapshotOf(rootZone);

/** Everything a row asserts about one Resolution, in presentation form. */
export interface Shape {
  rcode: number;
  aa: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
}

export function shapeOf(name: string, type: number, snapshot: Snapshot = main, qclass = 1): Shape {
  const result = resolve({ name, type, class: qclass }, snapshot);
  return {
    rcode: result.rcode,
    aa: result.aa,
    answer: result.answer.map(formatRecord),
    authority: result.authority.map(formatRecord),
    additional: result.additional.map(formatRecord),
  };
}
