/**
 * Member states handed to an answering worker (./worker-protocol.ts, contract there): a thread's
 * first snapshot carries every member, each later one only the members whose EffectiveState object
 * changed and the ids that left. Control-plane side `membersUpdate`, worker side `applyMembers`.
 */
import type { EffectiveState, MemberId } from '../pool/index.ts';

/**
 * A snapshot's member states: `full` replaces everything the thread held; otherwise `set` and
 * `removed` apply to the members of the previous snapshot message (see the contract above).
 */
export interface MembersUpdate {
  full: boolean;
  set: Array<[MemberId, EffectiveState]>;
  removed: MemberId[];
}

/**
 * The update that turns `previous` (what the thread was sent last; undefined: nothing yet) into
 * `next`, by object identity: an entry is sent when its object differs (equal states in new
 * objects are sent too, which is correct, only larger).
 */
export function membersUpdate(previous: ReadonlyMap<MemberId, EffectiveState> | undefined, next: ReadonlyMap<MemberId, EffectiveState>): MembersUpdate {
  if (previous === undefined) return { full: true, set: [...next], removed: [] };
  const set: Array<[MemberId, EffectiveState]> = [];
  for (const [id, state] of next) if (previous.get(id) !== state) set.push([id, state]);
  const removed: MemberId[] = [];
  if (set.length > 0 || previous.size !== next.size) for (const id of previous.keys()) if (!next.has(id)) removed.push(id);
  return { full: false, set, removed };
}

/** The members after `update` on top of `previous` (worker side); always a new Map (the MX plan memo is keyed by the map, pool/mx.ts). */
export function applyMembers(previous: ReadonlyMap<MemberId, EffectiveState>, update: MembersUpdate): Map<MemberId, EffectiveState> {
  const members = update.full ? new Map<MemberId, EffectiveState>() : new Map(previous);
  for (const id of update.removed) members.delete(id);
  for (const [id, state] of update.set) members.set(id, state);
  return members;
}
