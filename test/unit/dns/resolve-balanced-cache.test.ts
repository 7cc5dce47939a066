/**
 * Balanced answers through the real answer path (scan → cache → resolve → encode → patch): the ring
 * of prebuilt rotations serves every healthy member first in turn, and a new snapshot version
 * (a member down, a SERVFAIL policy, a recovery) reaches the very next reply.
 */
import test from 'ava';
import { Answerer } from '../../../src/dns/answer.ts';
import { Rcode } from '../../../src/dns/message.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { snapshotWith, type StateSpec } from '../../helpers/balanced-zone.ts';
import { buildQuery, parseReply, replyHeader } from '../../helpers/dns-client.ts';
import { POOL_A, POOL_B, a1, a2, a3, relayZone } from './resolve-balanced-fixtures.ts';

function setup(first: Snapshot) {
  let snapshot = first;
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger });
  const ask = (id: number, type = 1) => answerer.answer(buildQuery({ id, name: 'smtp.relay.example.com', type }), 'udp')!;
  const addresses = (reply: Buffer) => parseReply(reply).answers.map((r) => (r as unknown as { address: string }).address);
  return { ask, addresses, swap: (next: Snapshot) => (snapshot = next) };
}

test('successive queries start at every healthy member in turn; a down member leaves at the next version', (t) => {
  const zone = relayZone();
  const { ask, addresses, swap } = setup(snapshotWith(zone, {}, 1));
  const firsts = [0, 1, 2, 3, 4, 5].map((i) => addresses(ask(i))[0]);
  t.deepEqual(firsts, [a1.address, a2.address, a3.address, a1.address, a2.address, a3.address]);

  swap(snapshotWith(zone, { [a2.id]: 'down' }, 2));
  const replies = [10, 11, 12, 13].map((i) => ask(i));
  for (const reply of replies) {
    t.false(addresses(reply).includes(a2.address));
    t.is(parseReply(reply).answers[0]!.ttl, 5, 'degraded TTL');
  }
  t.deepEqual(new Set(replies.map((r) => addresses(r)[0])), new Set([a1.address, a3.address]));
});

test('a SERVFAIL lasts exactly as long as its snapshot version', (t) => {
  const zone = relayZone({ allDown: 'servfail' });
  const down: Record<string, StateSpec> = Object.fromEntries([...POOL_A, ...POOL_B].map((m) => [m.id, 'down']));
  const { ask, addresses, swap } = setup(snapshotWith(zone, down, 1));
  for (const id of [1, 2, 3]) t.like(replyHeader(ask(id)), { rcode: Rcode.SERVFAIL, aa: false, ancount: 0 });
  swap(snapshotWith(zone, { ...down, [a3.id]: 'up' }, 2));
  const reply = ask(4);
  t.like(replyHeader(reply), { rcode: Rcode.NOERROR, aa: true });
  t.deepEqual(addresses(reply), [a3.address]);
});
