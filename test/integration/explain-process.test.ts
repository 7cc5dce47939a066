/**
 * "/explain agrees with the answer actually served for the same query" (issue 4), shown against the
 * real `mxlb serve` probing real SMTP servers: the members explain selects are the members real
 * `dig` and UDP queries receive, every served ordering is one of the ring rotations explain lists,
 * and a stopped MTA is excluded with its reason in explain and absent on the wire. Each comparison
 * is made within one snapshot version (explain before and after the queries agree on it; a probe
 * flap in between makes the attempt start over, a bounded number of times).
 */
import test, { type ExecutionContext } from 'ava';
import type { ExplainDocument } from '../../src/http/explain-model.ts';
import { dig } from '../helpers/dig.ts';
import { startFlow, waitReady, type Flow } from '../helpers/flow-mxlb.ts';
import { ask, askMany, type FlowZoneSpec } from '../helpers/flow-zone.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'explain.test';
const SMTP = `smtp.${ORIGIN}`;
const TWO = `two.${ORIGIN}`;
const PROBE = { interval: '300ms', recheck: '100ms', rise: 2, fall: 2, timeouts: { connect: '800ms', banner: '2s', ehlo: '2s', quit: '200ms' } };

async function setup(t: ExecutionContext, octet: number): Promise<{ flow: Flow; mtas: Mta[] }> {
  const mtas = await Promise.all([1, 2, 3].map((i) => startMta({ host: `127.0.${octet}.${i}` })));
  t.teardown(() => Promise.all(mtas.map((m) => m.stop())));
  const spec: FlowZoneSpec = {
    origin: ORIGIN,
    probe: PROBE,
    pools: { primary: { members: mtas.map((m, i) => ({ name: `mta${i + 1}`, address: m.host, port: m.port })) } },
    names: { smtp: { tiers: [['primary']], ttl: 30, degradedTtl: 5 }, two: { tiers: [['primary']], max: 2 } },
    mx: { '@': 'smtp' },
  };
  // One answering worker: these tests predict the slots of one answer cache's rings. With several
  // (serve --workers), each worker has its own rings and /explain names the worker per shape
  // (test/integration/dns-workers.test.ts).
  const flow = await startFlow(t, spec, ['--state-file', '', '--workers', '1']);
  await waitReady(flow.mxlb);
  return { flow, mtas };
}

async function get(flow: Flow, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://${flow.mxlb.http.host}:${flow.mxlb.http.port}${query}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function explain(flow: Flow, name: string, type: string): Promise<ExplainDocument> {
  const { status, body } = await get(flow, `/explain?name=${encodeURIComponent(name)}&type=${type}`);
  if (status !== 200) throw new Error(`/explain answered ${status}: ${JSON.stringify(body)}`);
  return body as unknown as ExplainDocument;
}

/**
 * Runs `served` between two explains of the same question and returns both sides once the
 * snapshot version held across the queries (at most 5 attempts).
 */
async function withinOneVersion<T>(flow: Flow, name: string, type: string, served: () => Promise<T>): Promise<{ doc: ExplainDocument; seen: T }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await explain(flow, name, type);
    const seen = await served();
    const after = await explain(flow, name, type);
    if (after.snapshotVersion === doc.snapshotVersion) return { doc, seen };
  }
  throw new Error(`the snapshot kept changing while querying ${name} ${type}`);
}

/** Address of each member id, from the trace. */
const addressOf = (doc: ExplainDocument): Map<string, string> => new Map(doc.selection!.trace.members.map((m) => [m.id, m.address]));
const rotations = (doc: ExplainDocument): string[] => doc.ring.rotations.map((slot) => slot.records.join(' '));

test('explain agrees with dig and UDP answers: A with max ≥ members, A with max < members, MX', async (t) => {
  const { flow, mtas } = await setup(t, 64);
  await eventually(async () => (await explain(flow, SMTP, 'A')).selection!.trace.members.every((m) => m.state === 'up'), { timeoutMs: 15_000, what: 'all members up' });

  // A, max 8 ≥ 3 members: real dig gets exactly the members explain selects, in one of its rotations.
  const a = await withinOneVersion(flow, SMTP, 'A', () => dig(flow.dns.host, flow.dns.port, [SMTP, 'A']));
  const addresses = a.doc.members.map((id) => addressOf(a.doc).get(id));
  t.deepEqual(addresses.sort(), mtas.map((m) => m.host).sort(), 'explain selects every member');
  t.is(a.seen.status, 'NOERROR');
  t.deepEqual(a.seen.answer.map((r) => r[4]).sort(), addresses.sort(), 'dig receives the same members');
  t.true(rotations(a.doc).includes(a.seen.answer.map((r) => r[4]).join(' ')), 'in one of the rotations explain lists');
  t.true(a.seen.answer.every((r) => Number(r[1]) === a.doc.selection!.trace.ttl), 'with the TTL explain gives');
  t.is(a.doc.ring.slots, 3);

  // A, max 2 < 3 members: six queries walk the 3-slot ring twice; the orderings served are exactly the ring's.
  const two = await withinOneVersion(flow, TWO, 'A', () => askMany(flow.dns, TWO, 1, 6));
  t.is(two.doc.ring.slots, 3);
  const served = new Set(two.seen.map((answer) => answer.addresses.join(' ')));
  t.deepEqual([...served].sort(), rotations(two.doc).sort(), 'every rotation served, nothing else');
  t.true(two.seen.every((answer) => answer.addresses.length === 2));

  // MX: the exchanges and preferences dig gets are the ones explain lists.
  const mx = await withinOneVersion(flow, ORIGIN, 'MX', () => dig(flow.dns.host, flow.dns.port, [ORIGIN, 'MX']));
  t.is(mx.doc.kind, 'balanced');
  t.deepEqual(mx.seen.answer.map((r) => `${r[4]} ${r[5]}`).sort(), mx.doc.answer.map((r) => r.data).sort());
  t.true(rotations(mx.doc).includes(mx.seen.answer.map((r) => `${r[4]} ${r[5]}`).join(' ')));
});

test('explain says which rotation the next reply gets, per client shape, and the replies follow it', async (t) => {
  const { flow } = await setup(t, 69);
  await eventually(async () => (await explain(flow, SMTP, 'A')).selection!.trace.members.every((m) => m.state === 'up'), { timeoutMs: 15_000, what: 'all members up' });
  for (let attempt = 0; ; attempt++) {
    // Each attempt runs within one snapshot version; a probe flap restarts every ring (bounded retries).
    const fresh = await explain(flow, SMTP, 'A');
    const ring = rotations(fresh);
    t.is(ring.length, 3);
    const predicted: number[] = [];
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const doc = await explain(flow, SMTP, 'A');
      predicted.push(doc.ring.next.find((n) => n.shape === 'UDP without EDNS')?.slot ?? 0);
      got.push((await ask(flow.dns, SMTP, 1)).addresses.join(' '));
    }
    const viaDig = (await explain(flow, SMTP, 'A')).ring.next.find((n) => n.shape === 'UDP with EDNS (payload ≥ 1232)')?.slot ?? 0;
    const digAnswer = (await dig(flow.dns.host, flow.dns.port, [SMTP, 'A'])).answer.map((r) => r[4]).join(' ');
    const last = await explain(flow, SMTP, 'A');
    if (last.snapshotVersion !== fresh.snapshotVersion) {
      if (attempt < 4) continue;
      t.fail('the snapshot kept changing');
      break;
    }
    t.deepEqual(got, predicted.map((slot) => ring[slot]), `replies follow the predicted slots ${predicted.join(', ')}`);
    t.is(digAnswer, ring[viaDig] ?? `slot ${viaDig} is not in the ring`, 'dig (EDNS) has a ring position of its own');
    t.deepEqual(new Set(last.ring.next.map((n) => n.shape)), new Set(['UDP without EDNS', 'UDP with EDNS (payload ≥ 1232)']));
    t.regex(last.text, /\nnext {5}UDP without EDNS → #\d; UDP with EDNS \(payload ≥ 1232\) → #\d; any other client → #0\n/);
    break;
  }
});

test('a stopped MTA: explain excludes it with connect-refused, and no served answer carries it', async (t) => {
  const { flow, mtas } = await setup(t, 65);
  await eventually(async () => (await explain(flow, SMTP, 'A')).selection!.trace.members.every((m) => m.state === 'up'), { timeoutMs: 15_000, what: 'all members up' });
  await mtas[1]!.stop();
  const gone = mtas[1]!.host;
  const doc = await eventually(async () => {
    const d = await explain(flow, SMTP, 'A');
    return d.selection!.trace.members.find((m) => m.id === 'primary/mta2')?.state === 'down' && d;
  }, { timeoutMs: 15_000, what: 'primary/mta2 down in /explain' });
  const m2 = doc.selection!.trace.members.find((m) => m.id === 'primary/mta2')!;
  t.like(m2, { verdict: 'excluded', observed: 'down', why: 'down: connect-refused' });
  t.regex(doc.text, /primary\/mta2 127\.0\.65\.2 down w=100: excluded — down: connect-refused/);
  t.true(doc.selection!.trace.degraded);

  const checked = await withinOneVersion(flow, SMTP, 'A', async () => ({
    udp: await askMany(flow.dns, SMTP, 1, 10),
    dig: await dig(flow.dns.host, flow.dns.port, [SMTP, 'A']),
    mx: await ask(flow.dns, ORIGIN, 15),
  }));
  t.deepEqual(checked.doc.members, ['primary/mta1', 'primary/mta3']);
  const ring = rotations(checked.doc);
  t.is(ring.length, 2);
  for (const answer of checked.seen.udp) {
    t.false(answer.addresses.includes(gone));
    t.true(ring.includes(answer.addresses.join(' ')), `${answer.addresses.join(' ')} is a rotation explain lists`);
    t.true(answer.ttls.every((ttl) => ttl === 5), 'degraded TTL, as explain says');
  }
  t.false(checked.seen.dig.answer.some((r) => r[4] === gone));
  t.false(checked.seen.mx.additional.some((r) => r.address === gone));
  t.false(checked.seen.mx.mx.some((r) => r.exchange === `mta2.${ORIGIN}`));
});

test('a name outside the zones: REFUSED explained, and dig gets REFUSED; bad parameters get 400 with the reason', async (t) => {
  const { flow } = await setup(t, 66);
  const doc = await explain(flow, 'www.example.org', 'A');
  t.like(doc, { kind: 'refused', rcode: 'REFUSED', zone: null });
  t.regex(doc.summary, /in no zone served here \(explain\.test\.\)/);
  t.is((await dig(flow.dns.host, flow.dns.port, ['www.example.org', 'A'])).status, 'REFUSED');

  const nx = await explain(flow, `nothere.${ORIGIN}`, 'A');
  t.is(nx.rcode, 'NXDOMAIN');
  t.is((await dig(flow.dns.host, flow.dns.port, [`nothere.${ORIGIN}`, 'A'])).status, 'NXDOMAIN');

  const bad: Array<[string, RegExp]> = [
    ['/explain', /missing parameter "name"/],
    ['/explain?type=A', /missing parameter "name"/],
    [`/explain?name=${SMTP}&type=BOGUS`, /unknown type "BOGUS"/],
    [`/explain?name=${SMTP}&client=not-an-ip`, /client "not-an-ip" is not an IP address/],
    [`/explain?name=${SMTP}&qtype=A`, /unknown parameter "qtype"/],
    ['/explain?name=a..b', /empty label/],
  ];
  for (const [query, reason] of bad) {
    const { status, body } = await get(flow, query);
    t.is(status, 400, query);
    t.regex(String(body.error), reason, query);
  }
  const withClient = await get(flow, `/explain?name=${SMTP}&type=aaaa&client=2001:db8::9`);
  t.is(withClient.status, 200);
  t.like(withClient.body, { query: { name: `${SMTP}.`, type: 'AAAA', client: '2001:db8::9' }, kind: 'nodata' });
});
