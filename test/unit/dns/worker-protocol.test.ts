/**
 * The snapshot hand-over format (src/dns/worker-protocol.ts): a zone cut into pieces on the
 * control plane and put back together on the worker answers every lookup as the original does,
 * the metrics batch replays into the hub with its counts, and members lists keep their identity.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZoneFile, RRType, type Zone } from '../../../src/zone/index.ts';
import { zonePieces, ZoneAssembly } from '../../../src/dns/worker-protocol.ts';
import { applyMembers, membersUpdate } from '../../../src/dns/worker-members.ts';
import type { EffectiveState } from '../../../src/pool/index.ts';
import { BatchReplayer, MetricsBatcher } from '../../../src/dns/worker-metrics.ts';
import { DnsMetricsHub } from '../../../src/dns/metrics-hooks.ts';

function bigZone(owners: number): Zone {
  const lines = ['$ORIGIN big.test.', '$TTL 300', '@ SOA ns1 hostmaster 7 3600 600 86400 60', '@ NS ns1', 'ns1 A 192.0.2.1', 'deep.a.b TXT "x"'];
  for (let i = 0; i < owners; i++) lines.push(`h${i} A 10.0.${(i >> 8) & 255}.${i & 255}`, `h${i} MX 10 h${i}`);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-pieces-'));
  try {
    writeFileSync(join(dir, 'big.test.zone'), lines.join('\n') + '\n');
    return loadZoneFile(join(dir, 'big.test.zone'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a zone cut into pieces and reassembled has the same owners, RRsets, names and head', (t) => {
  const zone = bigZone(20_000);
  const { head, pieces } = zonePieces(zone);
  t.true(pieces.length > 2, 'several pieces');
  const assembly = new ZoneAssembly(head);
  for (const piece of pieces) assembly.add(piece);
  const back = assembly.zone();
  t.is(back.origin, zone.origin);
  t.deepEqual(back.soa, zone.soa);
  t.is(back.nodes.size, zone.nodes.size);
  t.deepEqual([...back.names].sort(), [...zone.names].sort());
  for (const owner of ['big.test', 'h0.big.test', 'h19999.big.test', 'deep.a.b.big.test']) t.deepEqual(back.nodes.get(owner), zone.nodes.get(owner), owner);
  t.true(back.names.has('a.b.big.test'), 'empty non-terminals travel');
  t.is(back.nodes.get('nope.big.test'), undefined);
  t.is(back.nodes.get('h5.big.test')?.get(RRType.MX)?.rdata.length, 1);
  t.is([...back.nodes.keys()].length, zone.nodes.size, 'iteration sees every owner');
});

test('the example zones survive the hand-over (balanced YAML zones with pools included)', (t) => {
  const zone = loadZoneFile(new URL('../../../zones/mail.example.net.yaml', import.meta.url).pathname);
  const { head, pieces } = zonePieces(zone);
  const assembly = new ZoneAssembly(head);
  for (const piece of pieces) assembly.add(piece);
  const back = assembly.zone();
  t.deepEqual(back.balancing, zone.balancing);
  t.deepEqual(new Map([...back.nodes]), new Map([...zone.nodes]));
});

test('metrics batches replay into the hub with their counts; members lists keep one identity', (t) => {
  const batcher = new MetricsBatcher();
  const served = ['p/a', 'p/b'];
  for (let i = 0; i < 5; i++) batcher.answered('udp', 0, true, 1);
  batcher.answered('tcp', 3, false, 28);
  for (let i = 0; i < 3; i++) batcher.served(served);
  batcher.dropped('udp', 'QR=1: a response');
  const hub = new DnsMetricsHub();
  const seen: string[] = [];
  const arrays = new Set<readonly string[]>();
  hub.subscribe({
    answered: (transport, rcode, hit, qtype, count) => seen.push(`answered ${transport} ${rcode} ${hit} ${qtype} ×${count}`),
    served: (members, count) => (arrays.add(members), seen.push(`served ${members.join(',')} ×${count}`)),
    dropped: (transport, reason, count) => seen.push(`dropped ${transport} ${reason} ×${count}`),
  });
  const replayer = new BatchReplayer(hub);
  replayer.replay(structuredClone(batcher.take()));
  t.deepEqual(seen.sort(), ['answered tcp 3 false 28 ×1', 'answered udp 0 true 1 ×5', 'dropped udp QR=1: a response ×1', 'served p/a,p/b ×3']);
  batcher.served(served);
  replayer.replay(structuredClone(batcher.take()));
  t.is(arrays.size, 1, 'the same list is the same array from batch to batch');
  t.deepEqual(batcher.take(), { answered: [], served: [], dropped: [] });
});

test('member states cross whole once, then only the members whose object changed and the ids that left', (t) => {
  const state = (s: EffectiveState['state']): EffectiveState => ({ state: s, observed: s === 'drained' ? 'up' : (s as EffectiveState['observed']) });
  const a = state('up');
  const b = state('down');
  const c = state('up');
  const v1 = new Map([['p/a', a], ['p/b', b], ['p/c', c]]);
  const first = membersUpdate(undefined, v1);
  t.true(first.full);
  t.is(first.set.length, 3);
  // Structured clone, as postMessage does.
  const held1 = applyMembers(new Map(), structuredClone(first));
  t.deepEqual(held1, v1);
  // p/b changes (new object), p/c leaves, p/d joins, p/a keeps its object.
  const b2 = state('up');
  const d = state('unknown');
  const v2 = new Map([['p/a', a], ['p/b', b2], ['p/d', d]]);
  const second = membersUpdate(v1, v2);
  t.false(second.full);
  t.deepEqual(second.set.map(([id]) => id).sort(), ['p/b', 'p/d']);
  t.deepEqual(second.removed, ['p/c']);
  const held2 = applyMembers(held1, structuredClone(second));
  t.deepEqual(held2, v2);
  t.not(held2, held1, 'a new map per snapshot (the MX plan memo is keyed by it)');
  t.is(held1.get('p/c')?.state, 'up', 'the previous map is left as it was');
  t.is(held2.get('p/a'), held1.get('p/a'), 'unchanged members keep their object on the worker too');
  // Nothing changed: an empty update, still a new map.
  const third = membersUpdate(v2, new Map(v2));
  t.deepEqual(third, { full: false, set: [], removed: [] });
  t.deepEqual(applyMembers(held2, third), v2);
  // Only a removal.
  const v4 = new Map(v2);
  v4.delete('p/a');
  t.deepEqual(membersUpdate(v2, v4), { full: false, set: [], removed: ['p/a'] });
});
