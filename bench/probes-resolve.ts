/**
 * Uncached resolve cost against the member count (issue 15 item 4): the real YAML parser builds a
 * zone whose balanced name `big` has N members (one pool, `max` 8) and `all` has N as well; every
 * member is up except every 10th (down), so answers are degraded the realistic way. Measures the
 * pure `resolve()` — what the answer cache pays to build one ring slot on a miss — for A of `big`
 * and MX at the apex (exchanges plus their A records as additional data), ns per call over ring
 * variants 0–31, median of `rounds`. A flat column means no per-query cost grows with N.
 */
import { resolve } from '../src/dns/index.ts';
import { effectiveState, type EffectiveState } from '../src/pool/index.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { parseYamlZone } from '../src/zone/yaml/yaml-parser.ts';
import { farmAddress } from '../test/helpers/mta-farm-address.ts';
import { memberName, poolName, scaleZoneYaml } from '../test/helpers/scale-zone.ts';

export interface ResolveCost {
  members: number;
  /** ns per resolve() of `big.scale.test A`. */
  aNs: number;
  /** ns per resolve() of `scale.test MX`. */
  mxNs: number;
  /** Records in the A answer (must stay at `max`). */
  aRecords: number;
  mxRecords: number;
}

function snapshotFor(count: number): Snapshot {
  const members = Array.from({ length: count }, (_, i) => ({ address: farmAddress(i), port: 2525 }));
  const text = scaleZoneYaml({ origin: 'scale.test', members, poolSize: count, probe: { interval: '10s' } });
  const zone = parseYamlZone(text, { file: 'scale.test.yaml', origin: 'scale.test' }).zone;
  const up = effectiveState({ observed: 'up' }, 0);
  const down = effectiveState({ observed: 'down', observedReason: 'connect-refused' }, 0);
  const states = new Map<string, EffectiveState>();
  for (let i = 0; i < count; i++) states.set(`${poolName(i, count)}/${memberName(i)}`, i % 10 === 9 ? down : up);
  return { version: 3, zones: { zones: new Map([[zone.origin, zone]]) }, members: states };
}

function timeIt(run: (i: number) => number, calls: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += run(i);
  const ns = Number(process.hrtime.bigint() - start) / calls;
  if (sink === 0) throw new Error('empty answers');
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Alternates the member counts round by round so drift hits them alike. */
export function resolveCosts(counts: readonly number[], rounds: number, calls: number): ResolveCost[] {
  const snapshots = counts.map(snapshotFor);
  const a = { name: 'big.scale.test', type: 1, class: 1 };
  const mx = { name: 'scale.test', type: 15, class: 1 };
  const samples = counts.map(() => ({ a: [] as number[], mx: [] as number[] }));
  for (const s of snapshots) timeIt((i) => resolve(a, s, i & 31).answer.length + resolve(mx, s, i & 31).answer.length, 2000);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? counts.map((_, i) => i) : counts.map((_, i) => counts.length - 1 - i);
    for (const k of order) {
      const s = snapshots[k]!;
      samples[k]!.a.push(timeIt((i) => resolve(a, s, i & 31).answer.length, calls));
      samples[k]!.mx.push(timeIt((i) => resolve(mx, s, i & 31).answer.length, calls));
    }
  }
  return counts.map((members, k) => ({
    members,
    aNs: median(samples[k]!.a),
    mxNs: median(samples[k]!.mx),
    aRecords: resolve(a, snapshots[k]!, 0).answer.length,
    mxRecords: resolve(mx, snapshots[k]!, 0).answer.length,
  }));
}
