/**
 * The two identities every layer shares, in a leaf module of their own so that zone, pool, probe,
 * state and the rest can name them without importing each other (pure, no imports).
 *
 * - `Name`: a DNS name in canonical form: lower case, absolute, without the trailing dot; the root
 *   is ''. `zone/model.ts` re-exports it with the name helpers.
 * - `MemberId`: a member's stable identity `<pool>/<member>`, the key of health, overrides, leases
 *   and metrics. `pool/model.ts` re-exports it.
 */

export type Name = string;

/** Canonical form of a presentation or wire name: lower case, no trailing dot. */
export function canonicalName(name: string): Name {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** True when `name` is `ancestor` or below it. */
export function isInOrBelow(name: Name, ancestor: Name): boolean {
  if (ancestor === '') return true;
  return name === ancestor || name.endsWith('.' + ancestor);
}

/** Stable member identity, `<pool>/<member>`: the key of health, overrides, leases and metrics. */
export type MemberId = string;

export function memberId(pool: string, member: string): MemberId {
  return `${pool}/${member}`;
}
