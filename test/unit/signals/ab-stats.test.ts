/**
 * A/B statistics (signals/ab-stats.ts), table-driven against published values:
 * - Wilson intervals: Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3
 *   (81/263, 15/148, 0/20, 1/29), 4 decimals.
 * - z-test p-values: SciPy 1.17 `2 * scipy.stats.norm.sf(abs(z))` with the pooled z computed in
 *   Python by the same textbook formula (Agresti §2.2), 4 significant digits.
 */
import test from 'ava';
import { percentile, twoProportionZ, twoSidedP, wilson } from '../../../src/signals/ab-stats.ts';

const wilsonCases: Array<[number, number, number, number]> = [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
];
for (const [x, n, low, high] of wilsonCases) {
  test(`wilson ${x}/${n} = [${low}, ${high}] (Newcombe 1998)`, (t) => {
    const got = wilson(x, n);
    t.is(Number(got.low.toFixed(4)), low);
    t.is(Number(got.high.toFixed(4)), high);
  });
}

test('wilson of no samples is [0, 1]', (t) => {
  t.deepEqual(wilson(0, 0), { low: 0, high: 1 });
});

const zCases: Array<[number, number, number, number, number, number]> = [
  // x1, n1, x2, n2, z, p (SciPy)
  [21, 1000, 34, 1000, -1.7775, 0.07548],
  [42, 2000, 68, 2000, -2.5138, 0.01194],
  [30, 100, 50, 100, -2.8868, 0.003892],
  [210, 10000, 340, 10000, -5.621, 1.898e-8],
  [10, 500, 10, 500, 0, 1],
];
for (const [x1, n1, x2, n2, z, p] of zCases) {
  test(`two-proportion z ${x1}/${n1} vs ${x2}/${n2}: z ${z}, p ${p} (SciPy)`, (t) => {
    const got = twoProportionZ(x1, n1, x2, n2);
    t.is(Number(got.z.toFixed(4)), Number(z.toFixed(4)));
    t.true(Math.abs(got.p - p) / p < 1e-3, `p ${got.p} vs ${p}`);
  });
}

const tailCases: Array<[number, number]> = [
  [0, 1],
  [1, 0.31731050786291415],
  [1.959964, 0.05],
  [2.5758, 0.01000084747555736],
  [3.2905, 0.0010000950180775636],
  [-1.5, 0.13361440253771614],
];
for (const [z, p] of tailCases) {
  test(`two-sided normal tail at ${z} = ${p} (SciPy)`, (t) => {
    t.true(Math.abs(twoSidedP(z) - p) < 1e-6, `${twoSidedP(z)}`);
  });
}

test('a test with an empty arm or no variance has p = 1', (t) => {
  t.is(twoProportionZ(0, 0, 3, 10).p, 1);
  t.is(twoProportionZ(0, 10, 0, 10).p, 1);
});

test('nearest-rank percentiles', (t) => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  t.is(percentile(sorted, 0.5), 5);
  t.is(percentile(sorted, 0.9), 9);
  t.is(percentile([7], 0.9), 7);
  t.is(percentile([], 0.5), undefined);
});
