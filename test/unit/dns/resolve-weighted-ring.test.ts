/**
 * Weighted answers from the pure resolver, per snapshot: the ring the answer cache serves (slots
 * 0 … WEIGHTED_VARIANTS - 1 of one snapshot version) hands out first places in proportion to the
 * weights to within one slot, in every snapshot version, for A and MX. A snapshot lasts until the
 * next health change, so an average over versions is not enough (the full-flow test saw 84 % / 9 %
 * for weights 600 / 200 with independent draws).
 */
import test from 'ava';
import { resolve } from '../../../src/dns/resolve.ts';
import { WEIGHTED_VARIANTS } from '../../../src/pool/index.ts';
import { RRType } from '../../../src/zone/model.ts';
import { balancedName, balancedZone, member, mxBinding, snapshotWith, tierOf } from '../../helpers/balanced-zone.ts';

const ORIGIN = 'flow.test';
const weights = [600, 200, 100];
const members = weights.map((weight, i) => member('primary', `mta${i + 1}`, `127.0.26.${i + 1}`, { host: `mta${i + 1}.${ORIGIN}`, weight }));
const zone = balancedZone(
  ORIGIN,
  ['@ 300 SOA ns1 hostmaster 1 3600 900 604800 60', '@ 300 NS ns1', 'ns1 300 A 127.0.0.1'],
  [balancedName(`smtp.${ORIGIN}`, [tierOf(members)], { policy: 'weighted' })],
  [mxBinding(ORIGIN, `smtp.${ORIGIN}`)],
);

function firstOf(version: number, name: string, type: number, variant: number): string {
  const resolution = resolve({ name, type, class: 1 }, snapshotWith(zone, {}, version), variant);
  const record = resolution.answer[0]!;
  const rdata = record.rdata as { address?: string; exchange?: string };
  return rdata.address ?? rdata.exchange!;
}

for (const [type, label, key] of [[RRType.A, 'A', (i: number) => members[i]!.address], [RRType.MX, 'MX', (i: number) => members[i]!.host]] as const) {
  test(`${label}: in every snapshot version, one ring's first places are within one slot of the weights`, (t) => {
    const name = type === RRType.A ? `smtp.${ORIGIN}` : ORIGIN;
    t.is(resolve({ name, type, class: 1 }, snapshotWith(zone, {}, 1), 0).variants, WEIGHTED_VARIANTS);
    const total = weights.reduce((a, b) => a + b, 0);
    for (let version = 1; version <= 300; version++) {
      const counts = new Map<string, number>();
      for (let variant = 0; variant < WEIGHTED_VARIANTS; variant++) {
        const first = firstOf(version, name, type, variant);
        counts.set(first, (counts.get(first) ?? 0) + 1);
      }
      weights.forEach((weight, i) => {
        const expected = (WEIGHTED_VARIANTS * weight) / total;
        const got = counts.get(key(i)) ?? 0;
        if (got < Math.floor(expected) || got > Math.ceil(expected)) t.fail(`version ${version}: ${key(i)} (weight ${weight}) leads ${got} of ${WEIGHTED_VARIANTS}, expected ${expected.toFixed(2)}`);
      });
    }
    t.pass();
  });
}
