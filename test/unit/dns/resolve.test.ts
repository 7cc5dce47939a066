import test from 'ava';
import { Rcode } from '../../../src/dns/message.ts';
import { RRType } from '../../../src/zone/model.ts';
import { childOnly, main, root, shapeOf, withChild, type Shape } from './resolve-fixtures.ts';
import type { Snapshot } from '../../../src/snapshot.ts';

const { NOERROR, NXDOMAIN, REFUSED, FORMERR, NOTIMP } = Rcode;
const T = { ...RRType, HINFO: 13, TKEY: 249, TSIG: 250, MAILB: 253, MAILA: 254 };

const SOA = 'example.com. 60 SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 60';
const SOA_WILD = 'wild.test. 600 SOA ns.wild.test. hostmaster.wild.test. 1 7200 900 1209600 600';
const MAIL_A = 'mail.example.com. 300 A 192.0.2.25';
const MAIL_AAAA = 'mail.example.com. 300 AAAA 2001:db8::25';
const NS1_A = 'ns1.example.com. 300 A 192.0.2.53';
const NS1_AAAA = 'ns1.example.com. 300 AAAA 2001:db8::53';
const SUB_NS = ['sub.example.com. 300 NS ns.sub.example.com.', 'sub.example.com. 300 NS ns1.example.com.', 'sub.example.com. 300 NS ns.other.net.'];
const SUB_GLUE = ['ns.sub.example.com. 300 A 192.0.2.77', 'ns.sub.example.com. 300 AAAA 2001:db8::77', NS1_A, NS1_AAAA];
const SECURE_DS = 'secure.example.com. 300 DS \\# 4 00010802';

type Row = [title: string, name: string, type: number, expected: Partial<Shape>, snapshot?: Snapshot, qclass?: number];

const refused = { rcode: REFUSED, aa: false, answer: [], authority: [], additional: [] };
const positive = (answer: string[], additional: string[] = []) => ({ rcode: NOERROR, aa: true, answer, authority: [], additional });
const nodata = (answer: string[] = [], soa = SOA) => ({ rcode: NOERROR, aa: true, answer, authority: [soa], additional: [] });
const nxdomain = (answer: string[] = [], soa = SOA) => ({ rcode: NXDOMAIN, aa: true, answer, authority: [soa], additional: [] });
const referral = (authority: string[], additional: string[], answer: string[] = []) => ({ rcode: NOERROR, aa: answer.length > 0, answer, authority, additional });

const rows: Row[] = [
  // Screening: class, meta types, transfers, names outside our zones.
  ['CHAOS class is REFUSED', 'example.com', T.A, refused, main, 3],
  ['HESIOD class is REFUSED', 'example.com', T.A, refused, main, 4],
  ['QCLASS ANY is REFUSED', 'example.com', T.A, refused, main, 255],
  ['CHAOS version.bind TXT is REFUSED', 'version.bind', T.TXT, refused, main, 3],
  ['name outside every zone is REFUSED', 'example.org', T.A, refused],
  ['parent of a served zone is REFUSED', 'com', T.NS, refused],
  ['root name without a root zone is REFUSED', '', T.NS, refused],
  ['AXFR is REFUSED', 'example.com', T.AXFR, refused],
  ['IXFR is REFUSED', 'example.com', T.IXFR, refused],
  ['OPT as qtype is FORMERR', 'example.com', T.OPT, { rcode: FORMERR, aa: false, answer: [] }],
  ['TSIG as qtype is FORMERR', 'example.com', T.TSIG, { rcode: FORMERR, aa: false }],
  ['TKEY as qtype is FORMERR', 'example.com', T.TKEY, { rcode: FORMERR, aa: false }],
  ['unassigned meta type 128 is FORMERR', 'example.com', 128, { rcode: FORMERR, aa: false }],
  ['MAILB is NOTIMP', 'example.com', T.MAILB, { rcode: NOTIMP, aa: false, answer: [] }],
  ['MAILA is NOTIMP', 'example.com', T.MAILA, { rcode: NOTIMP, aa: false }],
  ['qtype 0 is NOTIMP', 'mail.example.com', 0, { rcode: NOTIMP, aa: false, answer: [] }],

  // Exact matches.
  ['A at a leaf', 'mail.example.com', T.A, positive([MAIL_A])],
  ['AAAA at a leaf', 'mail.example.com', T.AAAA, positive([MAIL_AAAA])],
  ['apex SOA keeps its own TTL in the answer', 'example.com', T.SOA, positive(['example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 60'])],
  ['apex NS adds in-zone target addresses only', 'example.com', T.NS, positive(['example.com. 300 NS ns1.example.com.', 'example.com. 300 NS ns2.example.net.'], [NS1_A, NS1_AAAA])],
  ['apex MX adds A then AAAA of in-zone exchanges', 'example.com', T.MX, positive(['example.com. 300 MX 10 mail.example.com.', 'example.com. 300 MX 20 mx.example.net.'], [MAIL_A, MAIL_AAAA])],
  ['apex TXT', 'example.com', T.TXT, positive(['example.com. 300 TXT "v=spf1"'])],
  ['PTR', 'ptr.example.com', T.PTR, positive(['ptr.example.com. 300 PTR host.example.net.'])],
  ['lookup ignores case; owners are canonical', 'MAIL.Example.COM', T.A, positive([MAIL_A])],
  ['unknown type stored as RFC 3597 data', 'unk.example.com', 65280, positive(['unk.example.com. 300 TYPE65280 \\# 2 abcd'])],

  // NODATA and NXDOMAIN (RFC 2308, RFC 8020).
  ['NODATA: name exists without the type', 'mail.example.com', T.MX, nodata()],
  ['NODATA: empty non-terminal', 'b.c.example.com', T.A, nodata()],
  ['NODATA: higher empty non-terminal', 'c.example.com', T.TXT, nodata()],
  ['NODATA: unknown type on an existing name', 'mail.example.com', 65280, nodata()],
  ['NODATA: private-use type nobody has', 'example.com', 65534, nodata()],
  ['NODATA: CNAME query at a name without CNAME', 'example.com', T.CNAME, nodata()],
  ['NXDOMAIN: SOA TTL is the MINIMUM when smaller', 'nothere.example.com', T.A, nxdomain()],
  ['NXDOMAIN: SOA TTL is the SOA TTL when smaller', 'nothere.example.net', T.A, nxdomain([], 'example.net. 30 SOA ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 3600')],
  ['NXDOMAIN below a non-existent name (RFC 8020)', 'a.nothere.example.com', T.A, nxdomain()],
  ['NXDOMAIN below an existing leaf', 'x.mail.example.com', T.A, nxdomain()],
  ['NXDOMAIN below an empty non-terminal', 'x.b.c.example.com', T.A, nxdomain()],

  // Wildcards (RFC 4592).
  ['wildcard synthesizes with the query name as owner', 'foo.wild.example.com', T.A, positive(['foo.wild.example.com. 300 A 192.0.2.99'])],
  ['wildcard covers several labels', 'a.b.wild.example.com', T.A, positive(['a.b.wild.example.com. 300 A 192.0.2.99'])],
  ['wildcard MX gets additional addresses', 'foo.wild.example.com', T.MX, positive(['foo.wild.example.com. 300 MX 10 mail.example.com.'], [MAIL_A, MAIL_AAAA])],
  ['wildcard without the type is NODATA', 'foo.wild.example.com', T.AAAA, nodata()],
  ['the wildcard name itself matches literally', '*.wild.example.com', T.A, positive(['*.wild.example.com. 300 A 192.0.2.99'])],
  ['closest encloser is the name itself: no wildcard', 'wild.example.com', T.A, nodata()],
  ['existing name blocks the wildcard', 'sub.wild.example.com', T.A, positive(['sub.wild.example.com. 300 A 192.0.2.98'])],
  ['below a name that blocks the wildcard: NXDOMAIN', 'x.sub.wild.example.com', T.A, nxdomain()],
  ['a middle * label is literal', 'mid.*.lit.example.com', T.A, positive(['mid.*.lit.example.com. 300 A 192.0.2.44'])],
  ['a middle * does not match other labels', 'mid.x.lit.example.com', T.A, nodata()],
  ['wildcard CNAME is synthesized and followed', 'foo.wcname.example.com', T.A, positive(['foo.wcname.example.com. 300 CNAME mail.example.com.', MAIL_A])],
  ['wildcard CNAME loop stops', 'a.wloop.example.com', T.A, positive(['a.wloop.example.com. 300 CNAME x.wloop.example.com.', 'x.wloop.example.com. 300 CNAME x.wloop.example.com.'])],
  ['wildcard CNAME to a missing name is NXDOMAIN', 'a.wnx.example.com', T.A, nxdomain(['a.wnx.example.com. 300 CNAME nothere2.example.com.'])],
  ['apex wildcard covers deep names', 'x.y.wild.test', T.A, positive(['x.y.wild.test. 300 A 192.0.2.200'])],
  ['apex wildcard does not reach across a cut', 'x.d.wild.test', T.A, referral(['d.wild.test. 300 NS ns.wild.test.'], ['ns.wild.test. 300 A 192.0.2.10'])],
  ['apex wildcard does not cover an empty non-terminal', 'b.wild.test', T.A, nodata([], SOA_WILD)],
  ['apex wildcard covers a sibling of the ENT', 'q.wild.test', T.TXT, positive(['q.wild.test. 300 TXT "wild"'])],

  // CNAME (RFC 1034 §4.3.2 step 3a, RFC 6604).
  ['CNAME is followed in zone', 'www.example.com', T.A, positive(['www.example.com. 300 CNAME mail.example.com.', MAIL_A])],
  ['CNAME query returns the CNAME only', 'www.example.com', T.CNAME, positive(['www.example.com. 300 CNAME mail.example.com.'])],
  ['CNAME chain of two', 'chain.example.com', T.AAAA, positive(['chain.example.com. 300 CNAME www.example.com.', 'www.example.com. 300 CNAME mail.example.com.', MAIL_AAAA])],
  ['CNAME to a missing in-zone name is NXDOMAIN (RFC 6604)', 'dangling.example.com', T.A, nxdomain(['dangling.example.com. 300 CNAME nothere.example.com.'])],
  ['CNAME to a name without the type is NODATA', 'www.example.com', T.MX, nodata(['www.example.com. 300 CNAME mail.example.com.'])],
  ['CNAME out of zone is not followed, even to a served zone', 'ext.example.com', T.A, positive(['ext.example.com. 300 CNAME relay.example.net.'])],
  ['CNAME loop of two stops with NOERROR', 'loop1.example.com', T.A, positive(['loop1.example.com. 300 CNAME loop2.example.com.', 'loop2.example.com. 300 CNAME loop1.example.com.'])],
  ['CNAME to itself stops with NOERROR', 'self.example.com', T.A, positive(['self.example.com. 300 CNAME self.example.com.'])],
  ['CNAME into a wildcard', 'towild.example.com', T.A, positive(['towild.example.com. 300 CNAME host.wild.example.com.', 'host.wild.example.com. 300 A 192.0.2.99'])],
  ['CNAME below a cut ends in a referral, still AA', 'tocut.example.com', T.A, referral(SUB_NS, SUB_GLUE, ['tocut.example.com. 300 CNAME host.sub.example.com.'])],
  ['CNAME to MX: additional only for authoritative, non-alias exchanges', 'cmx.example.com', T.MX, positive(
    ['cmx.example.com. 300 CNAME mx2.example.com.', 'mx2.example.com. 300 MX 5 mail.example.com.', 'mx2.example.com. 300 MX 10 host.wild.example.com.', 'mx2.example.com. 300 MX 20 mail.sub.example.com.', 'mx2.example.com. 300 MX 30 www.example.com.', 'mx2.example.com. 300 MX 40 mail.example.net.'],
    [MAIL_A, MAIL_AAAA, 'host.wild.example.com. 300 A 192.0.2.99'])],

  // Delegations.
  ['at a cut: referral with glue, not AA', 'sub.example.com', T.A, referral(SUB_NS, SUB_GLUE)],
  ['below a cut: referral', 'deep.host.sub.example.com', T.MX, referral(SUB_NS, SUB_GLUE)],
  ['glue owner itself: referral', 'ns.sub.example.com', T.A, referral(SUB_NS, SUB_GLUE)],
  ['NS at a cut: referral, not an answer', 'sub.example.com', T.NS, referral(SUB_NS, SUB_GLUE)],
  ['SOA at a cut: referral', 'sub.example.com', T.SOA, referral(SUB_NS, SUB_GLUE)],
  ['ANY at a cut: referral', 'sub.example.com', T.ANY, referral(SUB_NS, SUB_GLUE)],
  ['sibling glue under another cut', 'x.sib.example.com', T.A, referral(['sib.example.com. 300 NS ns.sub.example.com.'], ['ns.sub.example.com. 300 A 192.0.2.77', 'ns.sub.example.com. 300 AAAA 2001:db8::77'])],
  ['DS at a cut is answered by the parent', 'secure.example.com', T.DS, positive([SECURE_DS])],
  ['DS at a cut without DS is NODATA from the parent', 'sub.example.com', T.DS, nodata()],
  ['DS below a cut: referral', 'x.sub.example.com', T.DS, referral(SUB_NS, SUB_GLUE)],
  ['child zone served: longest zone answers', 'secure.example.com', T.A, positive(['secure.example.com. 300 A 192.0.2.5']), withChild],
  ['child zone served: DS still from the parent (RFC 4035 §3.1.4.1)', 'secure.example.com', T.DS, positive([SECURE_DS]), withChild],
  ['child zone served: DS below its apex from the child', 'x.secure.example.com', T.DS, nxdomain([], 'secure.example.com. 50 SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 50'), withChild],
  ['only the child served: DS at its apex is NODATA', 'secure.example.com', T.DS, nodata([], 'secure.example.com. 50 SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 50'), childOnly],

  // ANY (RFC 8482, as Knot 3.2: the RRSet with the lowest type code).
  ['ANY at the apex: the A RRSet', 'example.com', T.ANY, positive(['example.com. 300 A 192.0.2.1'])],
  ['ANY picks MX over TXT and adds addresses', 't1.example.com', T.ANY, positive(['t1.example.com. 300 MX 1 mail.example.com.'], [MAIL_A, MAIL_AAAA])],
  ['ANY with opaque types only: lowest code', 't2.example.com', T.ANY, positive(['t2.example.com. 300 TYPE300 \\# 1 01'])],
  ['ANY at a CNAME gives the CNAME, not followed', 'www.example.com', T.ANY, positive(['www.example.com. 300 CNAME mail.example.com.'])],
  ['ANY at a missing name is NXDOMAIN', 'nothere.example.com', T.ANY, nxdomain()],
  ['ANY at an empty non-terminal is NODATA', 'c.example.com', T.ANY, nodata()],
  ['ANY through a wildcard', 'foo.wild.example.com', T.ANY, positive(['foo.wild.example.com. 300 A 192.0.2.99'])],

  // Additional section.
  ['SRV adds target addresses in record order', 'srv._tcp.example.com', T.SRV, positive(['srv._tcp.example.com. 300 SRV 0 5 25 mail.example.com.', 'srv._tcp.example.com. 300 SRV 1 5 25 ns1.example.com.'], [MAIL_A, MAIL_AAAA, NS1_A, NS1_AAAA])],
  ['SRV target "." adds nothing', 'nosrv._tcp.example.com', T.SRV, positive(['nosrv._tcp.example.com. 300 SRV 0 0 0 .'])],
  ['one exchange twice: addresses once', 'mx3.example.com', T.MX, positive(['mx3.example.com. 300 MX 10 mail.example.com.', 'mx3.example.com. 300 MX 20 mail.example.com.', 'mx3.example.com. 300 MX 30 ns1.example.com.'], [MAIL_A, MAIL_AAAA, NS1_A, NS1_AAAA])],

  // The root zone ('').
  ['root apex SOA, owner "."', '', T.SOA, positive(['. 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400']), root],
  ['root: TLD delegation with glue', 'example.com', T.A, referral(['com. 300 NS a.gtld-servers.net.'], ['a.gtld-servers.net. 300 A 192.5.6.30']), root],
  ['root: missing TLD is NXDOMAIN', 'nosuchtld', T.A, nxdomain([], '. 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400'), root],
  ['root: NS answer with in-zone glue', '', T.NS, positive(['. 300 NS a.root-servers.net.'], ['a.root-servers.net. 300 A 198.41.0.4']), root],
];

for (const [title, name, type, expected, snapshot = main, qclass = 1] of rows) {
  test(`${title} (${name || '.'} type ${type})`, (t) => {
    const actual = shapeOf(name, type, snapshot, qclass);
    const compared = Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key as keyof Shape]]));
    t.deepEqual(compared, expected);
  });
}
