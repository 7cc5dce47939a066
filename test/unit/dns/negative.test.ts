/**
 * The flood path (src/dns/negative-index.ts, src/dns/negative.ts) against the normal path:
 * every reply the Answerer writes — from a negative template, a bare error or the cache — must
 * equal byte for byte resolve → encodeReply → patchResponse, over many names, types, classes and
 * reply shapes; and names that do not exist must leave no entry in the answer cache.
 */
import test from 'ava';
import { Answerer } from '../../../src/dns/answer.ts';
import { ServerCookies } from '../../../src/dns/cookies.ts';
import { AnswerCache, replyShape } from '../../../src/dns/cache.ts';
import { encodeReply, patchResponse } from '../../../src/dns/encode.ts';
import { classify, HASH_SLICE, HashSet30, nameHash } from '../../../src/dns/negative-index.ts';
import { scanQuery } from '../../../src/dns/query.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { buildQuery } from '../../helpers/dns-client.ts';
import { snapshotOf, zoneFrom } from '../../helpers/zone-builder.ts';
import { childOnly, main, root, withChild } from './resolve-fixtures.ts';

/** What the normal path writes for this query (no cache, no template). */
function reference(query: Buffer, snapshot: Snapshot, tcp: boolean): Buffer {
  const scan = scanQuery(query);
  const shape = replyShape(scan.edns, tcp);
  const name = nameOf(query, scan.qnameEnd);
  const resolution = resolve({ name, type: scan.qtype, class: scan.qclass }, snapshot);
  const edns = scan.edns ? { dnssecOk: scan.edns.dnssecOk } : null;
  const wire = encodeReply(query, scan.qnameEnd, scan.qtype, scan.qclass, resolution, { edns, limit: shape.limit });
  return patchResponse(wire, query, scan.qnameEnd);
}

/** The question name as the Answerer hands it to resolve (query.ts questionName). */
function nameOf(query: Buffer, qnameEnd: number): string {
  const labels: string[] = [];
  for (let pos = 12; pos < qnameEnd - 1; pos += query[pos]! + 1) {
    let label = '';
    for (const c of query.subarray(pos + 1, pos + 1 + query[pos]!)) {
      if (c === 0x2e || c === 0x5c) label += '\\' + String.fromCharCode(c);
      else if (c < 0x21 || c > 0x7e) label += '\\' + String(c).padStart(3, '0');
      else label += String.fromCharCode(c);
    }
    labels.push(label);
  }
  return labels.join('.');
}

/** A deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*';

function randomLabel(next: () => number, length: number): string {
  let label = '';
  for (let i = 0; i < length; i++) label += letters[Math.floor(next() * letters.length)];
  return label;
}

/** Names that exercise every branch: existing, ENTs, wildcards, cuts, sensitive labels, 0x20, long. */
const FIXED = [
  'example.com', 'EXAMPLE.com', 'mail.example.com', 'MaIl.ExAmPlE.cOm', 'nope.example.com', 'x.nope.example.com',
  'x.mail.example.com', 'b.c.example.com', 'c.example.com', 'zz.b.c.example.com', 'host.wild.example.com',
  'a.b.host.wild.example.com', 'sub.wild.example.com', 'x.sub.wild.example.com', 'x.lit.example.com', '*.lit.example.com',
  'mid.*.lit.example.com', 'x.mid.*.lit.example.com', 'sub.example.com', 'x.sub.example.com', 'ns.sub.example.com',
  'secure.example.com', 'x.secure.example.com', 'x.ns1.example.com', 'ns1.example.com', 'hostmaster.example.com',
  'x.hostmaster.example.com', 'X.HOSTMASTER.example.com', 'www.example.com', 'dangling.example.com', 'x.www.example.com',
  'relay.example.net', 'x.relay.example.net', 'nothing.example.net', 'x.ns1.example.com', 'example.org', 'x.example.org',
  'wild.test', 'x.wild.test', 'd.wild.test', 'x.d.wild.test', 'b.wild.test', 'x.b.wild.test', 'x.ns.wild.test', '',
  'com', 'x.com', 'net', 'a.root-servers.net', 'x.a.root-servers.net', 'x.gtld-servers.net', 'srv._tcp.example.com',
  'x._tcp.example.com', 'a\\.b.example.com',
];

const TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 43, 255, 0, 250, 253, 41, 252, 65280, 300];

function queries(next: () => number): Array<{ query: Buffer; tcp: boolean }> {
  const names = [...FIXED];
  const zones = ['example.com', 'example.net', 'wild.test', 'secure.example.com', 'b.c.example.com', 'sub.example.com', 'com', ''];
  for (let i = 0; i < 300; i++) {
    const zone = zones[Math.floor(next() * zones.length)]!;
    const labels = 1 + Math.floor(next() * 3);
    const prefix = Array.from({ length: labels }, () => randomLabel(next, 1 + Math.floor(next() * 20))).join('.');
    names.push(zone === '' ? prefix : `${prefix}.${zone}`);
  }
  // Near the 255-octet limit: NXDOMAIN that no longer fits 512 octets without EDNS (TC=1).
  names.push(`${Array.from({ length: 3 }, () => 'a'.repeat(63)).join('.')}.${'b'.repeat(40)}.example.com`);
  const out: Array<{ query: Buffer; tcp: boolean }> = [];
  for (const name of names) {
    const edns = [undefined, { payload: 512 }, { payload: 1232, dnssecOk: true }, { payload: 4096 }, { payload: 1100, dnssecOk: true }];
    for (let k = 0; k < 3; k++) {
      const type = TYPES[Math.floor(next() * TYPES.length)]!;
      const qclass = next() < 0.05 ? [3, 255, 254][Math.floor(next() * 3)]! : 1;
      const shape = edns[Math.floor(next() * edns.length)];
      const query = buildQuery({ id: Math.floor(next() * 65536), name, type, class: qclass, rd: next() < 0.5, ...(shape ? { edns: shape } : {}) });
      out.push({ query, tcp: next() < 0.2 });
    }
  }
  return out;
}

for (const [label, snapshot] of [['example zones', main], ['parent and child', withChild], ['child only', childOnly], ['root zone', root]] as const) {
  test(`every reply equals the normal path byte for byte (${label})`, (t) => {
    const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger, cache: new AnswerCache() });
    let compared = 0;
    for (const { query, tcp } of queries(random(label.length * 7919))) {
      const expected = reference(query, snapshot, tcp);
      // Twice: the first reply may be built (template, bare, fill), the second served from the cache.
      for (let round = 0; round < 2; round++) {
        const got = answerer.answer(query, tcp ? 'tcp' : 'udp');
        if (!got || !got.equals(expected)) {
          t.fail(`${nameOf(query, scanQuery(query).qnameEnd)} type ${scanQuery(query).qtype} class ${scanQuery(query).qclass} tcp ${tcp} round ${round}: ${got?.toString('hex')} ≠ ${expected.toString('hex')}`);
          return;
        }
        compared++;
      }
    }
    t.true(compared > 1000);
  });
}

test('a flood of unique non-existent names leaves no entry in the answer cache', (t) => {
  const cache = new AnswerCache();
  const answerer = new Answerer({ getSnapshot: () => main, resolve, logger: silentLogger, cache });
  const next = random(42);
  for (let i = 0; i < 2000; i++) {
    const name = `${randomLabel(next, 12)}.${['example.com', 'example.net', 'wild.test', 'example.org'][i % 4]}`;
    const reply = answerer.answer(buildQuery({ id: i, name, type: 1 }), 'udp');
    t.truthy(reply);
  }
  // wild.test has an apex wildcard: those names exist (synthesized) and are cached like any answer.
  t.is(cache.size, 500);
});

test('classify: REFUSED outside the zones, NXDOMAIN below the origin, fallback where the resolver must decide', (t) => {
  const kind = (name: string, type = 1, qclass = 1): string => {
    const query = buildQuery({ name, type, class: qclass });
    const found = classify(query, scanQuery(query).qnameEnd, type, qclass, main.zones);
    return found.kind === 'bare' ? `bare ${found.rcode}` : found.kind;
  };
  t.is(kind('x.example.org'), 'bare 5');
  t.is(kind('x.example.com', 1, 3), 'bare 5');
  t.is(kind('x.example.com', 250), 'bare 1');
  t.is(kind('x.example.com', 0), 'bare 4');
  t.is(kind('x.example.com'), 'nxdomain');
  t.is(kind('X.Nope.EXAMPLE.com'), 'nxdomain');
  t.is(kind('mail.example.com'), 'fallback', 'exists');
  t.is(kind('zz.b.c.example.com'), 'nxdomain', 'below an empty non-terminal');
  t.is(kind('x.sub.example.com'), 'fallback', 'below a cut');
  t.is(kind('a.host.wild.example.com'), 'fallback', 'under a wildcard');
  t.is(kind('x.example.com', 43), 'fallback', 'DS');
  t.is(kind('a\\.b.example.com'), 'fallback', 'escaped label');
});

test('nameHash: the text form hashes like the wire form the classifier reads', (t) => {
  const zone = zoneFrom('relay.test', ['@ 60 SOA ns hostmaster 1 60 60 60 60', '@ NS ns', 'ns A 192.0.2.1', 'deep.er.name A 192.0.2.2']);
  const snapshot = snapshotOf(zone);
  for (const name of ['relay.test', 'ns.relay.test', 'er.name.relay.test', 'name.relay.test']) {
    const query = buildQuery({ name: name.toUpperCase() });
    t.is(classify(query, scanQuery(query).qnameEnd, 1, 1, snapshot.zones).kind, 'fallback', name);
  }
  t.not(nameHash('a.b'), nameHash('ab'));
  t.not(nameHash('a.b'), nameHash('b.a'));
});

test('with DNS cookies, flood replies carry the cookie exactly as the full path writes it', (t) => {
  const clock = () => 1_700_000_000_000;
  const cookies = () => new ServerCookies({ secrets: ['000102030405060708090a0b0c0d0e0f'] }, clock);
  const quick = new Answerer({ getSnapshot: () => main, resolve, logger: silentLogger, cookies: cookies() });
  // Another resolver function switches the flood path off: every reply goes resolve → encode.
  const full = new Answerer({ getSnapshot: () => main, resolve: (...args) => resolve(...args), logger: silentLogger, cookies: cookies() });
  const cookieOption = Buffer.from('000a0008' + '0102030405060708', 'hex');
  let compared = 0;
  for (const name of ['x.example.com', 'a.b.nope.example.com', 'x.example.org', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.com`]) {
    for (const payload of [512, 1232]) {
      const query = buildQuery({ id: 7, name, edns: { payload, options: cookieOption } });
      const expected = full.answer(query, 'udp', '127.0.0.1');
      t.truthy(expected);
      t.deepEqual(quick.answer(query, 'udp', '127.0.0.1'), expected, `${name} payload ${payload}`);
      compared++;
    }
  }
  t.is(compared, 8);
});

test('a large zone is hashed a slice per event-loop turn; its queries take the full path until then, with the same bytes', async (t) => {
  const lines = ['@ 60 SOA ns hostmaster 1 60 60 60 60', '@ NS ns', 'ns A 192.0.2.1'];
  for (let i = 0; i < 3 * HASH_SLICE; i++) lines.push(`h${i} A 192.0.2.1`);
  const snapshot = snapshotOf(zoneFrom('large.test', lines));
  const query = buildQuery({ name: 'nope.large.test' });
  const kind = (): string => classify(query, scanQuery(query).qnameEnd, 1, 1, snapshot.zones).kind;
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger });
  t.is(kind(), 'fallback', 'not hashed yet');
  t.deepEqual(answerer.answer(query, 'udp'), reference(query, snapshot, false));
  let turns = 0;
  while (kind() !== 'nxdomain' && turns < 100) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  t.true(turns >= 2 && turns < 100, `ready after ${turns} turns`);
  const existing = buildQuery({ name: `h${3 * HASH_SLICE - 1}.large.test` });
  t.is(classify(existing, scanQuery(existing).qnameEnd, 1, 1, snapshot.zones).kind, 'fallback', 'the last name hashed too');
  t.deepEqual(answerer.answer(query, 'udp'), reference(query, snapshot, false));
});

test('HashSet30: what was added is found, including hash 0', (t) => {
  const set = new HashSet30(100);
  const next = random(7);
  const added = Array.from({ length: 100 }, () => Math.floor(next() * 0x40000000));
  for (const h of [...added, 0]) set.add(h);
  for (const h of [...added, 0]) t.true(set.has(h));
  let absent = 0;
  for (let i = 0; i < 1000; i++) if (!set.has(Math.floor(next() * 0x40000000))) absent++;
  t.true(absent > 990);
});
