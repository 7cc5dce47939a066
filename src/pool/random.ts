/**
 * The weighted policy's randomness (pure): deterministic generators seeded by the snapshot version
 * and the answer's owner, so a ring slot rebuilt for the same snapshot is the same answer (the
 * answer cache and `/explain` rely on it) while each slot and each snapshot version draws anew.
 */
import type { Name } from '../name.ts';

/**
 * Uniform [0, 1) generator seeded from (snapshot version, owner, family, ring slot): the same inputs
 * always draw the same numbers (tests, and every ring slot rebuilt alike), while each slot and each
 * snapshot version draws independently. FNV-1a over the owner, murmur3's fmix32 to mix in the
 * numbers, mulberry32 to generate: small, fast, and plenty for spreading load by weight.
 */
export function seededRandom(version: number, owner: Name, family: number, variant: number): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < owner.length; i++) h = Math.imul(h ^ owner.charCodeAt(i), 0x01000193);
  h = fmix32(h ^ (version >>> 0));
  h = fmix32(h ^ (Math.floor(version / 0x1_0000_0000) >>> 0));
  h = fmix32(h ^ family);
  h = fmix32(h ^ variant);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Start of the weighted ring's systematic sample (`weighted.ts` weightedRingSlot) for one
 * (snapshot version, owner, family): the same for every slot of the ring, drawn anew per version.
 * The owner gets a suffix no domain name can have, so this never replays a slot's own draws.
 */
export function ringPhase(version: number, owner: Name, family: number): number {
  return seededRandom(version, `${owner} ring-phase`, family, 0)();
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
