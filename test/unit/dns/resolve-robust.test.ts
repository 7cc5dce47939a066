import test from 'ava';
import { Rcode, type Resolution } from '../../../src/dns/message.ts';
import { MAX_CNAME_CHAIN, resolve } from '../../../src/dns/resolve.ts';
import { RRType } from '../../../src/zone/model.ts';
import { formatRecord, snapshotOf, zoneFrom } from '../../helpers/zone-builder.ts';
import { childOnly, main, root, withChild } from './resolve-fixtures.ts';

/** A zone with a straight CNAME chain c0 → c1 → … → c<length> (which has an A). */
function chainSnapshot(length: number) {
  const lines = ['@ SOA ns hostmaster 1 7200 900 1209600 60', '@ NS ns', 'ns A 192.0.2.1', `c${length} A 192.0.2.2`];
  for (let i = 0; i < length; i++) lines.push(`c${i} CNAME c${i + 1}`);
  return snapshotOf(zoneFrom('chain.test', lines));
}

const ask = (name: string, type: number, snapshot = main, variant?: number) => resolve({ name, type, class: 1 }, snapshot, variant);

test(`a chain of exactly ${MAX_CNAME_CHAIN} CNAMEs is followed to the end`, (t) => {
  const result = ask('c0.chain.test', RRType.A, chainSnapshot(MAX_CNAME_CHAIN));
  t.is(result.rcode, Rcode.NOERROR);
  t.is(result.answer.filter((r) => r.type === RRType.CNAME).length, MAX_CNAME_CHAIN);
  t.deepEqual(result.answer.at(-1) && formatRecord(result.answer.at(-1)!), `c${MAX_CNAME_CHAIN}.chain.test. 300 A 192.0.2.2`);
});

test('a longer CNAME chain stops at the cap with NOERROR and no final data', (t) => {
  const result = ask('c0.chain.test', RRType.A, chainSnapshot(100));
  t.is(result.rcode, Rcode.NOERROR);
  t.true(result.aa);
  t.is(result.answer.length, MAX_CNAME_CHAIN);
  t.true(result.answer.every((r, i) => r.type === RRType.CNAME && r.owner === `c${i}.chain.test`));
  t.deepEqual(result.authority, []);
});

test('CNAME, NS and MX with RFC 3597 opaque RDATA do not break chasing or additional processing', (t) => {
  const snapshot = snapshotOf(
    zoneFrom('raw.test', [
      '@ SOA ns hostmaster 1 7200 900 1209600 60',
      '@ NS ns',
      'ns A 192.0.2.1',
      'alias TYPE5 \\# 1 00',
      'mx TYPE15 \\# 3 000a00',
    ]),
  );
  const alias = ask('alias.raw.test', RRType.A, snapshot);
  t.is(alias.rcode, Rcode.NOERROR);
  t.deepEqual(alias.answer.map(formatRecord), ['alias.raw.test. 300 CNAME \\# 1 00']);
  const mx = ask('mx.raw.test', RRType.MX, snapshot);
  t.deepEqual(mx.answer.map(formatRecord), ['mx.raw.test. 300 MX \\# 3 000a00']);
  t.deepEqual(mx.additional, []);
});

const oddNames = [
  '', '.', '..', 'a..b.example.com', '*', '*.example.com', '*.*.wild.example.com', 'EXAMPLE.COM', 'ExAmPlE.cOm',
  '\\000.example.com', 'bücher.example.com', 'a b.example.com', 'x.wloop.example.com', 'c0.chain.test',
  `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(49)}.example.com`,
  `${Array.from({ length: 120 }, () => 'x').join('.')}.wild.example.com`,
];
const oddTypes = [0, 1, 2, 5, 6, 15, 28, 33, 41, 43, 127, 128, 248, 249, 250, 251, 252, 253, 254, 255, 256, 32768, 65535, -1, 70000, Number.NaN, 1.5];
const oddClasses = [0, 1, 3, 254, 255, 65535];
const snapshots = [main, withChild, childOnly, root, chainSnapshot(40), snapshotOf()];

function checkShape(t: { true(v: boolean, m?: string): void }, result: Resolution, label: string): void {
  t.true(Number.isInteger(result.rcode) && result.variants === 1, `${label}: rcode/variants`);
  for (const record of [...result.answer, ...result.authority, ...result.additional]) {
    t.true(record.owner === record.owner.toLowerCase(), `${label}: owner ${record.owner} is canonical`);
  }
  if (result.rcode === Rcode.REFUSED || result.rcode === Rcode.FORMERR || result.rcode === Rcode.NOTIMP) {
    t.true(!result.aa && result.answer.length + result.authority.length + result.additional.length === 0, `${label}: refusals are empty`);
  }
  if (result.rcode === Rcode.NXDOMAIN) t.true(result.aa && result.authority.length === 1 && result.authority[0]?.type === RRType.SOA, `${label}: NXDOMAIN has one SOA`);
}

test('resolve never throws and keeps its invariants on odd names, types and classes', (t) => {
  let count = 0;
  for (const snapshot of snapshots) {
    for (const name of oddNames) {
      for (const type of oddTypes) {
        for (const qclass of oddClasses) {
          const label = `${JSON.stringify(name)} type ${type} class ${qclass}`;
          let result: Resolution;
          try {
            result = resolve({ name, type, class: qclass }, snapshot);
          } catch (error) {
            t.fail(`${label} threw ${String(error)}`);
            continue;
          }
          checkShape(t, result, label);
          count++;
        }
      }
    }
  }
  t.is(count, snapshots.length * oddNames.length * oddTypes.length * oddClasses.length);
});

test('the answer is deterministic and independent of the variant', (t) => {
  for (const name of ['example.com', 'cmx.example.com', 'foo.wild.example.com', 'sub.example.com', 'nothere.example.com', 'www.example.com']) {
    for (const type of [RRType.A, RRType.MX, RRType.NS, RRType.ANY, RRType.AAAA]) {
      const first = ask(name, type);
      t.deepEqual(ask(name, type), first);
      t.deepEqual(ask(name, type, main, 5), first);
      t.is(first.variants, 1);
    }
  }
});

test('results share no mutable arrays between calls', (t) => {
  const first = ask('example.com', RRType.MX);
  first.answer.length = 0;
  first.additional.push(first.additional[0]!);
  const second = ask('example.com', RRType.MX);
  t.is(second.answer.length, 2);
  t.is(second.additional.length, 2);
});

test('a question name in mixed case gets canonical owners, also for wildcard synthesis', (t) => {
  const result = ask('FOO.Wild.Example.COM', RRType.A);
  t.deepEqual(result.answer.map((r) => r.owner), ['foo.wild.example.com']);
  const chased = ask('WWW.example.com', RRType.A);
  t.deepEqual(chased.answer.map((r) => r.owner), ['www.example.com', 'mail.example.com']);
});

test('an empty snapshot refuses everything', (t) => {
  t.deepEqual(resolve({ name: 'example.com', type: RRType.A, class: 1 }, snapshotOf()), {
    rcode: Rcode.REFUSED, aa: false, answer: [], authority: [], additional: [], variants: 1,
  });
});
