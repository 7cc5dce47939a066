/**
 * The `reputation: dnsbl:` block of YAML zones (docs/zone-format.md "reputation"): a good config
 * with defaults and a pool override, the reputation model's keys accepted and left alone, and one
 * `file:line: reason` per bad field.
 */
import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const FILE = 'zones/mail.test.yaml';
// Lines 1–3.
const HEAD = `records: |
  @ SOA ns1 hostmaster 1 1h 15m 1w 5m
  @ NS ns1
`;
// Lines 4–8 when the reputation block is in between: pools p and q.
const POOLS = `pools:
  p:
    members: [{name: mta1, address: 127.0.0.11}, {name: mta2, address: '2001:db8::25'}]
  q:
    members: [{name: mta1, address: 127.0.0.21}]
`;

const parse = (yaml: string) => parseYamlZone(yaml, { file: FILE, origin: 'mail.test' }).zone.balancing!;

test('a zone block with defaults; a pool override replaces keys and lists; model keys are accepted', (t) => {
  const b = parse(`${HEAD}reputation:
  thresholds: {bounce: {suspect: 5%, quarantine: 10%}}
  rules: default
  hold: 30m
  dnsbl:
    resolver: 127.0.0.1:5353
    confirm: 3
    lists:
      - zone: ZEN.Spamhaus.org.
        listed: [127.0.0.2, 127.0.0.3]
        daily-budget: 250000
      - zone: abcdefkey.zen.dq.spamhaus.net
pools:
  p:
    members: [{name: mta1, address: 127.0.0.11}]
  q:
    reputation:
      cool-down: 1h
      dnsbl:
        interval: 1s
        clear: 1
        resolver: '[::1]:53'
        lists: [{zone: bl.test}]
    members: [{name: mta1, address: 127.0.0.21}]
`);
  t.deepEqual(b.pools.get('p')!.reputation?.dnsbl, {
    resolver: '127.0.0.1:5353', intervalMs: 900_000, recheckMs: 30_000, timeoutMs: 2000, confirm: 3, clear: 2,
    lists: [{ zone: 'zen.spamhaus.org', listedCodes: ['127.0.0.2', '127.0.0.3'], dailyBudget: 250_000 }, { zone: 'abcdefkey.zen.dq.spamhaus.net' }],
  });
  t.deepEqual(b.pools.get('q')!.reputation?.dnsbl, { resolver: '[::1]:53', intervalMs: 1000, recheckMs: 1000, timeoutMs: 2000, confirm: 3, clear: 1, lists: [{ zone: 'bl.test' }] });
});

test('no reputation block: pools carry none; a block with model keys only: no DNSBL monitoring', (t) => {
  t.is(parse(`${HEAD}${POOLS}`).pools.get('p')!.reputation, undefined);
  t.is(parse(`${HEAD}reputation: {window: 15m}\n${POOLS}`).pools.get('p')!.reputation?.dnsbl, undefined);
});

const bad: Array<[title: string, block: string, line: number, reason: RegExp]> = [
  ['an unknown reputation key', 'reputation:\n  dnsbll: {}\n', 5, /unknown key "dnsbll" in reputation \(did you mean "dnsbl"\?\)/],
  ['an unknown dnsbl key', 'reputation:\n  dnsbl:\n    resolvers: 127.0.0.1\n', 6, /unknown key "resolvers" in reputation dnsbl \(did you mean "resolver"\?\)/],
  ['no resolver', 'reputation:\n  dnsbl:\n    lists: [{zone: bl.test}]\n', 6, /pool p reputation dnsbl has no resolver: name your own/],
  ['a resolver that is a name', 'reputation:\n  dnsbl:\n    resolver: dns.google\n    lists: [{zone: bl.test}]\n', 6, /reputation dnsbl resolver: resolver "dns.google" must be an IP address/],
  ['a resolver port out of range', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1:70000\n    lists: [{zone: bl.test}]\n', 6, /port out of range/],
  ['no lists', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n', 6, /pool p reputation dnsbl has no lists/],
  ['an empty list of lists', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists: []\n', 7, /reputation dnsbl lists is empty/],
  ['an interval under 1s', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    interval: 500ms\n    lists: [{zone: bl.test}]\n', 7, /reputation dnsbl interval 500ms is out of range \(1s–24h\)/],
  ['an interval without unit', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    interval: 15\n    lists: [{zone: bl.test}]\n', 7, /bad duration 15 for reputation dnsbl interval/],
  ['confirm 0', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    confirm: 0\n    lists: [{zone: bl.test}]\n', 7, /reputation dnsbl confirm 0 is out of range \(1–100\)/],
  ['clear not a number', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    clear: two\n    lists: [{zone: bl.test}]\n', 7, /reputation dnsbl clear must be a whole number/],
  ['a list without zone', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - listed: [127.0.0.2]\n', 8, /has no zone/],
  ['a list zone with one label', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists: [{zone: localhost}]\n', 7, /list zone "localhost" is not a domain name with at least two labels/],
  ['a list twice', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - zone: bl.test\n      - zone: BL.test.\n', 9, /list bl.test is already listed \(line 8\)/],
  ['a listed code outside 127/8', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - zone: bl.test\n        listed: [10.0.0.2]\n', 9, /"10.0.0.2" is not a return code in 127.0.0.0\/8/],
  ['a refusal code as listed', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - zone: bl.test\n        listed: [127.0.0.2, 127.255.255.254]\n', 9, /127.255.255.254 means the list refused to answer, never a listing/],
  ['a daily budget of 0', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - zone: bl.test\n        daily-budget: 0\n', 9, /list bl.test daily-budget 0 is out of range/],
  ['an unknown list key', 'reputation:\n  dnsbl:\n    resolver: 127.0.0.1\n    lists:\n      - zone: bl.test\n        budget: 5\n', 9, /unknown key "budget" in a list of reputation dnsbl lists/],
];

for (const [title, block, line, reason] of bad) {
  test(`bad: ${title} → ${FILE}:${line}`, (t) => {
    const error = t.throws(() => parse(`${HEAD}${block}${POOLS}`), { instanceOf: SourceError }) as SourceError;
    t.is(error.line, line, error.message);
    t.regex(error.reason, reason);
  });
}

test('bad: a pool override without lists where the zone has none, at the pool block', (t) => {
  const error = t.throws(() => parse(`${HEAD}pools:\n  p:\n    reputation:\n      dnsbl: {resolver: 127.0.0.1}\n    members: []\n`), { instanceOf: SourceError }) as SourceError;
  t.is(error.line, 7);
  t.regex(error.reason, /pool p reputation dnsbl has no lists/);
});
