/**
 * A/B experiments on a balanced name (pure): the model, and which arm a client gets.
 *
 * Contract:
 * - `clientSubnet(address)`: the subnet a client is hashed by: its address (the resolver's source
 *   address, or the ECS subnet in zones that honour ECS) cut to /24 (IPv4) or /56 (IPv6), the
 *   RFC 7871 §11.1 privacy prefixes views use; an ECS subnet shorter than that is hashed as sent.
 * - `hashPoint(experiment, subnet)`: a fixed point in [0, 1) per (experiment name, subnet), the
 *   same on every instance and across restarts (FNV-1a + the murmur3 finaliser: no clock, no
 *   randomness), independent between experiments (the name salts it).
 * - `assignArm(arms, split, point)`: the arm whose cumulative range [lo, hi) holds the point, arms
 *   in written order. A client's point never changes, so changing a split moves only the clients
 *   whose point lies in a range that changed owner: 50/50 → 60/40 moves exactly the 10 % in
 *   [0.5, 0.6) — the least any assignment can move (docs/decisions.md "A/B assignment").
 */
import type { AddressFamily, Experiment } from './model.ts';
import { formatPrefix, PRIVACY_PREFIX, truncate, type ClientAddress } from './views.ts';

/** What the answer path needs of a running experiment: its split (percent per arm, in arm order). */
export interface ExperimentRun {
  split: readonly number[];
}

/** The arm a client got, and why (for /explain, the cache key, counters and the ECS scope). */
export interface ArmDecision {
  experiment: string;
  arm: string;
  /** Index of the arm in the experiment's arms. */
  index: number;
  /** The client's hash point in [0, 1). */
  point: number;
  /** The arm's cumulative range [lo, hi) under the split in force. */
  range: [number, number];
  /** The split in force, percent per arm in arm order. */
  split: readonly number[];
  /** The subnet hashed, e.g. `10.1.2.0/24`. */
  subnet: string;
  /** Which address was hashed: the query's source or its EDNS Client Subnet. */
  via: 'source' | 'ecs';
  /** Prefix length the answer depends on (the RFC 7871 §7.2.1 scope for ECS queries). */
  scope: number;
}

/** The subnet a client is hashed by (see the module contract). */
export function clientSubnet(address: ClientAddress): { family: AddressFamily; bytes: Uint8Array; length: number } {
  const length = Math.min(address.sourcePrefix, PRIVACY_PREFIX[address.family]);
  return { family: address.family, bytes: truncate(address.bytes, length), length };
}

/** FNV-1a over the salt and the bytes, then the murmur3 fmix32 finaliser (avalanche). */
export function hash32(salt: string, bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h = Math.imul(h ^ length, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The client's fixed point in [0, 1) for this experiment (see the module contract). */
export function hashPoint(experiment: string, subnet: { bytes: Uint8Array; length: number }): number {
  return hash32(experiment, subnet.bytes, subnet.length) / 2 ** 32;
}

/** Index of the arm whose cumulative range holds `point`, and that range. Percent ranges: split[i]/100. */
export function assignArm(split: readonly number[], point: number): { index: number; range: [number, number] } {
  const total = split.reduce((a, b) => a + b, 0) || 1;
  let lo = 0;
  for (let i = 0; i < split.length; i++) {
    const hi = i === split.length - 1 ? 1 : lo + split[i]! / total;
    if (point < hi && split[i]! > 0) return { index: i, range: [lo, hi] };
    lo = hi;
  }
  // Only reachable when the last arms have 0 %: the last arm with a share takes the rest.
  const last = split.findLastIndex((p) => p > 0);
  return { index: Math.max(0, last), range: [lo, 1] };
}

/** The arm `client` gets in `experiment` under `run`'s split. */
export function armFor(experiment: Experiment, run: ExperimentRun, client: ClientAddress, via: 'source' | 'ecs'): ArmDecision {
  const subnet = clientSubnet(client);
  const point = hashPoint(experiment.name, subnet);
  const { index, range } = assignArm(run.split, point);
  return {
    experiment: experiment.name,
    arm: experiment.arms[index]!.name,
    index,
    point,
    range,
    split: run.split,
    subnet: formatPrefix(subnet.family, subnet.bytes, subnet.length),
    via,
    scope: subnet.length,
  };
}

/** The split written in the zone (each arm's `percent`). */
export function defaultSplit(experiment: Experiment): number[] {
  return experiment.arms.map((arm) => arm.percent);
}

/**
 * Parses `A=60,B=40` against the experiment's arms: every arm named once, whole percents summing
 * to 100. Returns the split in arm order, or why not.
 */
export function parseSplit(experiment: Experiment, text: string): number[] | string {
  const split = new Array<number | undefined>(experiment.arms.length).fill(undefined);
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([^=\s]+)\s*=\s*(\d{1,3})%?$/.exec(part);
    if (!m) return `"${part}" is not ARM=PERCENT (e.g. A=60,B=40)`;
    const index = experiment.arms.findIndex((a) => a.name === m[1]);
    if (index < 0) return `unknown arm "${m[1]}"; arms: ${experiment.arms.map((a) => a.name).join(', ')}`;
    if (split[index] !== undefined) return `arm "${m[1]}" is named twice`;
    split[index] = Number(m[2]);
  }
  const missing = experiment.arms.filter((_, i) => split[i] === undefined).map((a) => a.name);
  if (missing.length > 0) return `no percent for arm${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return checkSplit(split as number[]);
}

/** Whole percents 0-100 summing to 100, at least one arm above 0; the split or why not. */
export function checkSplit(split: readonly number[]): number[] | string {
  if (split.some((p) => !Number.isInteger(p) || p < 0 || p > 100)) return 'percents are whole numbers 0-100';
  const sum = split.reduce((a, b) => a + b, 0);
  if (sum !== 100) return `percents sum to ${sum}, not 100`;
  return [...split];
}
