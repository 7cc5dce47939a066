/**
 * `npm run bench:probes` (issue 15 item 4, scale of members): one mxlb instance probing 10,000 MTAs
 * every 10 s. Prints, as medians over `--runs` live runs (bench/probes-run.ts): probe CPU (mxlb's
 * process CPU time over wall time) in steady state and while a slice of MTAs goes down and comes
 * back, RSS, and verdict delays (median, p90, max, in probe intervals) against the targets
 * (CPU < 0.5 core, RSS ≤ 150 MB, every verdict within 2 intervals); then the uncached resolve()
 * cost of A and MX answers against the member count (bench/probes-resolve.ts).
 *
 *   npm run bench:probes -- [--members 10000] [--interval 10s] [--slice 500] [--runs 3] [--window 30]
 *
 * Bounded: each run lasts about 2 s + first round + 1 interval + window + 2 × (≤ 3 intervals + 5 s).
 * Only loopback (127.20.x.y for the MTAs, 127.0.0.1 for mxlb).
 */
import { probeRun, stopEverything, type RunResult } from './probes-run.ts';
import { resolveCosts } from './probes-resolve.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const seconds = (text: string): number => (text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.replace(/s$/, '')) * 1000);
const MEMBERS = Number(flag('members', '10000'));
const INTERVAL_MS = seconds(flag('interval', '10s'));
const SLICE = Math.min(MEMBERS, Number(flag('slice', '500')));
const RUNS = Number(flag('runs', '3'));
const WINDOW_MS = Number(flag('window', '30')) * 1000;
const SKIP_LIVE = args.includes('--resolve-only');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopEverything().finally(() => process.exit(130)));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
const f = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : 'never');

if (!SKIP_LIVE) {
  console.log(`${MEMBERS} members, interval ${INTERVAL_MS} ms, slice ${SLICE} stopped and restarted, ${RUNS} runs, steady window ${WINDOW_MS / 1000} s`);
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await probeRun({ members: MEMBERS, intervalMs: INTERVAL_MS, slice: SLICE, windowMs: WINDOW_MS });
    runs.push(r);
    const late = [...r.downDelays, ...r.upDelays].filter((d) => d > 2).length;
    console.log(
      `run ${i + 1}: ready ${(r.readyMs / 1000).toFixed(1)} s; CPU steady ${f(r.steadyCpu)} down ${f(r.downCpu)} up ${f(r.upCpu)} cores; RSS ${f(r.rssMb, 1)} MB (peak ${f(r.peakRssMb, 1)});` +
        ` down delay median ${f(median(r.downDelays))} p90 ${f(quantile(r.downDelays, 0.9))} max ${f(Math.max(...r.downDelays))};` +
        ` up median ${f(median(r.upDelays))} p90 ${f(quantile(r.upDelays, 0.9))} max ${f(Math.max(...r.upDelays))} intervals; ${late} over 2 intervals`,
    );
  }
  const med = (pick: (r: RunResult) => number) => median(runs.map(pick));
  const steady = med((r) => r.steadyCpu);
  const rss = med((r) => r.rssMb);
  const worst = Math.max(...runs.flatMap((r) => [...r.downDelays, ...r.upDelays]));
  console.log(`\nmedians of ${RUNS} runs:`);
  console.log('| measure | value | target |');
  console.log('|---|---|---|');
  console.log(`| probe CPU, steady (cores) | ${f(steady)} | < 0.5 ${steady < 0.5 ? 'met' : 'NOT met'} |`);
  console.log(`| CPU while ${SLICE} go down / come back (cores) | ${f(med((r) => r.downCpu))} / ${f(med((r) => r.upCpu))} | |`);
  console.log(`| RSS (MB), peak | ${f(rss, 1)}, ${f(med((r) => r.peakRssMb), 1)} | ≤ 150 ${rss <= 150 ? 'met' : 'NOT met'} |`);
  for (const [label, key] of [['down', 'downDelays'], ['up', 'upDelays']] as const) {
    console.log(`| verdict delay ${label} (intervals): median, p90, max | ${f(med((r) => median(r[key])))}, ${f(med((r) => quantile(r[key], 0.9)))}, ${f(med((r) => Math.max(...r[key])))} | ≤ 2 |`);
  }
  console.log(`| worst verdict delay of all runs (intervals) | ${f(worst)} | ≤ 2 ${worst <= 2 ? 'met' : 'NOT met'} |`);
}

const costs = resolveCosts([10, 100, 1000, 10000], 5, 3000);
console.log('\nuncached resolve() cost (ns per call, median of 5 alternating rounds, ring slots 0-31; every 10th member down):');
console.log('| members | A `big` ns | MX apex ns | A records | MX records | A vs 10 | MX vs 10 |');
console.log('|---|---|---|---|---|---|---|');
for (const c of costs) {
  console.log(`| ${c.members} | ${c.aNs.toFixed(0)} | ${c.mxNs.toFixed(0)} | ${c.aRecords} | ${c.mxRecords} | ${(c.aNs / costs[0]!.aNs).toFixed(2)} | ${(c.mxNs / costs[0]!.mxNs).toFixed(2)} |`);
}
