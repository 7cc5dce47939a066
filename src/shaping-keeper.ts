/**
 * Applies the traffic-shaping models (edge: one timer; docs/shaping.md). It watches every snapshot
 * swap for members coming back (slow start), and on a short tick evaluates each configured
 * member's shaping factors — slow start, warm-up, latency, load — at its clock, handing them to
 * the SnapshotKeeper (`setShaping`). The models quantise their values, so the snapshot (and the
 * answer cache) is rebuilt only when a factor moved by a step, never on the DNS path.
 *
 * Contract: `setZones` tells it the configured members and their pools' settings; `start` arms
 * the tick (default 1 s) and `stop` disarms it. Factors are pushed only when some member's list
 * differs from the last one pushed. A factor of 0 makes the member a standby (`weight.ts`), which
 * tiers, min-healthy and the all-down policy treat like any other standby.
 */
import type { Logger } from './log.ts';
import type { Member, MemberId, Pool, ShapingFactor } from './pool/index.ts';
import { DEFAULT_LATENCY, DeliveryDelayTracker, LatencyTracker, LoadBook, SlowStartTracker, smtpPhaseMs, type DayTotal, type LoadReport, type WarmUpPlan, type WarmUpStatus } from './shaping/index.ts';
import { AgentChecker } from './shaping-agent.ts';
import type { ProbeResult } from './probe/index.ts';
import { WarmUps, type WarmUpAction } from './shaping-warmups.ts';
import type { OutcomeStore } from './signals/index.ts';
import type { SnapshotKeeper } from './snapshot-keeper.ts';
import type { AuditEntry, StateStore } from './state/index.ts';
import type { ZoneSet } from './zone/index.ts';

export interface ShapingKeeperOptions {
  keeper: SnapshotKeeper;
  store: StateStore;
  outcomes: OutcomeStore;
  /** Whether the reputation model holds the member `suspect` now (a warm-up pauses meanwhile). */
  suspect?: (member: MemberId) => boolean;
  /** Delivery signals older than this count as stopped (warm-ups fall back to open loop); default 15 min. */
  signalsStaleMs?: number;
  /** File that keeps today's warm-up attempt counters across restarts. */
  countsFile?: string;
  logger: Logger;
  now?: () => number;
  /** Evaluation period, default 1 s (slow-start and warm-up steps are coarser than this). */
  tickMs?: number;
}

/** One configured member with its pool (the first pool that lists it wins, as in tiers). */
interface Configured {
  member: Member;
  pool: Pool;
}

export class ShapingKeeper {
  readonly #o: Required<Pick<ShapingKeeperOptions, 'keeper' | 'logger' | 'now' | 'tickMs'>>;
  readonly #slow = new SlowStartTracker();
  readonly #warmUps: WarmUps;
  readonly #latency = new LatencyTracker();
  readonly #delay = new DeliveryDelayTracker();
  readonly #load = new LoadBook();
  readonly #agents: AgentChecker;
  #members = new Map<MemberId, Configured>();
  /** Pools under a name with policy `latency` (their members get latency factors). */
  #latencyPools = new Map<string, Pool>();
  #pushed = new Map<MemberId, readonly ShapingFactor[]>();
  #timer: NodeJS.Timeout | undefined;
  #pending = false;
  #stops: Array<() => void> = [];

  constructor(options: ShapingKeeperOptions) {
    this.#o = { now: Date.now, tickMs: 1000, ...options };
    this.#warmUps = new WarmUps({
      store: options.store,
      outcomes: options.outcomes,
      logger: options.logger,
      now: this.#o.now,
      ...(options.suspect ? { suspect: options.suspect } : {}),
      ...(options.signalsStaleMs === undefined ? {} : { staleMs: options.signalsStaleMs }),
      ...(options.countsFile ? { countsFile: options.countsFile } : {}),
    });
    this.#agents = new AgentChecker((member, line) => {
      this.#load.agentLine(member, line, this.#o.now());
      this.#soon();
    }, options.logger);
    this.#stops.push(options.keeper.onSwap(() => this.#observe()));
    // A cap can be reached by the outcomes just recorded: look again now, not at the next tick.
    // Sent delays feed the `delivery-delay` component of the latency policy (shaping/delivery-delay.ts).
    this.#stops.push(
      options.outcomes.onRecord((outcomes) => {
        for (const o of outcomes) if (this.#members.has(o.member)) this.#delay.record(o);
        this.#soon();
      }),
    );
  }

  /** The members to shape: every member of the served zones, with its pool's settings. */
  setZones(zones: ZoneSet): void {
    const members = new Map<MemberId, Configured>();
    for (const zone of zones.zones.values()) {
      for (const pool of zone.balancing?.pools.values() ?? []) {
        for (const member of pool.members) if (!members.has(member.id)) members.set(member.id, { member, pool });
      }
    }
    const latencyPools = new Map<string, Pool>();
    for (const zone of zones.zones.values()) {
      for (const name of zone.balancing?.names.values() ?? []) {
        if (name.policy !== 'latency') continue;
        for (const tier of name.tiers) for (const m of tier.members) {
          const pool = zone.balancing!.pools.get(m.pool);
          if (pool) latencyPools.set(`${zone.origin} ${pool.name}`, pool);
        }
      }
    }
    this.#members = members;
    this.#latencyPools = latencyPools;
    const ids = new Set(members.keys());
    this.#slow.retain(ids);
    this.#latency.retain(ids);
    this.#delay.retain(ids);
    this.#load.retain(ids);
    this.#warmUps.setMembers([...members.values()].map((c) => c.member));
    if (this.#timer) this.#agents.setTargets(this.#agentTargets());
    this.#observe();
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.evaluate(), this.#o.tickMs);
    this.#timer.unref();
    this.#agents.setTargets(this.#agentTargets());
    this.evaluate();
  }

  /** A probe's result (ProbeScheduler.onResult): its SMTP-phase latency feeds the member's EWMA. */
  probeResult(member: MemberId, result: ProbeResult): void {
    const ms = smtpPhaseMs(result);
    const c = this.#members.get(member);
    if (ms === undefined || !c) return;
    this.#latency.observe(member, ms, c.pool.shaping?.latency?.alpha ?? DEFAULT_LATENCY.alpha);
    // Only a latency-policy pool's factors read the EWMA: re-evaluating every member (O(members))
    // after each of 1,000 probe results a second (10,000 members at 10 s) cost most of a core.
    for (const pool of this.#latencyPools.values()) {
      if (pool === c.pool) {
        this.#soon();
        return;
      }
    }
  }

  /** A load report (POST /api/load); false when the member is not served. */
  reportLoad(member: MemberId, report: LoadReport): boolean {
    if (!this.#members.has(member)) return false;
    this.#load.report(member, report, this.#o.now());
    this.#soon();
    return true;
  }

  /** A member's latency EWMA (ms), median sent delay (s, over its pool's window) and last load report, for /status. */
  loadOf(member: MemberId): { latencyMs?: number; deliveryDelay?: { seconds: number; samples: number }; load?: LoadReport & { at: number } } {
    const out: { latencyMs?: number; deliveryDelay?: { seconds: number; samples: number }; load?: LoadReport & { at: number } } = {};
    const ewma = this.#latency.ewma(member);
    if (ewma !== undefined) out.latencyMs = Math.round(ewma * 10) / 10;
    const window = this.#members.get(member)?.pool.shaping?.latency?.delayWindowMs ?? DEFAULT_LATENCY.delayWindowMs;
    const med = this.#delay.median(member, this.#o.now(), window);
    if (med) out.deliveryDelay = { seconds: Math.round(med.ms) / 1000, samples: med.samples };
    const load = this.#load.lastReport(member);
    if (load) out.load = load;
    return out;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#agents.stop();
    for (const stop of this.#stops.splice(0)) stop();
    this.#warmUps.stop();
  }

  /** A member's warm-up now (undefined: it has none). */
  warmUp(member: MemberId): WarmUpStatus | undefined {
    return this.#warmUps.status(member, this.#o.now());
  }

  /** A member's attempts per local day so far (earlier days with attempts, then today). */
  warmUpHistory(member: MemberId): DayTotal[] {
    return this.#warmUps.history(member, this.#o.now());
  }

  /** The reason an operator gave for the warm-up pause in force (undefined: not paused by one). */
  warmUpPauseReason(member: MemberId): string | undefined {
    return this.#warmUps.pauseReason(member);
  }

  /** A member's warm-up plan as its zone writes it (undefined: none). */
  warmUpPlan(member: MemberId): WarmUpPlan | undefined {
    return this.#members.get(member)?.member.warmUp;
  }

  /** Members with a warm-up in the served zones. */
  warmUpMembers(): MemberId[] {
    return this.#warmUps.members();
  }

  /** An operator's pause, resume, restart or finish of a warm-up (audited); the factors follow at once. */
  async warmUpAction(member: MemberId, action: WarmUpAction, author: string, reason: string): Promise<AuditEntry> {
    const entry = await this.#warmUps.act(member, action, author, reason);
    this.evaluate();
    return entry;
  }

  /** The factors last handed to the snapshot keeper (for /status and tests). */
  factors(): ReadonlyMap<MemberId, readonly ShapingFactor[]> {
    return this.#pushed;
  }

  /** Evaluates every member's factors now and hands them over when any changed; returns whether. */
  evaluate(): boolean {
    const now = this.#o.now();
    this.#warmUps.refresh();
    const next = new Map<MemberId, readonly ShapingFactor[]>();
    const latency = new Map<MemberId, ShapingFactor>();
    const delay = new Map<MemberId, ShapingFactor>();
    for (const pool of this.#latencyPools.values()) {
      const ids = pool.members.map((m) => m.id);
      const settings = pool.shaping?.latency ?? DEFAULT_LATENCY;
      for (const [id, f] of this.#latency.factors(ids, settings)) latency.set(id, f);
      for (const [id, f] of this.#delay.factors(ids, settings, now)) delay.set(id, f);
    }
    for (const [id, { pool }] of this.#members) {
      const list: ShapingFactor[] = [];
      const slow = this.#slow.factor(id, pool.shaping?.slowStart, now);
      if (slow) list.push(slow);
      list.push(...this.#warmUps.factors(id, now)); // the overall factor, then any per provider
      const lat = latency.get(id);
      if (lat && lat.value < 1) list.push(lat);
      const del = delay.get(id); // at 1 too while in force: says "fastest" or "no samples"
      if (del) list.push(del);
      const load = this.#load.factor(id, now, pool.shaping?.agent?.intervalMs, pool.shaping?.load);
      if (load) list.push(load);
      if (list.length > 0) next.set(id, list);
    }
    if (sameFactors(next, this.#pushed)) return false;
    this.#pushed = next;
    this.#o.logger.debug({ members: next.size }, 'shaping factors changed');
    this.#o.keeper.setShaping(next);
    return true;
  }

  /** After a swap: note each member's state (slow start), then evaluate outside the swap's call. */
  #observe(): void {
    const now = this.#o.now();
    const states = this.#o.keeper.current().members;
    for (const id of this.#members.keys()) this.#slow.observe(id, states.get(id)?.state ?? 'unknown', now);
    this.#soon();
  }

  #agentTargets() {
    return [...this.#members.values()].flatMap(({ member, pool }) => (pool.shaping?.agent ? [{ member, settings: pool.shaping.agent }] : []));
  }

  #soon(): void {
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(() => {
      this.#pending = false;
      this.evaluate();
    });
  }
}

function sameFactors(a: ReadonlyMap<MemberId, readonly ShapingFactor[]>, b: ReadonlyMap<MemberId, readonly ShapingFactor[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, x] of a) {
    const y = b.get(id);
    if (!y || x.length !== y.length || x.some((f, i) => f.name !== y[i]!.name || f.value !== y[i]!.value || f.reason !== y[i]!.reason || f.provider !== y[i]!.provider || f.detail !== y[i]!.detail)) return false;
  }
  return true;
}
