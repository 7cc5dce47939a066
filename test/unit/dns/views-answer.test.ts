/**
 * Client views and EDNS Client Subnet (RFC 7871) through the real answer path (scan → cache →
 * resolve → encode → ECS echo): ECS parsing and FORMERR, each view's pools, the scope prefix
 * length, no ECS option without one in the query, and no view leaking through the cache.
 */
import test from 'ava';
import { Answerer } from '../../../src/dns/answer.ts';
import { Rcode } from '../../../src/dns/message.ts';
import { readEcs, scanQuery } from '../../../src/dns/query.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { silentLogger } from '../../../src/log.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { buildQuery, parseReply, replyHeader } from '../../helpers/dns-client.ts';

/** ECS option bytes: FAMILY, SOURCE, SCOPE, ADDRESS as given. */
function ecsOption(family: number, source: number, address: number[], scope = 0): Buffer {
  const body = Buffer.from([family >> 8, family & 0xff, source, scope, ...address]);
  return Buffer.concat([Buffer.from([0, 8, body.length >> 8, body.length & 0xff]), body]);
}

const ecsCases: Array<[string, Buffer, string | RegExp]> = [
  ['IPv4 /24', ecsOption(1, 24, [10, 1, 2]), 'ok'],
  ['IPv4 /0 without address', ecsOption(1, 0, []), 'ok'],
  ['IPv6 /56', ecsOption(2, 56, [0x20, 1, 0xd, 0xb8, 0, 1, 0]), 'ok'],
  ['IPv4 /20, low nibble zero', ecsOption(1, 20, [10, 1, 0xf0]), 'ok'],
  ['unknown FAMILY 3', ecsOption(3, 0, []), /FAMILY 3/],
  ['SOURCE /33 for IPv4', ecsOption(1, 33, [10, 1, 2, 3, 0]), /beyond IPv4/],
  ['SOURCE /129 for IPv6', ecsOption(2, 129, new Array<number>(17).fill(0)), /beyond IPv6/],
  ['too many ADDRESS octets', ecsOption(1, 16, [10, 1, 2]), /3 octets, not 2/],
  ['too few ADDRESS octets', ecsOption(1, 24, [10, 1]), /2 octets, not 3/],
  ['bits set past the prefix', ecsOption(1, 20, [10, 1, 0xf1]), /bits set past \/20/],
  ['two ECS options', Buffer.concat([ecsOption(1, 24, [10, 1, 2]), ecsOption(1, 24, [10, 1, 2])]), /more than one/],
  ['option shorter than 4', Buffer.from([0, 8, 0, 2, 0, 1]), /shorter than 4/],
];

for (const [what, options, want] of ecsCases) {
  test(`ECS option: ${what}`, (t) => {
    const got = readEcs(options, 0, options.length);
    if (want === 'ok') t.true(got !== undefined && typeof got !== 'string');
    else t.regex(String(got), want as RegExp);
    const scan = scanQuery(buildQuery({ name: 'smtp.relay.example.com', edns: { options } }));
    t.is(scan.outcome, want === 'ok' ? 'query' : 'formerr');
  });
}

const YAML = `
origin: relay.example.com
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
  ns1 300 IN A 192.0.2.53
views:
  dc-east: [10.1.0.0/16, 127.0.0.2/32]
  dc-west: [10.2.0.0/16, 127.0.0.3/32]
pools:
  east: { members: [{name: e1, address: 192.0.2.1}] }
  west: { members: [{name: w1, address: 198.51.100.1}] }
names:
  smtp:
    tiers: [[east, west]]
    views:
      dc-east: { tiers: [[east], [west]] }
      dc-west: { tiers: [[west], [east]] }
  plain:
    tiers: [east]
`;

function setup(yaml = YAML) {
  const { zone } = parseYamlZone(yaml, { file: 'relay.example.com.yaml' });
  const snapshot = snapshotWith(zone, {}, 1);
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger });
  const ask = (opts: { source?: string; options?: Buffer; name?: string; edns?: boolean }) => {
    const query = buildQuery({ id: 7, name: opts.name ?? 'smtp.relay.example.com', ...(opts.options || opts.edns ? { edns: { options: opts.options ?? Buffer.alloc(0) } } : {}) });
    return answerer.answer(query, 'udp', opts.source)!;
  };
  return { ask, answerer };
}

const addresses = (reply: Buffer) => parseReply(reply).answers.map((r) => (r as unknown as { address: string }).address).sort();

/** The ECS option of a reply (scope and the echoed fields), or undefined. */
function replyEcs(reply: Buffer): { family: number; source: number; scope: number; address: number[] } | undefined {
  const at = reply.indexOf(Buffer.from([0, 0x29]), 12);
  // Walk to the OPT: it is the last record these replies carry; its options follow its RDLENGTH.
  const optStart = reply.lastIndexOf(Buffer.from([0, 0, 0x29]));
  if (optStart < 0 || at < 0) return undefined;
  const rdlength = reply.readUInt16BE(optStart + 9);
  let pos = optStart + 11;
  const end = pos + rdlength;
  while (pos < end) {
    const code = reply.readUInt16BE(pos);
    const length = reply.readUInt16BE(pos + 2);
    if (code === 8) return { family: reply.readUInt16BE(pos + 4), source: reply[pos + 6]!, scope: reply[pos + 7]!, address: [...reply.subarray(pos + 8, pos + 4 + length)] };
    pos += 4 + length;
  }
  return undefined;
}

const viewCases: Array<[string, { source?: string; options?: Buffer; name?: string }, string[], number | undefined]> = [
  ['source in dc-east, no ECS', { source: '127.0.0.2' }, ['192.0.2.1'], undefined],
  ['source in dc-west, no ECS', { source: '127.0.0.3' }, ['198.51.100.1'], undefined],
  ['source in no view: the name itself', { source: '127.0.0.9' }, ['192.0.2.1', '198.51.100.1'], undefined],
  ['ECS in dc-west wins over a dc-east source', { source: '127.0.0.2', options: ecsOption(1, 24, [10, 2, 7]) }, ['198.51.100.1'], 16],
  ['ECS /32 is cut to /24 before matching', { source: '127.0.0.9', options: ecsOption(1, 32, [10, 1, 7, 9]) }, ['192.0.2.1'], 16],
  ['ECS in no view: scope is the source prefix used', { source: '127.0.0.2', options: ecsOption(1, 24, [10, 9, 9]) }, ['192.0.2.1', '198.51.100.1'], 24],
  ['ECS /0: no subnet, the default view, scope 0', { source: '127.0.0.2', options: ecsOption(1, 0, []) }, ['192.0.2.1', '198.51.100.1'], 0],
  ['a name without views: scope 0', { source: '127.0.0.2', options: ecsOption(1, 24, [10, 2, 7]), name: 'plain.relay.example.com' }, ['192.0.2.1'], 0],
];

for (const [what, opts, want, scope] of viewCases) {
  test(`views: ${what}`, (t) => {
    const { ask } = setup();
    const reply = ask(opts);
    t.is(replyHeader(reply).rcode, Rcode.NOERROR);
    t.deepEqual(addresses(reply), want);
    const ecs = replyEcs(reply);
    if (scope === undefined) t.is(ecs, undefined, 'no ECS option in a reply to a query without one');
    else {
      t.is(ecs?.scope, scope);
      // RFC 7871 §7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS are copied from the query.
      const sent = opts.options!;
      t.deepEqual([ecs!.family, ecs!.source, ...ecs!.address], [sent.readUInt16BE(4), sent[6]!, ...sent.subarray(8)]);
    }
  });
}

test('views: without ecs: true an ECS option is ignored and never echoed (the source decides)', (t) => {
  const { ask } = setup(YAML.replace('ecs: true\n', ''));
  const reply = ask({ source: '127.0.0.3', options: ecsOption(1, 24, [10, 1, 7]) });
  t.deepEqual(addresses(reply), ['198.51.100.1']);
  t.is(replyEcs(reply), undefined);
});

test('views: a malformed ECS option is FORMERR', (t) => {
  const { ask } = setup();
  t.is(replyHeader(ask({ source: '127.0.0.2', options: ecsOption(1, 33, [10, 1, 2, 3, 0]) })).rcode, Rcode.FORMERR);
});

test('views: 10,000 mixed queries from every view, ECS or not: no view answer leaks through the cache', (t) => {
  const { ask } = setup();
  const kinds = viewCases.filter(([, opts]) => opts.name === undefined);
  let checked = 0;
  for (let i = 0; i < 10_000; i++) {
    const [what, opts, want, scope] = kinds[(i * 7 + (i >> 3)) % kinds.length]!;
    const reply = ask(opts);
    const got = addresses(reply);
    if (got.join() !== want.join()) return t.fail(`query ${i} (${what}) got ${got.join()}`);
    if (replyEcs(reply)?.scope !== scope) return t.fail(`query ${i} (${what}) got scope ${replyEcs(reply)?.scope}`);
    checked++;
  }
  t.is(checked, 10_000);
});
