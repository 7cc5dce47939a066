/**
 * How an instance's mirror and Redis are reconciled on a resync (pure). Used after a reconnect,
 * after Redis lost its data, and periodically to repair missed pub/sub messages.
 *
 * Health: the later transition wins (larger `since`; a tie goes to Redis). While Redis was
 * unreachable each instance probed every member itself, so its own newer verdicts are pushed back.
 * With quorum the shared verdict is computed from votes, so Redis always wins (votes are re-sent).
 * Overrides and weights: Redis wins, except members the operator changed here while Redis was
 * unreachable (`dirty`), and, when Redis lost its data (`redisLost`), entries Redis no longer has.
 */
import type { MemberId } from '../pool/index.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

export interface MergeResult<T> {
  /** The new mirror. */
  merged: Map<MemberId, T>;
  /** Entries to write to Redis (the local side won). */
  push: Map<MemberId, T>;
  /** Members to delete from Redis (a local clear while cut off). */
  remove: MemberId[];
}

export function mergeHealth(
  local: ReadonlyMap<MemberId, PersistedHealth>,
  remote: ReadonlyMap<MemberId, PersistedHealth>,
  options: { remoteWins: boolean },
): MergeResult<PersistedHealth> {
  const merged = new Map(remote);
  const push = new Map<MemberId, PersistedHealth>();
  if (options.remoteWins) {
    // Keep local verdicts of members Redis knows nothing about (yet): better than unknown.
    for (const [id, health] of local) if (!remote.has(id)) merged.set(id, health);
    return { merged, push, remove: [] };
  }
  for (const [id, health] of local) {
    const theirs = remote.get(id);
    if (!theirs || health.since > theirs.since) {
      merged.set(id, health);
      push.set(id, health);
    }
  }
  return { merged, push, remove: [] };
}

/**
 * Overrides or weights. `dirty` holds members changed locally while Redis was unreachable (their
 * local value, or absence, wins); with `redisLost` every local entry Redis lacks is pushed back.
 */
export function mergeOperatorState<T>(
  local: ReadonlyMap<MemberId, T>,
  remote: ReadonlyMap<MemberId, T>,
  dirty: ReadonlySet<MemberId>,
  redisLost: boolean,
): MergeResult<T> {
  const merged = new Map(remote);
  const push = new Map<MemberId, T>();
  const remove: MemberId[] = [];
  for (const id of dirty) {
    const mine = local.get(id);
    if (mine === undefined) {
      if (merged.delete(id)) remove.push(id);
    } else {
      merged.set(id, mine);
      push.set(id, mine);
    }
  }
  if (redisLost) {
    for (const [id, value] of local) {
      if (!merged.has(id) && !dirty.has(id)) {
        merged.set(id, value);
        push.set(id, value);
      }
    }
  }
  return { merged, push, remove };
}

/**
 * The audit log (newest first) with `entry` added on top, at most `limit` long; unchanged when the
 * same entry (same time, member, action and author) is already among the newest 50, as happens
 * when a change is replayed after a resync or arrives both by message and by re-read.
 */
export function addAudit(log: readonly AuditEntry[], entry: AuditEntry, limit: number): AuditEntry[] {
  const same = (e: AuditEntry) => e === entry || (e.at === entry.at && e.member === entry.member && e.action === entry.action && e.author === entry.author);
  if (log.slice(0, 50).some(same)) return log as AuditEntry[];
  return [entry, ...log].slice(0, limit);
}
