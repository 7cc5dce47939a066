/**
 * Answerer.ringPositions: for /explain, which rotation the next reply of each client shape gets.
 * Checked against the replies the Answerer then really sends.
 */
import test from 'ava';
import { Answerer } from '../../../src/dns/answer.ts';
import { SHAPES, questionKey, replyShape } from '../../../src/dns/cache.ts';
import { resolve } from '../../../src/dns/resolve.ts';
import { silentLogger } from '../../../src/log.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';
import { buildQuery, parseReply } from '../../helpers/dns-client.ts';
import { POOL_A, POOL_B, relayZone } from './resolve-balanced-fixtures.ts';

const SMTP = 'smtp.relay.example.com';
const snapshot = snapshotWith(relayZone(), {}, 5, [...POOL_A, ...POOL_B]);
const firstAddress = (reply: Buffer | null): string => (parseReply(reply!) as unknown as { answers: { address: string }[] }).answers[0]!.address;

test('no cached reply yet: no positions (the first reply of any shape gets slot 0)', (t) => {
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger });
  t.deepEqual(answerer.ringPositions(SMTP, 1, 1, 5), []);
});

test('positions per shape follow the replies sent, and predict the next one', (t) => {
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger });
  const plain = buildQuery({ name: SMTP, type: 1 });
  const edns = buildQuery({ name: 'SMTP.relay.example.com', type: 1, edns: { payload: 1232 } });
  const rotation = [0, 1, 2].map((v) => resolve({ name: SMTP, type: 1, class: 1 }, snapshot, v).answer[0]!.rdata);
  const addressOf = (v: number) => ('address' in rotation[v]! ? rotation[v].address : '');

  t.is(firstAddress(answerer.answer(plain, 'udp')), addressOf(0));
  t.deepEqual(answerer.ringPositions(SMTP, 1, 1, 5), [{ shape: 'UDP without EDNS', next: 1, slots: 3 }]);
  answerer.answer(plain, 'udp');
  answerer.answer(edns, 'udp');
  t.deepEqual(answerer.ringPositions('Smtp.Relay.Example.Com.', 1, 1, 5), [
    { shape: 'UDP without EDNS', next: 2, slots: 3 },
    { shape: 'UDP with EDNS (payload ≥ 1232)', next: 1, slots: 3 },
  ]);
  t.is(firstAddress(answerer.answer(plain, 'udp')), addressOf(2), 'the predicted slot is the one sent');
  t.deepEqual(answerer.ringPositions(SMTP, 1, 1, 5)[0], { shape: 'UDP without EDNS', next: 0, slots: 3 }, 'the ring wraps');
  t.deepEqual(answerer.ringPositions(SMTP, 1, 1, 4), [], 'positions of another snapshot version are not reported');
});

test('every shape code replyShape produces is listed; names without a wire form have no key', (t) => {
  const codes = new Set<number>();
  for (const tcp of [false, true]) {
    codes.add(replyShape(null, tcp).code);
    for (const payload of [512, 1100, 4096]) for (const dnssecOk of [false, true]) codes.add(replyShape({ payload, dnssecOk, version: 0 }, tcp).code);
  }
  t.deepEqual([...codes].sort((a, b) => a - b), SHAPES.map((s) => s.code).sort((a, b) => a - b));
  t.is(questionKey('a..b', 1, 1, 0), undefined);
  t.is(questionKey(`${'x'.repeat(64)}.com`, 1, 1, 0), undefined);
});
