/**
 * Differential test: Knot DNS 3.2 and mxlb serve the same master file (test/fixtures/diff/) and get
 * the same questions as the same bytes; their answers must agree on RCODE (extended too), AA, TC,
 * the echoed question, the OPT record's shape, and every section as a sorted list of normalized
 * records. Where mxlb differs from Knot on purpose, the query is not compared but mxlb's own
 * documented behaviour is asserted (last tests).
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { DnsServer } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { loadZoneFile } from '../../src/zone/index.ts';
import { COMPARED, ORIGIN, T, type DiffQuery } from '../fixtures/diff/queries.ts';
import { buildQuery, TcpDnsClient, udpExchange } from '../helpers/dns-client.ts';
import { normalizeReply, type NormalizedReply } from '../helpers/dns-normalize.ts';
import { startKnot, type RunningKnot } from '../helpers/knot.ts';
import { testNativeUdp } from '../helpers/native-udp.ts';

const ZONE_FILE = fileURLToPath(new URL('../fixtures/diff/diff.example.zone', import.meta.url));
const HOST = '127.0.0.1';

let knot: RunningKnot | undefined;
let mxlb: DnsServer | undefined;
let ports: { knot: number; mxlb: number };

test.before(async () => {
  const zone = loadZoneFile(ZONE_FILE);
  const snapshot: Snapshot = { version: 1, zones: { zones: new Map([[zone.origin, zone]]) }, members: new Map() };
  // UDP as the real server answers it: through the batched addon (test/helpers/native-udp.ts).
  const nativeUdp = testNativeUdp();
  mxlb = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger, ...(nativeUdp ? { nativeUdp } : {}) });
  const [bound] = await mxlb.listen([{ host: HOST, port: 0 }]);
  knot = await startKnot({ zones: [{ origin: ORIGIN, file: ZONE_FILE }] });
  ports = { knot: knot.port, mxlb: bound!.udp.port };
});

test.after.always(async () => {
  await Promise.all([knot?.stop(), mxlb?.close()]);
});

/** The query's name as an absolute name without the final dot ('' for the root). */
function absolute(name: string): string {
  if (name === '@') return ORIGIN;
  if (name === '.') return '';
  return name.endsWith('.') ? name.slice(0, -1) : `${name}.${ORIGIN}`;
}

function packet(query: DiffQuery, id: number): Buffer {
  return buildQuery({ id, name: absolute(query.name), type: query.type, class: query.class ?? 1, rd: false, edns: query.edns, opcode: query.opcode });
}

async function exchange(port: number, query: DiffQuery, bytes: Buffer): Promise<Buffer | null> {
  if (query.transport === 'udp') return udpExchange(HOST, port, bytes, 2000);
  const client = await TcpDnsClient.connect(HOST, port);
  try {
    client.send(bytes);
    return (await client.waitFor(1, 2000))[0] ?? null;
  } finally {
    client.close();
  }
}

const describe = (query: DiffQuery): string =>
  `${query.opcode ? `opcode ${query.opcode} ` : ''}${query.name} ${query.class === undefined ? '' : `CLASS${query.class} `}TYPE${query.type} ${query.transport}` +
  (query.edns ? ` edns(${query.edns.payload ?? 1232}${query.edns.dnssecOk ? ',do' : ''}${query.edns.version ? `,v${query.edns.version}` : ''})` : ' no-edns');

test('Knot and mxlb give the same answers to the same queries', async (t) => {
  t.true(COMPARED.length >= 30);
  const mismatches: string[] = [];
  for (const [index, query] of COMPARED.entries()) {
    const bytes = packet(query, 0x1000 + index);
    const [fromKnot, fromMxlb] = await Promise.all([exchange(ports.knot, query, bytes), exchange(ports.mxlb, query, bytes)]);
    const k = fromKnot && normalizeReply(fromKnot);
    const m = fromMxlb && normalizeReply(fromMxlb);
    if (!k || !m || JSON.stringify({ ...k, ede: [] }) !== JSON.stringify({ ...m, ede: [] })) mismatches.push(`#${index} ${describe(query)}\n${diff(k, m)}`);
  }
  t.log(`knot differential: ${COMPARED.length} queries compared, ${mismatches.length} mismatches`);
  if (mismatches.length > 0) t.fail(`answers differ (- knot, + mxlb):\n\n${mismatches.join('\n\n')}`);
  else t.pass();
});

/** Field by field, section records as set differences, so a diff shows only what differs. */
function diff(k: NormalizedReply | null, m: NormalizedReply | null): string {
  if (!k || !m) return `  knot: ${k ? 'replied' : 'no reply'}\n  mxlb: ${m ? 'replied' : 'no reply'}`;
  const lines: string[] = [];
  for (const field of ['id', 'rcode', 'aa', 'tc', 'question', 'opt', 'order'] as const) {
    const [a, b] = [String(k[field]), String(m[field])];
    if (a !== b) lines.push(`  ${field}: - ${a}`, `  ${field}: + ${b}`);
  }
  for (const section of ['answer', 'authority', 'additional'] as const) {
    for (const record of k[section]) if (!m[section].includes(record)) lines.push(`  ${section}: - ${record}`);
    for (const record of m[section]) if (!k[section].includes(record)) lines.push(`  ${section}: + ${record}`);
  }
  return lines.join('\n');
}

/**
 * Queries where mxlb answers differently from Knot on purpose (documented in src/dns/resolve.ts and
 * resolve-additional.ts): not compared above; mxlb's own behaviour is asserted instead, and the
 * difference must still exist (when Knot agrees, the query belongs in COMPARED).
 */
const FORMERR = { rcode: 1, aa: false, answer: [], authority: [], additional: [] };
const NOTIMP = { ...FORMERR, rcode: 4 };
const REFUSED = { ...FORMERR, rcode: 5 };
const DIFFERENT: Array<{ why: string; query: DiffQuery; mxlb: Partial<NormalizedReply> }> = [
  {
    why: 'an exchange below a cut gets no addresses (glue is for referrals only); Knot adds the glue',
    query: { name: 'mxsub', type: T.MX, transport: 'udp', edns: { payload: 1232 } },
    mxlb: { rcode: 0, aa: true, answer: [`mxsub.${ORIGIN}. 300 IN MX 10 ns1.sub.${ORIGIN}.`], authority: [], additional: [] },
  },
  { why: 'QCLASS ANY is REFUSED (IN data only); Knot answers from IN', query: { name: 'www', type: T.A, class: 255, transport: 'udp' }, mxlb: REFUSED },
  { why: 'CHAOS is REFUSED (no identity disclosed); Knot tells its version', query: { name: 'version.bind.', type: T.TXT, class: 3, transport: 'udp' }, mxlb: REFUSED },
  { why: 'MAILA is NOTIMP', query: { name: 'www', type: 254, transport: 'udp' }, mxlb: NOTIMP },
  { why: 'MAILB is NOTIMP', query: { name: 'www', type: 253, transport: 'udp' }, mxlb: NOTIMP },
  { why: 'meta type 128 is FORMERR (RFC 6895 §3.1)', query: { name: 'www', type: 128, transport: 'udp' }, mxlb: FORMERR },
  { why: 'TKEY as a question is FORMERR', query: { name: 'www', type: 249, transport: 'udp' }, mxlb: FORMERR },
  { why: 'TSIG as a question is FORMERR', query: { name: 'www', type: 250, transport: 'udp' }, mxlb: FORMERR },
  { why: 'OPT as a question is FORMERR', query: { name: 'www', type: 41, transport: 'udp' }, mxlb: FORMERR },
  { why: 'AXFR is REFUSED (no zone transfers)', query: { name: '@', type: 252, transport: 'tcp' }, mxlb: REFUSED },
  { why: 'AXFR over UDP is REFUSED', query: { name: '@', type: 252, transport: 'udp' }, mxlb: REFUSED },
  { why: 'IXFR is REFUSED', query: { name: '@', type: 251, transport: 'tcp' }, mxlb: REFUSED },
  { why: 'NOTIFY is NOTIMP (mxlb is no secondary); Knot says NOTAUTH', query: { name: '@', type: T.SOA, transport: 'udp', opcode: 4 }, mxlb: NOTIMP },
  { why: 'UPDATE is NOTIMP (zones change through files); Knot says NOTAUTH', query: { name: '@', type: T.SOA, transport: 'udp', opcode: 5 }, mxlb: NOTIMP },
  {
    why: 'REFUSED carries no RFC 8914 Extended DNS Error; Knot adds EDE 20 (Not Authoritative)',
    query: { name: 'example.org.', type: T.A, transport: 'udp', edns: { payload: 1232 } },
    mxlb: { ...REFUSED, opt: 'payload 1232 version 0 flags 0 options ', ede: [] },
  },
];

for (const { why, query, mxlb: expected } of DIFFERENT) {
  test(`mxlb on purpose: ${describe(query)}: ${why}`, async (t) => {
    const bytes = packet(query, 0x2000);
    const [fromKnot, fromMxlb] = await Promise.all([exchange(ports.knot, query, bytes), exchange(ports.mxlb, query, bytes)]);
    t.truthy(fromMxlb, 'mxlb did not reply');
    t.truthy(fromKnot, 'knot did not reply');
    const m = normalizeReply(fromMxlb!);
    const k = normalizeReply(fromKnot!);
    t.like(m, { id: 0x2000, question: m.question, ...expected });
    t.log(`knot: rcode ${k.rcode} aa ${k.aa} answer ${k.answer.length} authority ${k.authority.length} additional [${k.additional.join(', ')}] ede [${k.ede.join(' ')}]`);
    t.notDeepEqual(k, m, 'Knot now answers the same: move this query to COMPARED');
  });
}
