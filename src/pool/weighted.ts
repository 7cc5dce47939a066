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

/** Where one answer sits in its ring of weighted orderings (`select.ts` WEIGHTED_VARIANTS slots). */
export interface RingSlot {
  /** The ring slot (any integer; taken modulo `slots`). */
  slot: number;
  slots: number;
  /** Start of the ring's systematic sample, uniform in [0, 1), the same for every slot of one ring. */
  phase: number;
}

/**
 * Slot `ring.slot` of a ring of weighted orderings (pure). Why not `slots` independent draws: a
 * snapshot (and so its ring) lasts as long as health stays unchanged, often hours, and 32
 * independent draws put a member of weight 2/3 first anywhere from 47 % to 84 % of the time
 * (1st–99th percentile), so a relay could get half its share until the next health change.
 * Instead the first place is systematic sampling (one random start `phase`, evenly spaced points
 * on the cumulative weight line): over a full ring each item leads in ⌊slots·w/Σw⌋ or
 * ⌈slots·w/Σw⌉ slots. With `slots` a power of two, slot j takes point j bit-reversed, so the
 * leaders are spread over successive slots instead of coming in runs. The other places are
 * `weightedSample` over the rest with `random`. Items with weight ≤ 0 or not finite are never drawn.
 */
export function weightedRingSlot<T>(items: readonly T[], weightOf: (item: T) => number, k: number, random: () => number, ring: RingSlot): T[] {
  const count = Math.floor(k);
  const drawable = items.filter((item) => weightOf(item) > 0 && Number.isFinite(weightOf(item)));
  if (count <= 0 || drawable.length === 0) return [];
  const total = drawable.reduce((sum, item) => sum + weightOf(item), 0);
  const slots = Math.max(1, Math.floor(ring.slots));
  const point = (((ring.phase + spread(((Math.floor(ring.slot) % slots) + slots) % slots, slots)) % 1) + 1) % 1;
  let first: T = drawable[drawable.length - 1]!; // if rounding leaves the point past the last bound
  let bound = 0;
  for (const item of drawable) {
    bound += weightOf(item) / total;
    if (point < bound) {
      first = item;
      break;
    }
  }
  return [first, ...weightedSample(drawable.filter((item) => item !== first), weightOf, count - 1, random)];
}

/** Slot j of n as a point j'/n in [0, 1): bit-reversed j when n is a power of two, else j/n. */
function spread(j: number, n: number): number {
  const bits = Math.log2(n);
  if (!Number.isInteger(bits)) return j / n;
  let reversed = 0;
  for (let b = 0; b < bits; b++) reversed |= ((j >> b) & 1) << (bits - 1 - b);
  return reversed / n;
}
