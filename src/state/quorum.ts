/**
 * Quorum verdict (pure). With `--quorum K` every instance probes every member and writes its own
 * verdict as a vote; the shared verdict goes down only when K live instances see the member down,
 * so one instance with a bad network path cannot take an MTA out for everyone. It comes back up
 * as soon as fewer than K say down and at least one says up. Votes whose instance stopped
 * refreshing them (crashed, cut off) have expired and do not count.
 */
import type { Vote } from './redis-codec.ts';
import type { PersistedHealth } from './store.ts';

export interface QuorumTally {
  up: number;
  down: number;
  /** `instance: reason` of each down vote, for people. */
  downReasons: string[];
  /** Failure reason codes of the down votes (`connect-refused`, …). */
  downCodes: string[];
}

export function tally(votes: ReadonlyMap<string, Vote>, now: number): QuorumTally {
  const result: QuorumTally = { up: 0, down: 0, downReasons: [], downCodes: [] };
  for (const [instance, vote] of votes) {
    if (vote.expiresAt <= now) continue;
    if (vote.state === 'up') result.up++;
    if (vote.state === 'down') {
      result.down++;
      result.downReasons.push(`${instance}: ${vote.reason ?? 'down'}`);
      result.downCodes.push(vote.reason ?? 'down');
    }
  }
  return result;
}

/**
 * The shared verdict after a vote, or undefined when it does not change. `previous` is the shared
 * verdict before. Without K down votes and without an up vote (say K=2 and the only live instance
 * sees down), the previous verdict stands.
 */
export function quorumVerdict(
  votes: ReadonlyMap<string, Vote>,
  quorum: number,
  previous: PersistedHealth | undefined,
  now: number,
): PersistedHealth | undefined {
  const counted = tally(votes, now);
  const k = Math.max(1, quorum);
  let state: PersistedHealth['state'] | undefined;
  if (counted.down >= k) state = 'down';
  else if (counted.up > 0) state = 'up';
  if (state === undefined || state === previous?.state) return undefined;
  const next: PersistedHealth = {
    state,
    since: now,
    reason: state === 'down'
      ? `${counted.down} of ${k} instances needed see it down (${counted.downReasons.join('; ')})`
      : `${counted.up} instance(s) see it up, ${counted.down} down (quorum ${k})`,
    lastProbeAt: now,
  };
  if (state === 'down') {
    next.lastFailure = { at: now, reason: counted.downCodes[0] ?? 'down', detail: next.reason! };
  } else if (previous?.lastFailure) {
    next.lastFailure = previous.lastFailure;
  }
  return next;
}
