/**
 * Pure summary of failover samples: medians and nearest-rank p90 where a miss (not detected / not
 * back within the cap) counts as +∞, so a server that misses most rounds gets "> cap", never a
 * flattering median of its few hits; and the markdown table of the closing note.
 */

/** One round's result for one server and case; null = did not happen within the cap. */
export interface Sample {
  detectMs: number | null;
  /** null also when it was never detected (there was nothing to recover from). */
  recoverMs: number | null;
}

export interface Summary {
  rounds: number;
  detected: number;
  detectMedian: number;
  detectP90: number;
  /** Over the rounds where it was detected; NaN when none was. */
  recoverMedian: number;
  recoverP90: number;
  recovered: number;
}

const asNumber = (ms: number | null): number => (ms === null ? Number.POSITIVE_INFINITY : ms);

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2) return sorted[mid]!;
  const [a, b] = [sorted[mid - 1]!, sorted[mid]!];
  return a === b ? a : (a + b) / 2; // Infinity + Infinity stays Infinity, never NaN
}

/** Nearest-rank percentile (with 5 samples, p90 is the largest). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

export function summarize(samples: readonly Sample[]): Summary {
  const detects = samples.map((s) => asNumber(s.detectMs));
  const recovers = samples.filter((s) => s.detectMs !== null).map((s) => asNumber(s.recoverMs));
  return {
    rounds: samples.length,
    detected: samples.filter((s) => s.detectMs !== null).length,
    detectMedian: median(detects),
    detectP90: percentile(detects, 90),
    recoverMedian: median(recovers),
    recoverP90: percentile(recovers, 90),
    recovered: samples.filter((s) => s.detectMs !== null && s.recoverMs !== null).length,
  };
}

/** `1.23 s`, `> 30 s` for a miss, `–` for nothing to measure. */
export function seconds(ms: number, capMs: number): string {
  if (Number.isNaN(ms)) return '–';
  if (!Number.isFinite(ms)) return `> ${Math.round(capMs / 1000)} s`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** mxlb's time over the peer's: < 1 means mxlb is faster. */
export function ratio(mine: number, theirs: number): string {
  if (Number.isNaN(mine) || Number.isNaN(theirs)) return '–';
  if (!Number.isFinite(theirs)) return Number.isFinite(mine) ? 'peer never' : 'both never';
  if (!Number.isFinite(mine)) return 'mxlb never';
  if (theirs === 0) return '–';
  const r = mine / theirs;
  return r < 0.1 ? r.toPrecision(2) : r.toFixed(2); // 0.0042, not a misleading 0.00
}

export interface TableInput {
  cases: readonly string[];
  servers: readonly string[];
  results: ReadonlyMap<string, Sample[]>;
  key: (kase: string, server: string) => string;
  detectCapMs: (kase: string, server: string) => number;
  recoverCapMs: number;
}

export function markdownTable(input: TableInput): string {
  const rows = [
    '| case | server | detected | detect median | detect p90 | back median | back p90 | mxlb/peer detect | mxlb/peer back |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kase of input.cases) {
    const mine = input.results.has(input.key(kase, 'mxlb')) ? summarize(input.results.get(input.key(kase, 'mxlb'))!) : undefined;
    for (const server of input.servers) {
      const samples = input.results.get(input.key(kase, server));
      if (!samples) continue;
      const s = summarize(samples);
      const cap = input.detectCapMs(kase, server);
      const vsDetect = server === 'mxlb' || !mine ? '' : ratio(mine.detectMedian, s.detectMedian);
      const vsBack = server === 'mxlb' || !mine ? '' : ratio(mine.recoverMedian, s.recoverMedian);
      const back = s.detected === 0 ? ['never left', 'never left'] : [seconds(s.recoverMedian, input.recoverCapMs), seconds(s.recoverP90, input.recoverCapMs)];
      rows.push(`| ${kase} | ${server} | ${s.detected}/${s.rounds} | ${seconds(s.detectMedian, cap)} | ${seconds(s.detectP90, cap)} | ${back[0]} | ${back[1]} | ${vsDetect} | ${vsBack} |`);
    }
  }
  return rows.join('\n');
}
