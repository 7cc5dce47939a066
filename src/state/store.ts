/**
 * StateStore: where health verdicts and operator state live beyond one probe or one process.
 * Two implementations behind this one seam (DESIGN "Shared state"): memory (one node, persisted to
 * a state file) and, later, Redis (several instances).
 *
 * Contract: `view()` is synchronous and cheap (the snapshot builder calls it); writes apply to the
 * local view at once, persist in the background, and resolve when durable. `onChange` fires after
 * any change that can alter answers (a verdict, an override, a weight), local or remote. A store
 * never throws from `view()`; a store that cannot persist reports it through `health()`.
 */
import type { MemberHealth } from '../probe/index.ts';
import type { MemberId, ObservedState, Override, WeightOverride } from '../pool/index.ts';

/** The part of a member's health worth keeping across restarts (last-known verdict). */
export interface PersistedHealth {
  state: ObservedState;
  since: number;
  reason?: string;
  lastProbeAt?: number;
  lastFailure?: { at: number; reason: string; detail?: string };
}

/** One operator action, for the audit log: who, when, what, and the value it replaced. */
export interface AuditEntry {
  at: number;
  author: string;
  action: string;
  member: MemberId;
  previous?: unknown;
  next?: unknown;
}

/**
 * The audit action for an override change, named like the admin API action that makes it
 * (`drain`, `undrain`, `quarantine`, `release`), so the log reads like the commands typed.
 */
export function overrideAction(next: Override | undefined, previous: Override | undefined): string {
  if (next) return next.kind === 'drained' ? 'drain' : 'quarantine';
  if (previous) return previous.kind === 'drained' ? 'undrain' : 'release';
  return 'clear-override';
}

export interface StateView {
  health: ReadonlyMap<MemberId, PersistedHealth>;
  overrides: ReadonlyMap<MemberId, Override>;
  weights: ReadonlyMap<MemberId, WeightOverride>;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not ok, for /readyz and /status ("state file not writable: EACCES …"). */
  reason?: string;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /** Loads what was persisted. Call once before reading. Never rejects for a missing file. */
  open(): Promise<void>;
  view(): StateView;
  /** Records a member's verdict (called on every transition). */
  putHealth(member: MemberId, health: PersistedHealth): void;
  /** Sets (or with `undefined` clears) an override; returns the audit entry written. */
  setOverride(member: MemberId, override: Override | undefined, author: string): Promise<AuditEntry>;
  setWeight(member: MemberId, weight: WeightOverride | undefined, author: string): Promise<AuditEntry>;
  /**
   * Records an operator action that is not an override or a weight (a warm-up paused, resumed,
   * restarted or finished: docs/shaping.md) in the same audit log, persisted like the others.
   */
  appendAudit(entry: AuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  audit(limit?: number): AuditEntry[];
  onChange(listener: () => void): () => void;
  health(): StoreHealth;
  /** Flushes pending writes. */
  close(): Promise<void>;
}

/** What of a MemberHealth is persisted. */
export function persistableHealth(health: MemberHealth): PersistedHealth {
  const kept: PersistedHealth = { state: health.state, since: health.since };
  if (health.reason !== undefined) kept.reason = health.reason;
  if (health.lastProbeAt !== undefined) kept.lastProbeAt = health.lastProbeAt;
  if (health.lastFailure !== undefined) kept.lastFailure = health.lastFailure;
  return kept;
}

/** A MemberHealth to seed the scheduler with after a restart: the verdict, with fresh counters. */
export function restoredHealth(saved: PersistedHealth): MemberHealth {
  const health: MemberHealth = { state: saved.state, since: saved.since, successes: 0, failures: 0, probes: 0 };
  if (saved.reason !== undefined) health.reason = saved.reason;
  if (saved.lastProbeAt !== undefined) health.lastProbeAt = saved.lastProbeAt;
  if (saved.lastFailure !== undefined) health.lastFailure = saved.lastFailure;
  return health;
}
