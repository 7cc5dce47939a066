/**
 * The warm-ups of the served members (edge helper of the ShapingKeeper): daily attempt counters
 * fed by the outcome store, delivery-signal freshness, automatic pauses while the reputation
 * model says `suspect`, and the operators' pause / resume / restart / finish (audited in the
 * state store's log, which is also where they are read back from after a restart).
 *
 * Contract: `factors(member, now)` are the member's `warm-up` factors — the overall one first,
 * then one per provider group with a cap today (`provider` set), none when it has no warm-up or
 * it is complete; `status` adds day N of M, today's cap, attempts so far and the projected finish.
 * Counters: attempts since local midnight in the schedule's zone, counted as outcomes arrive
 * (`outcomes.onRecord`) and written to `countsFile` (at most every 5 s and at stop, atomically) so
 * a restart keeps today's count; a member added by a reload is seeded from the outcome store's
 * last hour (all it keeps) (docs/shaping.md "Counting sends").
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from './log.ts';
import type { Member, MemberId } from './pool/index.ts';
import { DailyCounter, pauseControl, type DayTotal, resumeControl, startOfDay, localDate, warmUpStatus, type ShapingFactor, type WarmUpControl, type WarmUpStatus } from './shaping/index.ts';
import { BUCKET_MS, PROVIDER_GROUPS, type OutcomeStore } from './signals/index.ts';
import type { AuditEntry, StateStore } from './state/index.ts';
import { writeAtomically } from './zone/index.ts';

export type WarmUpAction = 'pause' | 'resume' | 'restart' | 'finish';
export const WARM_UP_ACTIONS: readonly WarmUpAction[] = ['pause', 'resume', 'restart', 'finish'];

export interface WarmUpsOptions {
  store: StateStore;
  outcomes: OutcomeStore;
  logger: Logger;
  now: () => number;
  /** Members whose reputation is `suspect` now (the ReputationKeeper's states). */
  suspect?: (member: MemberId) => boolean;
  /** Delivery signals older than this (from any member) count as stopped: open loop. Default 15 min. */
  staleMs?: number;
  /** Where today's attempt counters are kept across restarts (JSON); absent: memory only. */
  countsFile?: string;
}

export class WarmUps {
  readonly #o: WarmUpsOptions;
  readonly #counter = new DailyCounter();
  readonly #controls = new Map<MemberId, WarmUpControl>();
  /** The reason an operator gave for the pause in force (from the audit log). */
  readonly #pauseReasons = new Map<MemberId, string>();
  #members = new Map<MemberId, Member>();
  #lastSignalAt: number | undefined;
  #stops: Array<() => void> = [];
  #flushTimer: NodeJS.Timeout | undefined;
  /** Time of the newest audit entry read. */
  #auditSeen = 0;

  constructor(options: WarmUpsOptions) {
    this.#o = options;
    this.#stops.push(options.outcomes.onRecord((batch) => {
      const now = this.#o.now();
      this.#lastSignalAt = now;
      for (const outcome of batch) {
        const plan = this.#members.get(outcome.member)?.warmUp;
        if (plan) this.#counter.record(outcome, plan.schedule.timeZone, now);
      }
      this.#flushSoon();
    }));
    this.#restore();
    this.#readCounts();
  }

  setMembers(members: Iterable<Member>): void {
    const next = new Map<MemberId, Member>();
    for (const m of members) if (m.warmUp) next.set(m.id, m);
    const added = [...next.keys()].filter((id) => !this.#members.has(id));
    this.#members = next;
    this.#counter.retain(new Map([...next].map(([id, m]) => [id, m.warmUp!.schedule.days.length])));
    for (const id of added) this.#seed(id);
  }

  has(member: MemberId): boolean {
    return this.#members.has(member);
  }

  members(): MemberId[] {
    return [...this.#members.keys()];
  }

  /** The overall `warm-up` factor first, then one per provider group with a cap today (closed loop). */
  factors(member: MemberId, now: number): ShapingFactor[] {
    const status = this.status(member, now);
    if (!status?.factor) return [];
    return [status.factor, ...Object.values(status.providerFactors ?? {})];
  }

  status(member: MemberId, now: number): WarmUpStatus | undefined {
    const m = this.#members.get(member);
    if (!m?.warmUp) return undefined;
    const control = this.#autoPause(member, m, now);
    const fresh = this.#lastSignalAt !== undefined && now - this.#lastSignalAt <= (this.#o.staleMs ?? 15 * 60_000);
    return warmUpStatus({ plan: m.warmUp, control, now, today: fresh ? this.#counter.today(member, m.warmUp.schedule.timeZone, now) : undefined });
  }

  /** Attempts per local day (earlier days with attempts, then today), at most the plan's length. */
  history(member: MemberId, now: number): DayTotal[] {
    const m = this.#members.get(member);
    return m?.warmUp ? this.#counter.history(member, m.warmUp.schedule.timeZone, now) : [];
  }

  /** The reason an operator gave for the pause in force; undefined when not paused by one. */
  pauseReason(member: MemberId): string | undefined {
    return this.#controls.get(member)?.pausedBy === 'operator' ? this.#pauseReasons.get(member) : undefined;
  }

  /** An operator's action, audited (`warmup-<action>`); throws when the member has no warm-up. */
  async act(member: MemberId, action: WarmUpAction, author: string, reason: string): Promise<AuditEntry> {
    const m = this.#members.get(member);
    if (!m?.warmUp) throw new Error(`member ${member} has no warm-up in its zone`);
    const now = this.#o.now();
    const tz = m.warmUp.schedule.timeZone;
    const previous = this.#controls.get(member) ?? { pausedDays: 0 };
    let next: WarmUpControl;
    if (action === 'pause') next = pauseControl(previous, 'operator', now);
    else if (action === 'resume') next = resumeControl(previous, now, tz);
    else if (action === 'restart') next = { pausedDays: 0, start: localDate(now, tz) };
    else next = { ...resumeControl(previous, now, tz), finished: true };
    this.#controls.set(member, next);
    this.#pauseReasons.set(member, reason);
    this.#o.logger.info({ member, action, author, reason }, `warm-up ${action}`);
    return this.#o.store.appendAudit({ at: now, author, action: `warmup-${action}`, member, previous, next: { ...next, reason } });
  }

  stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
    if (this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      this.#writeCounts();
    }
  }

  #readCounts(): void {
    const file = this.#o.countsFile;
    if (!file || !existsSync(file)) return;
    try {
      this.#counter.restore(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      this.#o.logger.warn({ file, reason: (error as Error).message }, 'warm-up counters not read: counting from zero today');
    }
  }

  #flushSoon(): void {
    if (!this.#o.countsFile || this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#writeCounts();
    }, 5000);
    this.#flushTimer.unref();
  }

  #writeCounts(): void {
    const file = this.#o.countsFile;
    if (!file) return;
    try {
      writeAtomically(file, `${JSON.stringify(this.#counter.dump())}\n`);
    } catch (error) {
      this.#o.logger.warn({ file, reason: (error as Error).message }, 'warm-up counters not written');
    }
  }

  /** Pauses while suspect (unless an operator paused), resumes when it is no longer. */
  #autoPause(member: MemberId, m: Member, now: number): WarmUpControl {
    const control = this.#controls.get(member) ?? { pausedDays: 0 };
    const suspect = this.#o.suspect?.(member) ?? false;
    let next = control;
    if (suspect && control.pausedSince === undefined && !control.finished) next = pauseControl(control, 'suspect', now);
    else if (!suspect && control.pausedBy === 'suspect') next = resumeControl(control, now, m.warmUp!.schedule.timeZone);
    if (next !== control) {
      this.#controls.set(member, next);
      this.#o.logger.info({ member, paused: next.pausedBy === 'suspect' }, next.pausedBy === 'suspect' ? 'warm-up paused: reputation suspect' : 'warm-up resumed: reputation recovered');
    }
    return next;
  }

  /**
   * Operators' controls from the audit log (newest entry per member wins): all of it at start, then
   * (`refresh`, every tick) the entries newer than the last one applied — with Redis, an action
   * taken through another instance reaches this one with the store's next resync.
   */
  #restore(): void {
    this.#applyAudit(0);
  }

  refresh(): void {
    const newest = this.#o.store.audit(1)[0];
    if (newest && newest.at > this.#auditSeen) this.#applyAudit(this.#auditSeen);
  }

  #applyAudit(after: number): void {
    for (const entry of [...this.#o.store.audit(10_000)].reverse()) {
      this.#auditSeen = Math.max(this.#auditSeen, entry.at);
      if (entry.at <= after || !entry.action.startsWith('warmup-') || typeof entry.next !== 'object' || entry.next === null) continue;
      const { reason, ...control } = entry.next as WarmUpControl & { reason?: string };
      this.#controls.set(entry.member, control);
      if (typeof reason === 'string') this.#pauseReasons.set(entry.member, reason);
    }
  }

  /** Today's attempts the outcome store still holds (its last hour, not before local midnight). */
  #seed(member: MemberId): void {
    const plan = this.#members.get(member)?.warmUp;
    if (!plan) return;
    const now = this.#o.now();
    const since = Math.max(now - 3_600_000, startOfDay(localDate(now, plan.schedule.timeZone), plan.schedule.timeZone));
    const windowMs = Math.floor((now - since) / BUCKET_MS) * BUCKET_MS;
    if (windowMs <= 0) return;
    const providers: Partial<Record<(typeof PROVIDER_GROUPS)[number], number>> = {};
    let total = 0;
    for (const group of PROVIDER_GROUPS) {
      const c = this.#o.outcomes.counts(member, windowMs, group);
      const n = c.sent + c.deferred + c.bounced;
      if (n > 0) providers[group] = n;
      total += n;
    }
    if (total > 0) this.#counter.seed(member, plan.schedule.timeZone, now, { total, providers });
  }
}
