/**
 * Client views and EDNS Client Subnet through the real server (`mxlb serve`): dig from several
 * loopback source addresses (-b 127.0.0.x) and with +subnet, each view gets its pools, the ECS
 * scope is as specified (RFC 7871 §7.2.1), and under a mixed load of 10,000 queries from different
 * sources and subnets no view's answer leaks to another through the answer cache.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';
import test from 'ava';
import { dig } from '../helpers/dig.ts';
import { buildQuery, parseReply } from '../helpers/dns-client.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';

// Members sit on loopback ports nobody listens on: before the first verdict they are usable, after
// it down and served fail-open (the first tier of the view): the same set either way.
const ZONE = `
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
  ns1 300 IN A 127.0.0.1
probe: {interval: 1h}
views:
  dc-east: [10.1.0.0/16, 127.0.0.2/32]
  dc-west: [10.2.0.0/16, 127.0.0.3/32]
pools:
  east: {members: [{name: e1, address: 127.0.0.21, port: 9}]}
  west: {members: [{name: w1, address: 127.0.0.31, port: 9}]}
names:
  smtp:
    tiers: [[east, west]]
    views:
      dc-east: {tiers: [[east], [west]]}
      dc-west: {tiers: [[west], [east]]}
  plain:
    tiers: [east]
`;

let mxlb: MxlbProcess;
let dir: string;
let port: number;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxlb-views-'));
  writeFileSync(join(dir, 'relay.example.com.yaml'), ZONE);
  mxlb = await startMxlb(['--zones', dir, '--state-file', ''], { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '', MXLB_REDIS: '' }, timeoutMs: 30_000 });
  port = mxlb.dns[0]!.port;
});
test.after.always(async () => {
  await mxlb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const EAST = ['127.0.0.21'];
const WEST = ['127.0.0.31'];
const BOTH = ['127.0.0.21', '127.0.0.31'];

/** The ECS line dig prints (`; CLIENT-SUBNET: 10.2.7.0/24/16`): source/scope, or undefined. */
function subnetLine(stdout: string): string | undefined {
  return /CLIENT-SUBNET: (\S+)/.exec(stdout)?.[1];
}

const cases: Array<[string, string[], string[], string | undefined]> = [
  ['from 127.0.0.2 (dc-east)', ['-b', '127.0.0.2'], EAST, undefined],
  ['from 127.0.0.3 (dc-west)', ['-b', '127.0.0.3'], WEST, undefined],
  ['from 127.0.0.9 (no view)', ['-b', '127.0.0.9'], BOTH, undefined],
  ['ECS in dc-west from a dc-east source', ['-b', '127.0.0.2', '+subnet=10.2.7.0/24'], WEST, '10.2.7.0/24/16'],
  ['ECS /32 cut to /24', ['-b', '127.0.0.9', '+subnet=10.1.7.9/32'], EAST, '10.1.7.9/32/16'],
  ['ECS in no view: scope = the prefix used', ['-b', '127.0.0.2', '+subnet=10.9.9.0/24'], BOTH, '10.9.9.0/24/24'],
  ['ECS /0: the default view, scope 0', ['-b', '127.0.0.2', '+subnet=0.0.0.0/0'], BOTH, '0.0.0.0/0/0'],
];

for (const [what, args, want, ecs] of cases) {
  test.serial(`dig ${what}`, async (t) => {
    const reply = await dig('127.0.0.1', port, ['smtp.relay.example.com', 'A', ...args]);
    t.is(reply.status, 'NOERROR');
    t.deepEqual(reply.answer.map((r) => r[4]).sort(), want);
    t.is(subnetLine(reply.stdout), ecs);
  });
}

test.serial('dig +subnet on a name without views: scope 0', async (t) => {
  const reply = await dig('127.0.0.1', port, ['plain.relay.example.com', 'A', '-b', '127.0.0.3', '+subnet=10.2.7.0/24']);
  t.deepEqual(reply.answer.map((r) => r[4]), EAST);
  t.is(subnetLine(reply.stdout), '10.2.7.0/24/0');
});

test.serial('a malformed ECS option (bits past the prefix) is FORMERR', async (t) => {
  const options = Buffer.from([0, 8, 0, 7, 0, 1, 20, 0, 10, 1, 0xf1]);
  const replies = await exchange([{ source: '127.0.0.2', query: buildQuery({ id: 0, name: 'smtp.relay.example.com', edns: { options } }) }]);
  t.is(replies[0]![3]! & 0x0f, 1);
});

/** Sends each query from its source address (one socket per source) and collects the replies by ID. */
async function exchange(queries: Array<{ source: string; query: Buffer }>, timeoutMs = 20_000): Promise<Buffer[]> {
  const sockets = new Map<string, dgram.Socket>();
  const replies: Buffer[] = new Array<Buffer>(queries.length);
  let got = 0;
  try {
    for (const source of new Set(queries.map((q) => q.source))) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((done) => socket.bind({ address: source, port: 0 }, () => done()));
      sockets.set(source, socket);
    }
    return await new Promise<Buffer[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${got} of ${queries.length} replies before the deadline`)), timeoutMs);
      for (const socket of sockets.values()) {
        socket.on('message', (message) => {
          const id = message.readUInt16BE(0);
          if (replies[id] === undefined) got++;
          replies[id] = message;
          if (got === queries.length) {
            clearTimeout(timer);
            resolve(replies);
          }
        });
      }
      // Bounded windows of 200 in flight, so the kernel queues never overflow.
      let sent = 0;
      const pump = (): void => {
        while (sent < queries.length && sent - got < 200) {
          const { source, query } = queries[sent]!;
          sockets.get(source)!.send(query, port, '127.0.0.1');
          sent++;
        }
        if (sent < queries.length) setTimeout(pump, 1);
      };
      pump();
    });
  } finally {
    for (const socket of sockets.values()) socket.close();
  }
}

function ecs(a: number, b: number, c: number): Buffer {
  return Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, a, b, c]);
}

test.serial('10,000 mixed queries from three sources, with and without ECS: every reply is its own view’s', async (t) => {
  const kinds: Array<{ source: string; options?: Buffer; want: string[] }> = [
    { source: '127.0.0.2', want: EAST },
    { source: '127.0.0.3', want: WEST },
    { source: '127.0.0.9', want: BOTH },
    { source: '127.0.0.2', options: ecs(10, 2, 7), want: WEST },
    { source: '127.0.0.3', options: ecs(10, 1, 7), want: EAST },
    { source: '127.0.0.3', options: ecs(10, 9, 9), want: BOTH },
  ];
  const plan = Array.from({ length: 10_000 }, (_, i) => kinds[(i * 7 + (i >> 4)) % kinds.length]!);
  const queries = plan.map((kind, id) => ({ source: kind.source, query: buildQuery({ id, name: 'smtp.relay.example.com', ...(kind.options ? { edns: { options: kind.options } } : {}) }) }));
  const replies = await exchange(queries);
  let wrong = 0;
  for (let i = 0; i < plan.length; i++) {
    const got = parseReply(replies[i]!).answers.map((r) => (r as unknown as { address: string }).address).sort();
    if (got.join() !== plan[i]!.want.join()) wrong++;
  }
  t.is(wrong, 0);
});
