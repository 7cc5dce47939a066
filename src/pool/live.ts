/**
 * Whether an operator override (or weight override) is still in force (pure; the clock is a
 * parameter, DESIGN principle 5).
 *
 * Contract: live = present and either without an expiry or expiring strictly after `now`. At
 * `expiresAt` itself the entry no longer applies, so a snapshot rebuilt at that instant releases
 * the member and the expiry sweep removes it. Every reader of overrides (effective state, snapshot
 * expiry timer, expiry sweep, admin API) decides with this one function.
 */
export function isLive(entry: { expiresAt?: number } | undefined, now: number): boolean {
  return entry !== undefined && (entry.expiresAt === undefined || entry.expiresAt > now);
}
