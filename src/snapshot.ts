import type { EffectiveState, MemberId } from './pool/model.ts';
import type { ZoneSet } from './zone/model.ts';

/**
 * Everything a DNS answer depends on, as one immutable value. Background tasks (zone loader,
 * probes, the state store) build a new Snapshot and swap it in; the query path only reads the
 * current one and never waits (DESIGN principle 2). `version` grows on every swap, and the answer
 * cache drops everything built from an older version.
 */
export interface Snapshot {
  version: number;
  zones: ZoneSet;
  /**
   * Effective state (observed health with operator overrides on top) of every member with a
   * verdict or an override. A member absent here has no verdict yet: `UNKNOWN_STATE`, usable.
   */
  members: ReadonlyMap<MemberId, EffectiveState>;
}
