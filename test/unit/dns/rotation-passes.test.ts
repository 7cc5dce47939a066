import test from 'ava';
import { Answerer, type Resolver } from '../../../src/dns/answer.ts';
import type { Resolution } from '../../../src/dns/message.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Snapshot } from '../../../src/snapshot.ts';
import { canonicalName } from '../../../src/zone/model.ts';
import { buildQuery, parseReply } from '../../helpers/dns-client.ts';

const VARIANTS = 10;

/** Rotation v answers one address, 10.0.0.v; counts resolver calls. */
function setup(maxVariants: number) {
  const calls: number[] = [];
  const resolve: Resolver = (question, _snapshot, variant) => {
    const v = variant ?? 0;
    calls.push(v);
    const name = canonicalName(question.name);
    const resolution: Resolution = { rcode: 0, aa: true, answer: [{ owner: name, type: 1, ttl: 30, rdata: { type: 1, address: `10.0.0.${v}` } }], authority: [], additional: [], variants: VARIANTS };
    return resolution;
  };
  const snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() } as unknown as Snapshot;
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger: silentLogger, maxVariants });
  const ask = (): string => (parseReply(answerer.answer(buildQuery({ name: 'smtp.relay.example' }), 'udp')!).answers[0] as { address: string }).address;
  return { answerer, calls, ask };
}

test('more rotations than ring slots: reply n gets rotation n mod variants, the ring keeps maxVariants', (t) => {
  const { answerer, calls, ask } = setup(4);
  const served = Array.from({ length: 25 }, ask).map((a) => Number(a.split('.')[3]));
  t.deepEqual(served, Array.from({ length: 25 }, (_, n) => n % VARIANTS));
  t.is(calls.length, 25, 'a slot is rebuilt when its turn comes with another rotation');
  t.deepEqual(answerer.ringPositions('smtp.relay.example', 1, 1, 1), [{ shape: 'UDP without EDNS', next: 25 % VARIANTS % 4, slots: 4, variant: 25 % VARIANTS, variants: VARIANTS }]);
});

test('rotations that fit the ring are built once and then only copied; positions keep their old shape', (t) => {
  const { answerer, calls, ask } = setup(64);
  const served = Array.from({ length: 30 }, ask).map((a) => Number(a.split('.')[3]));
  t.deepEqual(served, Array.from({ length: 30 }, (_, n) => n % VARIANTS));
  t.is(calls.length, VARIANTS);
  t.deepEqual(answerer.ringPositions('smtp.relay.example', 1, 1, 1), [{ shape: 'UDP without EDNS', next: 0, slots: VARIANTS }]);
});
