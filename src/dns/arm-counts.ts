/**
 * Per-arm counters of A/B experiments: answers sent and distinct clients served (by hashed
 * subnet), in bounded memory. Distinct clients are a HyperLogLog sketch (Flajolet et al. 2007) of
 * 1,024 one-byte registers per arm (standard error about 1.04/√1024 ≈ 3 %; below 2.5 × 1,024
 * clients the linear-counting correction makes small counts close to exact). Sketches merge by
 * taking each register's maximum, so the counts of several answering workers add up correctly (a
 * client seen by two workers counts once). Written here (about 40 lines) rather than as a
 * dependency: the answering worker only needs add, merge and estimate over a 32-bit hash it
 * already has (docs/decisions.md "A/B per-arm counters").
 *
 * Contract: `ArmCounts` is a `DnsMetrics` subscriber: `arm(e, a, hash)` counts one answer (query
 * path: one Map lookup and one register update), `arm(e, a, registers, n)` merges a worker's
 * sketch and adds its `n` answers (replay). `totals()` never changes the counts.
 */
import type { DnsMetrics } from './answer.ts';

export const SKETCH_REGISTERS = 1024;
const INDEX_BITS = 10;

/** Adds a 32-bit hash to the sketch; returns whether a register grew. */
export function sketchAdd(registers: Uint8Array, hash: number): boolean {
  const index = hash >>> (32 - INDEX_BITS);
  const rest = (hash << INDEX_BITS) >>> 0;
  const rank = Math.min(32 - INDEX_BITS, Math.clz32(rest)) + 1;
  if (rank <= registers[index]!) return false;
  registers[index] = rank;
  return true;
}

/** The distinct count the sketch estimates (HyperLogLog with the small-range linear counting). */
export function sketchEstimate(registers: Uint8Array): number {
  const m = registers.length;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    sum += 2 ** -registers[i]!;
    if (registers[i] === 0) zeros += 1;
  }
  const alpha = 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(raw);
}

/** Register-wise maximum of `from` into `into`. */
export function sketchMerge(into: Uint8Array, from: Uint8Array): void {
  for (let i = 0; i < into.length && i < from.length; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
}

export interface ArmTotal {
  experiment: string;
  arm: string;
  answers: number;
  /** Distinct client subnets served (estimate; see the module comment). */
  clients: number;
}

interface Counter {
  answers: number;
  registers: Uint8Array;
}

export class ArmCounts implements DnsMetrics {
  readonly #counters = new Map<string, Map<string, Counter>>();

  arm(experiment: string, arm: string, client: number | Uint8Array, count = 1): void {
    let byArm = this.#counters.get(experiment);
    if (!byArm) this.#counters.set(experiment, (byArm = new Map()));
    let counter = byArm.get(arm);
    if (!counter) byArm.set(arm, (counter = { answers: 0, registers: new Uint8Array(SKETCH_REGISTERS) }));
    counter.answers += count;
    if (typeof client === 'number') sketchAdd(counter.registers, client);
    else sketchMerge(counter.registers, client);
  }

  /** Every arm counted so far (optionally of one experiment). */
  totals(experiment?: string): ArmTotal[] {
    const out: ArmTotal[] = [];
    for (const [name, byArm] of this.#counters) {
      if (experiment !== undefined && name !== experiment) continue;
      for (const [arm, c] of byArm) out.push({ experiment: name, arm, answers: c.answers, clients: sketchEstimate(c.registers) });
    }
    return out;
  }

  /** Worker side: what to send (answers since the last take, and a copy of the sketch), then reset the answer counts. */
  take(): Array<[string, string, number, Uint8Array]> {
    const out: Array<[string, string, number, Uint8Array]> = [];
    for (const [name, byArm] of this.#counters) {
      for (const [arm, c] of byArm) {
        if (c.answers === 0) continue;
        out.push([name, arm, c.answers, c.registers.slice()]);
        c.answers = 0;
      }
    }
    return out;
  }
}
