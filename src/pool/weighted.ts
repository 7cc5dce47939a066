/**
 * Weighted random sampling without replacement (pure), Efraimidis & Spirakis 2006 ("A-Res"): each
 * item draws key = u^(1/w) with u uniform in (0, 1], and the k largest keys win. The first
 * position is item i with probability w_i / Σw, exactly like successive draws without replacement,
 * in one pass and one random number per item. Keys are compared as ln(u)/w to avoid underflow.
 */
export function weightedSample<T>(
  items: readonly T[],
  weightOf: (item: T) => number,
  k: number,
  random: () => number,
): T[] {
  const keyed: Array<{ item: T; key: number; index: number }> = [];
  items.forEach((item, index) => {
    const weight = weightOf(item);
    if (!(weight > 0) || !Number.isFinite(weight)) return; // 0, negative, NaN: never drawn
    const u = 1 - random(); // random() is [0, 1): u is (0, 1], so ln(u) is finite
    keyed.push({ item, key: Math.log(u) / weight, index });
  });
  // Larger key first; ties (u = 1 for several items) keep configured order so results are stable.
  keyed.sort((a, b) => b.key - a.key || a.index - b.index);
  return keyed.slice(0, Math.max(0, Math.floor(k))).map((entry) => entry.item);
}
