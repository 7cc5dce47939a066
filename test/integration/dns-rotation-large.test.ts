/**
 * Issue 12 item 6: round-robin over 5,000 members hands every member the first place, served by
 * the real DnsServer on loopback (UDP), from a YAML zone generated here and loaded by the real
 * zone loader. Before the fix the 64-slot ring served only the first 71 members.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DnsServer } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { loadZoneFile } from '../../src/zone/index.ts';
import { buildQuery, parseReply } from '../helpers/dns-client.ts';

const MEMBERS = 5000;
const ORIGIN = 'big.example';

function zoneYaml(): string {
  const lines = [
    'records: |',
    '  $TTL 5m',
    '  @ SOA ns1 hostmaster 1 1h 15m 1w 1m',
    '    NS ns1',
    '  ns1 A 192.0.2.1',
    'pools:',
    '  big:',
    '    members:',
  ];
  for (let i = 0; i < MEMBERS; i++) lines.push(`      - {name: m${i}, address: 10.${(i >> 8) & 255}.${i & 255}.1}`);
  lines.push('names:', '  smtp:', '    tiers: [big]', '    policy: round-robin', '    max: 2', '    ttl: 30');
  return lines.join('\n') + '\n';
}

/** Sends `count` queries one after the other on one socket; resolves with the replies. Bounded by `deadlineMs`. */
function sequentialQueries(port: number, count: number, deadlineMs: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`only ${replies.length} of ${count} replies within ${deadlineMs} ms`)), deadlineMs);
    const send = (): void => socket.send(buildQuery({ id: replies.length & 0xffff, name: `smtp.${ORIGIN}`, type: 1 }), port, '127.0.0.1');
    socket.on('message', (message) => {
      replies.push(message);
      if (replies.length >= count) finish();
      else send();
    });
    socket.on('error', (error) => finish(error));
    send();
  });
}

test('round-robin over 5,000 members: 5,000 replies put every member first once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-rotation-'));
  const file = join(dir, `${ORIGIN}.yaml`);
  writeFileSync(file, zoneYaml());
  const zone = loadZoneFile(file);
  const snapshot: Snapshot = { version: 1, zones: { zones: new Map([[zone.origin, zone]]) }, members: new Map() };
  const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger });
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const [bound] = await server.listen([{ host: '127.0.0.1', port: 0 }]);
  const started = Date.now();
  const replies = await sequentialQueries(bound!.udp.port, MEMBERS + 10, 60_000);
  const firsts = new Map<string, number>();
  for (const reply of replies) {
    const packet = parseReply(reply);
    t.is(packet.answers.length, 2);
    const first = (packet.answers[0] as { address: string }).address;
    firsts.set(first, (firsts.get(first) ?? 0) + 1);
  }
  t.is(firsts.size, MEMBERS, 'every member leads at least once');
  t.true([...firsts.values()].every((n) => n <= 2), 'and none leads more than twice in 5,010 replies');
  t.log(`${replies.length} replies in ${Date.now() - started} ms`);
});
