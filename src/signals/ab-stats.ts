/**
 * Statistics of A/B experiment reports (pure, no I/O): the Wilson score interval of a rate, the
 * pooled two-proportion z-test, the normal distribution's two-sided tail, and nearest-rank
 * percentiles. Written here (a few lines each) rather than pulled in as a dependency: the npm
 * statistics packages checked either lack the Wilson interval or bring far more than these four
 * functions (docs/decisions.md "A/B statistics").
 *
 * Contract: every function is total over its documented domain and returns plain numbers; a rate
 * of 0 samples has the interval [0, 1] and a test with an empty arm has p = 1 (no evidence). Values
 * are checked in test/unit/signals/ab-stats.test.ts against Newcombe (1998), "Two-sided confidence
 * intervals for the single proportion", Statistics in Medicine 17:857-872, Table I (Wilson), and
 * against SciPy 1.17 `scipy.stats.norm.sf` (z-test p-values).
 */

/** z for a two-sided 95 % interval: Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval (Wilson 1927) for `successes` of `n` at two-sided level given by `z`. */
export function wilson(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * erfc(x) for x ≥ 0 by the Chebyshev fit of Numerical Recipes (2nd ed., §6.2 `erfcc`): relative
 * error below 1.2e-7 everywhere, far inside what a p-value printed to 2-3 digits needs.
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const y =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

/** Two-sided tail of the standard normal: P(|Z| ≥ |z|). */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

export interface ZTest {
  /** Rates of the two samples. */
  p1: number;
  p2: number;
  /** (p1 - p2) / pooled standard error; 0 when undefined (an empty sample, or both rates 0 or 1). */
  z: number;
  /** Two-sided p-value; 1 when there is no evidence either way. */
  p: number;
}

/**
 * Pooled two-proportion z-test of H0: both samples have the same rate (e.g. Agresti, "An
 * Introduction to Categorical Data Analysis", §2.2). Valid when each sample has at least a handful
 * of successes and failures: the report refuses a verdict below its minimum sample (`ab-report.ts`).
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): ZTest {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  if (n1 <= 0 || n2 <= 0) return { p1, p2, z: 0, p: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { p1, p2, z: 0, p: 1 };
  const z = (p1 - p2) / se;
  return { p1, p2, z, p: twoSidedP(z) };
}

/** Nearest-rank percentile (q in (0, 1]) of already sorted values; undefined for none. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
