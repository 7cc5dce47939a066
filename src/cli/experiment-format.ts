/**
 * How `mxlb experiment` prints experiments and reports (pure): a line per experiment for `list`,
 * and for `report` a table per arm (samples, rates with 95 % intervals, delays, attribution), the
 * tests against the control arm, the unattributed count and the verdict.
 */
import type { ExperimentStatus } from '../experiment-keeper.ts';
import type { ExperimentReport, Rate } from '../signals/index.ts';

export type ExperimentView = Omit<ExperimentStatus, 'arms'> & { arms: Array<ExperimentStatus['arms'][number] & { answers: number; clients: number }> };
export type ReportView = ExperimentReport & { experiment: ExperimentView; since?: number; lines: string[] };

function splitText(e: ExperimentView): string {
  return e.arms.map((a, i) => `${a.name}=${e.split[i] ?? a.percent}`).join(' ');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

export function listText(experiments: readonly ExperimentView[]): string {
  if (experiments.length === 0) return 'no experiments: no balanced name of the served zones has an "experiment:"\n';
  const rows = [['EXPERIMENT', 'NAME', 'STATE', 'SPLIT', 'ANSWERS', 'WHY']];
  for (const e of experiments) rows.push([e.name, `${e.owner}.`, e.state, splitText(e), e.arms.map((a) => `${a.name}:${a.answers}`).join(' '), e.why]);
  return `${table(rows).join('\n')}\n`;
}

export function statusText(e: ExperimentView): string {
  return `experiment ${e.name} on ${e.owner}.: ${e.state} (${e.why}); split ${splitText(e)}\n`;
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const rateText = (r: Rate) => `${pct(r.rate)} [${pct(r.ci95.low)}–${pct(r.ci95.high)}]`;

export function reportText(r: ReportView): string {
  const e = r.experiment;
  const out: string[] = [statusText(e).trimEnd()];
  if (r.since !== undefined) out.push(`outcomes since ${new Date(r.since).toISOString()} (this run); answers and clients since the server started`);
  else out.push('no outcomes counted: the experiment has not run since the server started');
  const rows = [['ARM', 'POOLS', 'ANSWERS', 'CLIENTS', 'SAMPLES', 'DELIVERED', 'DEFERRED', 'BOUNCED', 'THROTTLED', 'DELAY P50/P90', 'ATTRIBUTION']];
  r.arms.forEach((a, i) => {
    const arm = e.arms[i];
    const delay = a.delay.p50 !== undefined ? `${a.delay.p50}s/${a.delay.p90}s` : '-';
    rows.push([a.arm, arm?.pools.join(',') ?? '', String(arm?.answers ?? 0), String(arm?.clients ?? 0), String(a.samples), rateText(a.delivered), rateText(a.deferred), rateText(a.bounced), rateText(a.throttled), delay, `member ${a.attribution.member}, client ${a.attribution.client}`]);
  });
  out.push('', ...table(rows), '');
  out.push(`tests against arm ${r.arms[0]?.arm ?? '-'} (two-proportion z-test; significant when p < ${r.threshold.toFixed(4)}: ${r.alpha} over ${Math.max(1, r.comparisons.length)} tests, Bonferroni):`);
  out.push(...(r.lines.length > 0 ? r.lines.map((l) => `  ${l}`) : ['  (none: fewer than two arms)']));
  out.push(`unattributed outcomes (members shared by arms, no client address): ${r.unattributed}`);
  out.push(`verdict: ${r.verdict.winner ? `arm ${r.verdict.winner} wins — ${r.verdict.reason}` : r.verdict.reason} (minimum ${r.minSample} samples per arm)`);
  return `${out.join('\n')}\n`;
}
