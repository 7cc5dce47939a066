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
import {
  initialHealth,
  nextProbeDelay,
  step,
  type DelaySettings,
  type HealthTransition,
  type HysteresisSettings,
  type MemberHealth,
} from './health.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ProbeCheck, ProbeResult, ProbeTarget } from './types.ts';

export { systemClock, type Clock } from './clock.ts';

export interface ScheduledTarget {
  memberId: MemberId;
  target: ProbeTarget;
  settings: HysteresisSettings & DelaySettings;
}

export type ResultListener = (
  memberId: MemberId,
  result: ProbeResult,
  health: MemberHealth,
  transition?: HealthTransition,
) => void;

export interface SchedulerOptions {
  check: ProbeCheck;
  clock?: Clock;
  /** Uniform [0, 1), for interval jitter. */
  random?: () => number;
  /** Probes in flight at once over all members (default 64). */
  concurrency?: number;
  /** New members' first probes are spread over this many ms (default 200). */
  staggerMs?: number;
  /** Grace beyond the target's summed phase timeouts before a check is declared hung (default 1000). */
  watchdogMarginMs?: number;
  logger?: Logger;
}

interface Run {
  controller: AbortController;
  watchdog: unknown;
  settled: boolean;
  /** Target changed or removed while in flight: the result describes something else, drop it. */
  discard: boolean;
}

interface Entry {
  id: MemberId;
  target: ProbeTarget;
  settings: HysteresisSettings & DelaySettings;
  health: MemberHealth;
  /** At least one real probe finished (for the first round). */
  probed: boolean;
  timer?: unknown;
  queued: boolean;
  run?: Run;
  /** Start a probe as soon as the current (discarded) one settles. */
  rerun: boolean;
  removed: boolean;
  /** Not owned by this instance: no timer armed (see `setOwnership`). */
  parked: boolean;
}

function sameTarget(a: ScheduledTarget, b: Entry): boolean {
  const x = a.target;
  const y = b.target;
  return (
    x.address === y.address && x.port === y.port && x.ehloName === y.ehloName && x.starttls === y.starttls &&
    x.minCertDays === y.minCertDays && x.tlsServername === y.tlsServername &&
    String(x.bannerPattern) === String(y.bannerPattern) &&
    JSON.stringify(x.timeouts) === JSON.stringify(y.timeouts) &&
    JSON.stringify(a.settings) === JSON.stringify(b.settings)
  );
}

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
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 64));
    this.#staggerMs = Math.max(0, options.staggerMs ?? 200);
    this.#margin = Math.max(0, options.watchdogMarginMs ?? 1000);
    this.#log = (options.logger ?? silentLogger).child({ module: 'probe-scheduler' });
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
          probed: false, queued: false, rerun: false, removed: false, parked: false,
        };
        this.#entries.set(t.memberId, added);
        fresh.push(added);
      } else if (!sameTarget(t, entry)) {
        if (t.target.address !== entry.target.address || t.target.port !== entry.target.port) {
          entry.health = initialHealth(now); // another MTA now: the old verdict says nothing about it
          entry.probed = false;
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
    for (const entry of this.#entries.values()) {
      this.#clearTimer(entry);
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
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  #arm(entry: Entry, delayMs: number): void {
    this.#clearTimer(entry);
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = undefined;
      this.#enqueue(entry);
    }, delayMs);
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
    const target = entry.target;
    const startedAt = this.#clock.now();
    const run: Run = { controller: new AbortController(), watchdog: undefined, settled: false, discard: false };
    entry.run = run;
    this.#running++;
    const t = target.timeouts;
    // Worst case of a well-behaved check: every phase, EHLO twice with STARTTLS (RFC 3207 §4.2).
    const budget = t.connectMs + t.bannerMs + 2 * t.ehloMs + t.tlsMs + t.quitMs + this.#margin;
    run.watchdog = this.#clock.setTimeout(() => {
      run.controller.abort();
      this.#settle(entry, run, failure('probe-timeout', `check did not finish within ${budget} ms`, startedAt, budget));
    }, budget);
    let pending: Promise<ProbeResult>;
    try {
      pending = Promise.resolve(this.#check(target, run.controller.signal));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => this.#settle(entry, run, result),
      (error: unknown) => {
        const took = this.#clock.now() - startedAt;
        this.#settle(entry, run, failure('probe-error', String(error), startedAt, took));
      },
    );
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
    if (!entry.parked) this.#arm(entry, nextProbeDelay(next, entry.settings, this.#random));
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

function failure(reason: string, detail: string, startedAt: number, totalMs: number): ProbeResult {
  return { ok: false, reason, detail, phases: [], startedAt, totalMs };
}
