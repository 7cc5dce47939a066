/**
 * Records expiries of operator overrides like any other change (edge: reacts to snapshot swaps).
 *
 * Answers stop applying an override at its `expiresAt` on their own: the SnapshotKeeper rebuilds
 * at that time and `memberStates` drops expired entries. This module then removes the expired
 * entry from the store, so the audit log shows when and why the member came back (author
 * `EXPIRY_AUTHOR`) and an "override expired" event is logged with the member, the previous state
 * and the reason. It sweeps after every swap (setImmediate), never inside the keeper's listeners,
 * and removes an entry only if it is still the same object, so an override an operator set in the
 * meantime is never removed. The keeper swaps only when something changed, and the rebuild at an
 * expiry time always does (the expiring entry leaves the member's effective state); an entry that
 * was already expired when it reached the store is swept with the next swap. "Expired" is
 * `!isLive` (pool/live.ts), the same rule answers use. With several instances sharing Redis every
 * one sweeps, but only the one whose delete removed the entry writes the audit entry
 * (RedisStateStore, clearShared).
 */
import type { Logger } from './log.ts';
import { isLive } from './pool/index.ts';
import type { SnapshotKeeper } from './snapshot-keeper.ts';
import type { StateStore } from './state/index.ts';

export const EXPIRY_AUTHOR = 'mxlb (expired)';

export function recordExpiries(keeper: SnapshotKeeper, store: StateStore, logger: Logger, now: () => number = Date.now): () => void {
  const log = logger.child({ module: 'admin' });
  let queued = false;

  const sweep = async (): Promise<void> => {
    queued = false;
    const at = now();
    const due = <T extends { expiresAt?: number }>(entries: ReadonlyMap<string, T>) =>
      [...entries].filter(([, entry]) => entry.expiresAt !== undefined && !isLive(entry, at));
    for (const [member, override] of due(store.view().overrides)) {
      if (store.view().overrides.get(member) !== override) continue;
      const entry = await store.setOverride(member, undefined, EXPIRY_AUTHOR);
      const next = store.view().health.get(member)?.state ?? 'unknown';
      log.info({ member, action: entry.action, previous: override.kind, next, author: EXPIRY_AUTHOR, reason: override.reason, expiresAt: override.expiresAt }, 'override expired');
    }
    for (const [member, weight] of due(store.view().weights)) {
      if (store.view().weights.get(member) !== weight) continue;
      const entry = await store.setWeight(member, undefined, EXPIRY_AUTHOR);
      log.info({ member, action: entry.action, previous: weight.weight, next: 'configured', author: EXPIRY_AUTHOR, reason: weight.reason, expiresAt: weight.expiresAt }, 'override expired');
    }
  };

  return keeper.onSwap(() => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      sweep().catch((error: unknown) => log.error({ err: error }, 'recording an override expiry failed'));
    });
  });
}
