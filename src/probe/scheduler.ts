/**
 * Probe scheduler (edge: timers). Runs the injected SMTP check for every member, feeds results to
 * `health.step` and reports them. The clock, timers and randomness are injected so the whole loop
 * runs under a fake clock in unit tests.
 *
 * Guarantees:
 * - one probe in flight per member: the next one is armed only when the previous one settled;
 * - at most `concurrency` probes in flight overall, the rest wait in FIFO order;
 * - new members are probed at once, their first probes spread evenly over `staggerMs`;
 * - `setTargets` applies a reload as a diff: unchanged members keep health, timers and in-flight
 *   probes; removed ones are aborted and forgotten; changed ones are re-probed promptly (their
 *   in-flight probe is aborted and its result ignored) and keep their health unless the address or
 *   port changed (then it is another MTA: back to `unknown`);
 * - a check that breaks its contract (rejects, throws, or outlives the sum of its phase timeouts
 *   plus `watchdogMarginMs`) counts as a failed probe (`probe-error`, `probe-timeout`) instead of
 *   freezing the member's health;
 * - `stop()` aborts every in-flight probe and clears every timer; nothing is reported after it;
 * - ownership (cluster leases): a member this instance does not own is parked: no timer, no probe,
 *   no result, and it counts as done for the first round. `ownershipChanged()` parks the members
 *   lost at once (a probe in flight still reports) and probes the members gained at once, starting
 *   from the health `adopt` returns (the shared verdict), so hysteresis continues where the
 *   previous prober left it.
 */
import { MxlbError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { MemberId } from '../name.ts';
import { initialHealth, nextProbeDelay, step, type HealthTransition, type MemberHealth } from './health.ts';
import { systemClock, type Clock } from './clock.ts';
import { sameTarget, type Entry, type ResultListener, type Run, type ScheduledTarget, type SchedulerOptions } from './scheduler-entry.ts';
import { startRun } from './scheduler-run.ts';
import { TimerQueue } from './timer-queue.ts';
import type { ProbeCheck, ProbeResult } from './types.ts';

export { systemClock, type Clock } from './clock.ts';
export type { ResultListener, ScheduledTarget, SchedulerOptions } from './scheduler-entry.ts';

export class ProbeScheduler {
  readonly #check: ProbeCheck;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #concurrency: number;
  readonly #staggerMs: number;
  readonly #margin: number;
  readonly #log: Logger;
  readonly #entries = new Map<MemberId, Entry>();
  readonly #seeds = new Map<MemberId, MemberHealth>();
  readonly #listeners = new Set<ResultListener>();
  /** Every member's next probe behind one clock timer (timer-queue.ts), not a timer per member. */
  readonly #due: TimerQueue<Entry>;
  #queue: Entry[] = [];
  #running = 0;
  #stopped = false;
  #targetsSet = false;
  #owns: (id: MemberId) => boolean = () => true;
  #adopt: (id: MemberId) => MemberHealth | undefined = () => undefined;
  #firstRoundDone = false;
  #resolveFirst!: () => void;
  #rejectFirst!: (error: Error) => void;
  readonly #firstRound: Promise<void>;

  constructor(options: SchedulerOptions) {
    this.#check = options.check;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 256));
    this.#staggerMs = Math.max(0, options.staggerMs ?? 200);
    this.#margin = Math.max(0, options.watchdogMarginMs ?? 1000);
    this.#log = (options.logger ?? silentLogger).child({ module: 'probe-scheduler' });
    this.#due = new TimerQueue(this.#clock, (entry) => this.#enqueue(entry));
    this.#firstRound = new Promise<void>((resolve, reject) => {
      this.#resolveFirst = resolve;
      this.#rejectFirst = reject;
    });
    this.#firstRound.catch(() => {}); // nobody has to await it; a rejection must not go unhandled
  }

  /** Replace the set of probed members (a reload). Throws on duplicate member ids, before changing anything. */
  setTargets(targets: readonly ScheduledTarget[]): void {
    if (this.#stopped) return;
    const wanted = new Map<MemberId, ScheduledTarget>();
    for (const t of targets) {
      if (wanted.has(t.memberId)) throw new MxlbError('duplicate-target', `probe target ${t.memberId} is listed twice`);
      wanted.set(t.memberId, t);
    }
    this.#targetsSet = true;
    const now = this.#clock.now();
    for (const [id, entry] of this.#entries) if (!wanted.has(id)) this.#remove(entry);
    const fresh: Entry[] = [];
    for (const t of wanted.values()) {
      const entry = this.#entries.get(t.memberId);
      if (!entry) {
        const seeded = this.#seeds.get(t.memberId);
        this.#seeds.delete(t.memberId);
        const added: Entry = {
          id: t.memberId, target: t.target, settings: t.settings, health: seeded ?? initialHealth(now),
          probed: false, queued: false, rerun: false, removed: false, parked: false, spread: true,
        };
        this.#entries.set(t.memberId, added);
        fresh.push(added);
      } else if (!sameTarget(t, entry)) {
        if (t.target.address !== entry.target.address || t.target.port !== entry.target.port) {
          entry.health = initialHealth(now); // another MTA now: the old verdict says nothing about it
          entry.probed = false;
          entry.spread = true;
        }
        entry.target = t.target;
        entry.settings = t.settings;
        if (entry.run) {
          entry.run.discard = true;
          entry.run.controller.abort();
          entry.rerun = true;
        } else if (!entry.queued) {
          fresh.push(entry);
        }
      }
    }
    fresh.forEach((entry, i) => this.#arm(entry, Math.floor((i * this.#staggerMs) / fresh.length)));
    this.#checkFirstRound();
  }

  /** Reuse last-known health (e.g. from the state file) for members not probed yet. */
  seed(health: ReadonlyMap<MemberId, MemberHealth>): void {
    for (const [id, h] of health) {
      const entry = this.#entries.get(id);
      if (!entry) this.#seeds.set(id, h);
      else if (!entry.probed) entry.health = h;
    }
  }

  /**
   * Which members this instance probes (cluster mode: the ones it holds a lease on), and where a
   * member gained gets its starting health. Default: every member, health kept. Applies at once.
   */
  setOwnership(owns: (id: MemberId) => boolean, adopt?: (id: MemberId) => MemberHealth | undefined): void {
    this.#owns = owns;
    this.#adopt = adopt ?? (() => undefined);
    this.ownershipChanged();
  }

  /** Re-reads ownership: parks members lost, probes members gained now. */
  ownershipChanged(): void {
    if (this.#stopped) return;
    for (const entry of this.#entries.values()) {
      const owned = this.#owns(entry.id);
      if (!owned && !entry.parked) {
        entry.parked = true;
        this.#clearTimer(entry);
      } else if (owned && entry.parked) {
        entry.parked = false;
        const adopted = this.#adopt(entry.id);
        if (adopted) entry.health = adopted;
        if (!entry.run && !entry.queued) this.#arm(entry, 0);
      }
    }
    this.#checkFirstRound();
  }

  /** Subscribe to every probe result; returns the unsubscribe function. */
  onResult(listener: ResultListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once every member has had one probe (members added later do not reset it); rejects on stop. */
  firstRoundDone(): Promise<void> {
    return this.#firstRound;
  }

  isFirstRoundDone(): boolean {
    return this.#firstRoundDone;
  }

  /** Current health of every member this instance probes, by id (parked members' is stale: left out). */
  snapshot(): Map<MemberId, MemberHealth> {
    return new Map([...this.#entries].filter(([, e]) => !e.parked).map(([id, e]) => [id, e.health]));
  }

  /** Probes running now (for metrics and tests). */
  get inFlight(): number {
    return this.#running;
  }

  /** Abort in-flight probes and clear every timer. Health stays readable through `snapshot()`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#due.clear();
    for (const entry of this.#entries.values()) {
      if (entry.run) {
        this.#clock.clearTimeout(entry.run.watchdog);
        entry.run.discard = true;
        entry.run.controller.abort();
      }
    }
    this.#queue = [];
    if (!this.#firstRoundDone) {
      this.#rejectFirst(new MxlbError('scheduler-stopped', 'probe scheduler stopped before the first round finished'));
    }
  }

  #remove(entry: Entry): void {
    entry.removed = true;
    this.#clearTimer(entry);
    if (entry.run) {
      entry.run.discard = true;
      entry.run.controller.abort(); // its watchdog still frees the slot if the check ignores the abort
    }
    this.#entries.delete(entry.id);
  }

  #clearTimer(entry: Entry): void {
    this.#due.cancel(entry);
  }

  #arm(entry: Entry, delayMs: number): void {
    this.#due.schedule(entry, delayMs);
  }

  /** The pause before the member's next probe; the first settled interval is spread (see `Entry.spread`). */
  #delay(entry: Entry, health: MemberHealth): number {
    const delay = nextProbeDelay(health, entry.settings, this.#random);
    if (!entry.spread || health.state === 'unknown' || delay < entry.settings.intervalMs * 0.5) return delay;
    entry.spread = false;
    return Math.round(entry.settings.intervalMs * (0.5 + this.#random()));
  }

  #enqueue(entry: Entry): void {
    if (this.#stopped || entry.removed || entry.queued || entry.run) return;
    if (!this.#owns(entry.id)) {
      entry.parked = true;
      return;
    }
    entry.queued = true;
    this.#queue.push(entry);
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped && this.#running < this.#concurrency && this.#queue.length > 0) {
      const entry = this.#queue.shift()!;
      entry.queued = false;
      if (!entry.removed && !entry.run) this.#start(entry);
    }
  }

  #start(entry: Entry): void {
    this.#running++;
    entry.run = startRun(this.#check, entry.target, this.#clock, this.#margin, (run, result) => this.#settle(entry, run, result));
  }

  #settle(entry: Entry, run: Run, result: ProbeResult): void {
    if (run.settled) return;
    run.settled = true;
    this.#clock.clearTimeout(run.watchdog);
    this.#running--;
    if (entry.run === run) entry.run = undefined;
    if (this.#stopped) return;
    if (run.discard) {
      if (!entry.removed && entry.rerun) {
        entry.rerun = false;
        this.#enqueue(entry);
      }
      this.#pump();
      return;
    }
    const { next, transition } = step(entry.health, result, entry.settings, this.#clock.now());
    entry.health = next;
    entry.probed = true;
    if (!entry.parked) this.#arm(entry, this.#delay(entry, next));
    for (const listener of this.#listeners) {
      try {
        listener(entry.id, result, next, transition);
      } catch (error) {
        this.#log.error({ err: error, member: entry.id }, 'probe result listener failed');
      }
    }
    this.#checkFirstRound();
    this.#pump();
  }

  #checkFirstRound(): void {
    if (this.#firstRoundDone || !this.#targetsSet) return;
    for (const entry of this.#entries.values()) if (!entry.probed && this.#owns(entry.id)) return;
    this.#firstRoundDone = true;
    this.#resolveFirst();
  }
}
