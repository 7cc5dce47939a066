/**
 * Per-arm counters of A/B experiments: answers sent and distinct clients served (by hashed
 * subnet), in bounded memory. Distinct clients are counted exactly (a set of 32-bit subnet
 * hashes) up to 4,096 per arm, and beyond by a HyperLogLog sketch (Flajolet et al. 2007) of 1,024
 * one-byte registers (standard error about 1.04/√1024 ≈ 3 %) kept alongside from the start.
 * Sketches merge by taking each register's maximum and exact sets by union, so the counts of
 * several answering workers add up correctly (a client seen by two workers counts once). Written here (about 40 lines) rather than as a
 * dependency: the answering worker only needs add, merge and estimate over a 32-bit hash it
 * already has (docs/decisions.md "A/B per-arm counters").
 *
 * Contract: `ArmCounts` is a `DnsMetrics` subscriber: `arm(e, a, hash)` counts one answer (query
 * path: two Map lookups, a Set add and one register update), `arm(e, a, sketch, n)` merges a
 * worker's `ClientSketch` and adds its `n` answers (replay). `totals()` never changes the counts.
 */

export const SKETCH_REGISTERS = 1024;
/** Distinct clients counted exactly per arm before the sketch alone counts. */
export const EXACT_CLIENTS = 4096;

/** What a worker sends of an arm's clients: the sketch, and the exact set while it is small. */
export interface ClientSketch {
  registers: Uint8Array;
  exact?: Uint32Array;
}
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
  /** Exact client hashes until more than EXACT_CLIENTS; then undefined for good. */
  exact: Set<number> | undefined;
}

function addExact(c: Counter, hash: number): void {
  if (!c.exact) return;
  c.exact.add(hash);
  if (c.exact.size > EXACT_CLIENTS) c.exact = undefined;
}

export class ArmCounts {
  readonly #counters = new Map<string, Map<string, Counter>>();

  arm(experiment: string, arm: string, client: number | ClientSketch, count = 1): void {
    let byArm = this.#counters.get(experiment);
    if (!byArm) this.#counters.set(experiment, (byArm = new Map()));
    let counter = byArm.get(arm);
    if (!counter) byArm.set(arm, (counter = { answers: 0, registers: new Uint8Array(SKETCH_REGISTERS), exact: new Set() }));
    counter.answers += count;
    if (typeof client === 'number') {
      sketchAdd(counter.registers, client);
      addExact(counter, client);
      return;
    }
    sketchMerge(counter.registers, client.registers);
    if (!client.exact) counter.exact = undefined;
    else for (const hash of client.exact) addExact(counter, hash);
  }

  /** Every arm counted so far (optionally of one experiment). */
  totals(experiment?: string): ArmTotal[] {
    const out: ArmTotal[] = [];
    for (const [name, byArm] of this.#counters) {
      if (experiment !== undefined && name !== experiment) continue;
      for (const [arm, c] of byArm) out.push({ experiment: name, arm, answers: c.answers, clients: c.exact ? c.exact.size : sketchEstimate(c.registers) });
    }
    return out;
  }

  /** Worker side: what to send (answers since the last take, and a copy of the sketch), then reset the answer counts. */
  take(): Array<[string, string, number, ClientSketch]> {
    const out: Array<[string, string, number, ClientSketch]> = [];
    for (const [name, byArm] of this.#counters) {
      for (const [arm, c] of byArm) {
        if (c.answers === 0) continue;
        out.push([name, arm, c.answers, { registers: c.registers.slice(), ...(c.exact ? { exact: Uint32Array.from(c.exact) } : {}) }]);
        c.answers = 0;
      }
    }
    return out;
  }
}
