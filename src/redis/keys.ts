/**
 * Redis key and channel names of one cluster, all under a prefix so several clusters (or a test
 * and a production) can share one Redis. Hashes hold one field per member, JSON values.
 */
import type { MemberId } from '../name.ts';

export interface RedisKeys {
  /** Hash member → PersistedHealth: the shared verdict, also the last-known health after restarts. */
  health: string;
  /** Hash member → Override. */
  overrides: string;
  /** Hash member → WeightOverride. */
  weights: string;
  /** List of AuditEntry JSON, newest first (LPUSH + LTRIM). */
  audit: string;
  /** Random id written once per Redis dataset: a different one means Redis lost its data. */
  epoch: string;
  /** Sorted set instance id → expiry (epoch ms): live instances, for the fair share of leases. */
  instances: string;
  /** Pub/sub channel for changes (see redis-codec.ts ChangeMessage). */
  channel: string;
  /** String holding the id of the instance that probes this member; expires unless renewed. */
  lease(member: MemberId): string;
  /** Hash instance id → Vote (quorum mode). */
  votes(member: MemberId): string;
  /** Pub/sub channel for delivery-outcome batches (every instance counts every batch). */
  outcomesChannel: string;
  /** Hash `member\u0000provider\u0000status` → count of the outcomes in one minute (expires after 2 h). */
  outcomeMinute(minute: number): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    health: `${prefix}health`,
    overrides: `${prefix}overrides`,
    weights: `${prefix}weights`,
    audit: `${prefix}audit`,
    epoch: `${prefix}epoch`,
    instances: `${prefix}instances`,
    channel: `${prefix}changes`,
    lease: (member) => `${prefix}lease:${member}`,
    votes: (member) => `${prefix}votes:${member}`,
    outcomesChannel: `${prefix}outcomes`,
    outcomeMinute: (minute) => `${prefix}outcomes:${minute}`,
  };
}
