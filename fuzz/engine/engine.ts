/**
 * A small coverage-guided mutation fuzzer (why it is ours and not Jazzer.js: docs/decisions.md,
 * "Fuzzing"). The coverage comes from istanbul-lib-instrument counters that instrument-hook.mjs
 * adds to every file of src/ at load time; the loop is libFuzzer's in miniature: pick an input of
 * the corpus, mutate it, run the target, keep the input when it reached a statement, function or
 * branch no earlier input reached. Deterministic for a given seed (apart from how many inputs fit
 * in the time).
 *
 * Contract of a target: `run(data)` returns normally for every input, or throws an error that
 * `allowed(error)` accepts (the target's documented error types). Anything else is a crash: the
 * input is written to fuzz/crashes/ and the run fails.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FuzzTarget {
  name: string;
  /** What the target exercises, for the report. */
  covers: string;
  run(data: Buffer): void;
  /** The documented error types `run` may throw; everything else is a crash. */
  allowed(error: unknown): boolean;
  /** Byte strings worth splicing in (keywords, separators, magic numbers). */
  dictionary?: readonly string[];
  /** Longest input tried (default 4096 bytes). */
  maxLength?: number;
}

export interface FuzzOptions {
  corpusDir: string;
  crashDir: string;
  /** Stop after this long… */
  timeMs: number;
  /** …or this many inputs, whichever comes first. */
  maxRuns?: number;
  seed?: number;
}

export interface FuzzReport {
  target: string;
  execs: number;
  ms: number;
  corpus: number;
  covered: number;
  counters: number;
  crash?: { file: string; error: string };
  slowestMs: number;
}

type Counters = Record<string, { s: Record<string, number>; f: Record<string, number>; b: Record<string, number[]> }>;

/** Counters not reached yet, as (holder, key) pairs; the list only shrinks, so each look gets cheaper. */
class Coverage {
  #unseen: Array<[Record<string, number> | number[], string | number]> = [];
  #files = new Set<string>();
  #total = 0;

  /** Picks up files loaded since the last call. */
  refresh(): void {
    const all = (globalThis as { __mxlbFuzzCov?: Counters }).__mxlbFuzzCov ?? {};
    for (const [file, cov] of Object.entries(all)) {
      if (this.#files.has(file)) continue;
      this.#files.add(file);
      for (const holder of [cov.s, cov.f]) for (const key of Object.keys(holder)) this.#push(holder, key);
      for (const arms of Object.values(cov.b)) for (let i = 0; i < arms.length; i++) this.#push(arms, i);
    }
  }

  #push(holder: Record<string, number> | number[], key: string | number): void {
    this.#total++;
    if (((holder as Record<string | number, number>)[key] ?? 0) === 0) this.#unseen.push([holder, key]);
  }

  /** How many counters became non-zero since the last call (they are removed from the unseen list). */
  take(): number {
    let found = 0;
    const unseen = this.#unseen;
    for (let i = unseen.length - 1; i >= 0; i--) {
      const [holder, key] = unseen[i]!;
      if ((holder as Record<string | number, number>)[key]! > 0) {
        unseen[i] = unseen[unseen.length - 1]!;
        unseen.pop();
        found++;
      }
    }
    return found;
  }

  get total(): number {
    return this.#total;
  }

  get covered(): number {
    return this.#total - this.#unseen.length;
  }
}

/** mulberry32: a tiny seeded generator, so a run can be repeated. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x3f, 0x40, 0xc0, 0x0a, 0x0d, 0x20, 0x22, 0x2e, 0x3a, 0x3b, 0x5c, 0x7b, 0x7d];

function mutate(input: Buffer, corpus: readonly Buffer[], dict: readonly Buffer[], random: () => number, maxLength: number): Buffer {
  let data = Buffer.from(input);
  const pick = (n: number) => Math.floor(random() * n);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(data.length + 1);
    switch (pick(9)) {
      case 0: if (data.length > 0) data[pick(data.length)]! ^= 1 << pick(8); break;
      case 1: if (data.length > 0) data[pick(data.length)] = pick(256); break;
      case 2: if (data.length > 0) data[pick(data.length)] = INTERESTING[pick(INTERESTING.length)]!; break;
      case 3: data = Buffer.concat([data.subarray(0, at), Buffer.from([pick(256)]), data.subarray(at)]); break;
      case 4: { const end = at + 1 + pick(16); data = Buffer.concat([data.subarray(0, at), data.subarray(end)]); break; }
      case 5: { // duplicate a slice
        const from = pick(data.length + 1);
        data = Buffer.concat([data.subarray(0, at), data.subarray(from, from + 1 + pick(32)), data.subarray(at)]);
        break;
      }
      case 6: { // splice with another corpus entry
        const other = corpus[pick(corpus.length)]!;
        const from = pick(other.length + 1);
        data = Buffer.concat([data.subarray(0, at), other.subarray(from, from + 1 + pick(64)), data.subarray(at + pick(8))]);
        break;
      }
      case 7: if (dict.length > 0) data = Buffer.concat([data.subarray(0, at), dict[pick(dict.length)]!, data.subarray(at)]); break;
      default: if (data.length > 0) data = data.subarray(0, pick(data.length)); break;
    }
  }
  return data.length > maxLength ? data.subarray(0, maxLength) : data;
}

/** Runs one target until its time or run budget is spent or it crashes. */
export function fuzz(target: FuzzTarget, opts: FuzzOptions): FuzzReport {
  const random = generator(opts.seed ?? 1);
  const maxLength = target.maxLength ?? 4096;
  const dict = (target.dictionary ?? []).map((word) => Buffer.from(word, 'latin1'));
  const coverage = new Coverage();
  const corpus: Buffer[] = [Buffer.alloc(0)];
  let seeds: string[] = [];
  try {
    seeds = readdirSync(opts.corpusDir).sort();
  } catch {
    // no committed corpus for this target: start from the empty input
  }
  for (const name of seeds) corpus.push(readFileSync(join(opts.corpusDir, name)));

  const report: FuzzReport = { target: target.name, execs: 0, ms: 0, corpus: 0, covered: 0, counters: 0, slowestMs: 0 };
  const started = performance.now();
  const deadline = started + opts.timeMs;
  const maxRuns = opts.maxRuns ?? Number.POSITIVE_INFINITY;
  const runOne = (data: Buffer): boolean => {
    const t0 = performance.now();
    try {
      target.run(data);
    } catch (error) {
      if (!target.allowed(error)) {
        mkdirSync(opts.crashDir, { recursive: true });
        const file = join(opts.crashDir, `${target.name}-${createHash('sha256').update(data).digest('hex').slice(0, 16)}`);
        writeFileSync(file, data);
        report.crash = { file, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        return false;
      }
    }
    const took = performance.now() - t0;
    if (took > report.slowestMs) {
      report.slowestMs = took;
      // Kept to replay: a slow input may be a pathological case (or only a GC pause; replay tells).
      if (took > 250) {
        mkdirSync(opts.crashDir, { recursive: true });
        writeFileSync(join(opts.crashDir, `${target.name}-slow`), data);
      }
    }
    report.execs++;
    return true;
  };

  // The seeds first, each once (they also load the target's modules and so their counters).
  for (const seed of [...corpus]) if (!runOne(seed)) return finish();
  coverage.refresh();
  coverage.take();
  let sinceRefresh = 0;
  while (report.execs < maxRuns) {
    if ((report.execs & 0xff) === 0 && performance.now() > deadline) break;
    const input = mutate(corpus[Math.floor(random() * corpus.length)]!, corpus, dict, random, maxLength);
    if (!runOne(input)) break;
    if (coverage.take() > 0) corpus.push(input);
    if (++sinceRefresh === 10_000) {
      sinceRefresh = 0;
      coverage.refresh(); // modules a rare path imported lazily
    }
  }
  return finish();

  function finish(): FuzzReport {
    coverage.refresh();
    coverage.take();
    return { ...report, ms: Math.round(performance.now() - started), corpus: corpus.length, covered: coverage.covered, counters: coverage.total };
  }
}
