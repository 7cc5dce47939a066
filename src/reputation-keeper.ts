/**
 * Applies the reputation model (edge: timers, the state store, the snapshot keeper). It feeds
 * delivery outcomes to the response rules, steps `reputationStep` for every configured member on a
 * short tick (and soon after outcomes arrive), and turns verdicts into what answers read:
 * - `quarantined` → an automatic override beside the operator's: kind `quarantined`, author
 *   `mxlb reputation`, the findings as reason, an expiry `hold` ahead (renewed while it holds), so
 *   it is audited like an operator's and lapses by itself if mxlb stops;
 * - `suspect` with a `scale` rule in force → a `reputation` weight factor (`SnapshotKeeper.setReputation`);
 * - a provider group's level `quarantined` → a per-provider scale 0 (`setReputation`'s second map),
 *   which only per-provider names (`provider:`) read: the member leaves that name and keeps
 *   serving the others. Provider rules act there too (not on the member) when the member serves
 *   a name for their provider (`providerNames`, from the zones) or say `scope: provider`; a
 *   provider-scoped `scale F` rule is a per-provider scale F. No override is written and nothing is held back: the name's own tiers and
 *   all-down policy decide what it answers without the member (docs/routing.md).
 * - back to good (or pinned) → its override is removed (audited) and the factor dropped.
 *
 * Never fail closed by accident: a quarantine that would leave a tier of a balanced name it serves
 * in with fewer eligible members than its `min-healthy` is held back (logged once, shown in
 * /status) — the all-down policy still applies as written because the override is an ordinary
 * quarantine. An operator's own override is never replaced. When an operator releases an
 * automatic quarantine before it lapsed, the member is pinned for the hold time so the model does
 * not put it straight back; `pin` does the same on request.
 */
import type { Logger } from './log.ts';
import { composeWeight, type MemberId, type ProviderScales, type ReputationScale } from './pool/index.ts';
import { reputationStep, RuleTracker, stateReason, type DnsblListing, type ReputationSettings, type ReputationState } from './reputation/index.ts';
import { providerScales } from './reputation-providers.ts';
import type { SnapshotKeeper } from './snapshot-keeper.ts';
import { PROVIDER_GROUPS, type OutcomeStore, type ProviderGroup, type StatusCounts } from './signals/index.ts';
import type { StateStore } from './state/index.ts';
import type { ZoneSet } from './zone/index.ts';

export const REPUTATION_AUTHOR = 'mxlb reputation';

/** Where DNSBL listings come from (the DNSBL monitor): confirmed listings per member. */
export interface DnsblSource {
  listings(member: MemberId): readonly DnsblListing[];
  onChange(listener: () => void): () => void;
}

export interface MemberReputation extends ReputationState {
  /** Set when a quarantine is due but held back, and why. */
  heldBack?: string;
  /** An operator's override stands where an automatic one would. */
  overriddenBy?: string;
}

export interface ReputationKeeperOptions {
  store: StateStore;
  keeper: SnapshotKeeper;
  outcomes: OutcomeStore;
  /** Settings of members whose pool writes none (mxlb's defaults and shipped rules). */
  defaults: ReputationSettings;
  dnsbl?: DnsblSource;
  /**
   * Whether this instance writes automatic overrides for `member` (cluster mode: its probe lease
   * holder, so a verdict is written once for the cluster); default: always. Verdicts and weight
   * factors are computed on every instance alike.
   */
  mayWrite?: (member: MemberId) => boolean;
  logger: Logger;
  now?: () => number;
  /**
   * Longest tick period, default 5 s; the keeper ticks faster when a zone's hold, cool-down or a
   * rule's duration is short (a quarter of the shortest, at least 250 ms), and soon after outcomes.
   */
  tickMs?: number;
}

export class ReputationKeeper {
  readonly #o: Required<Omit<ReputationKeeperOptions, 'dnsbl'>> & { dnsbl?: DnsblSource };
  readonly #tracker = new RuleTracker();
  readonly #states = new Map<MemberId, MemberReputation>();
  /** Each served member's settings: its pool's `reputation:` block over the defaults. */
  #settings = new Map<MemberId, ReputationSettings>();
  /** Provider groups each member serves a per-provider name for (any tier, view or experiment arm of any zone). */
  #providerNames = new Map<MemberId, Set<ProviderGroup>>();
  readonly #pins = new Map<MemberId, { until: number; reason: string; author: string }>();
  /** Expiry of the automatic override this keeper last wrote per member. */
  readonly #applied = new Map<MemberId, number>();
  #members: MemberId[] = [];
  #timer: NodeJS.Timeout | undefined;
  #period = 0;
  #soon: NodeJS.Timeout | undefined;
  #running = false;
  #stops: Array<() => void> = [];

  constructor(options: ReputationKeeperOptions) {
    this.#o = { now: Date.now, tickMs: 5000, mayWrite: () => true, ...options };
    this.#stops.push(options.outcomes.onRecord((batch) => {
      const now = this.#o.now();
      for (const outcome of batch) {
        const settings = this.#settings.get(outcome.member);
        if (settings?.enforce) for (const hit of this.#tracker.record(settings.rules, outcome, now)) {
          this.#o.logger.info({ member: outcome.member, rule: hit.rule, matches: hit.matches, until: new Date(hit.until).toISOString() }, 'reputation rule triggered');
        }
      }
      this.#tickSoon();
    }));
    if (options.dnsbl) this.#stops.push(options.dnsbl.onChange(() => this.#tickSoon()));
  }

  /** The members to judge (every member of the served zones). */
  setZones(zones: ZoneSet): void {
    const settings = new Map<MemberId, ReputationSettings>();
    for (const zone of zones.zones.values()) {
      for (const pool of zone.balancing?.pools.values() ?? []) {
        const own = pool.reputation?.model;
        const merged = own ? { ...this.#o.defaults, ...own } : this.#o.defaults;
        for (const m of pool.members) if (!settings.has(m.id)) settings.set(m.id, merged);
      }
    }
    const members = new Set(settings.keys());
    const providerNames = new Map<MemberId, Set<ProviderGroup>>();
    for (const zone of zones.zones.values()) {
      for (const name of zone.balancing?.names.values() ?? []) {
        if (name.provider === undefined) continue;
        // The name, its views and its A/B experiment's arms: every way a member serves it.
        const variants = [name, ...(name.views ?? []).map((v) => v.balanced), ...(name.experiment?.arms ?? []).map((arm) => arm.balanced)];
        for (const variant of variants) {
          for (const m of variant.tiers.flatMap((tier) => tier.members)) {
            const groups = providerNames.get(m.id) ?? new Set<ProviderGroup>();
            groups.add(name.provider);
            providerNames.set(m.id, groups);
          }
        }
      }
    }
    this.#providerNames = providerNames;
    this.#settings = settings;
    this.#members = [...members];
    this.#tracker.retain(members);
    this.#retime();
    for (const id of [...this.#states.keys()]) if (!members.has(id)) this.#states.delete(id);
    this.#tickSoon();
  }

  start(): void {
    this.#period = 0;
    this.#retime();
    this.#tickSoon();
  }

  /** The tick period the settings ask for (see `tickMs`); restarts the timer when it changes. */
  #retime(): void {
    let shortest = Infinity;
    for (const s of this.#settings.values()) {
      shortest = Math.min(shortest, s.holdMs, s.coolDownMs, ...s.rules.map((r) => r.durationMs));
    }
    const period = Math.max(250, Math.min(this.#o.tickMs, Math.floor(shortest / 4)));
    if (period === this.#period && this.#timer) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#period = period;
    this.#timer = setInterval(() => void this.tick(), period);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#soon) clearTimeout(this.#soon);
    for (const stop of this.#stops) stop();
    this.#stops = [];
  }

  states(): ReadonlyMap<MemberId, MemberReputation> {
    return this.#states;
  }

  /** An operator pin: the model's verdict is shown but not applied until `until`. */
  async pin(member: MemberId, until: number, reason: string, author: string): Promise<void> {
    this.#pins.set(member, { until, reason, author });
    this.#o.logger.info({ member, until: new Date(until).toISOString(), reason, author }, 'reputation pinned');
    await this.tick();
  }

  unpin(member: MemberId): void {
    this.#pins.delete(member);
    this.#tickSoon();
  }

  #tickSoon(): void {
    if (this.#soon) return;
    this.#soon = setTimeout(() => { this.#soon = undefined; void this.tick(); }, 100);
    this.#soon.unref();
  }

  /** One pass over every member (exported for tests and for `pin`). */
  async tick(): Promise<void> {
    if (this.#running) { this.#tickSoon(); return; }
    this.#running = true;
    try {
      const now = this.#o.now();
      const scales = new Map<MemberId, ReputationScale>();
      const providers = new Map<MemberId, ProviderScales>();
      for (const member of this.#members) {
        const settings = this.#settings.get(member);
        if (!settings) continue;
        const state = this.#judge(member, settings, now);
        if (state.applied && state.level !== 'quarantined' && state.factor < 1) scales.set(member, { factor: state.factor, reason: stateReason(state) });
        const byProvider = state.applied ? providerScales(state) : undefined;
        if (byProvider) providers.set(member, byProvider);
        await this.#apply(member, state, settings, now);
      }
      this.#o.keeper.setReputation(scales, providers);
    } catch (error) {
      this.#o.logger.error({ err: error }, 'reputation tick failed');
    } finally {
      this.#running = false;
    }
  }

  #judge(member: MemberId, settings: ReputationSettings, now: number): MemberReputation {
    const byProvider: Partial<Record<ProviderGroup, StatusCounts>> = {};
    for (const provider of PROVIDER_GROUPS) {
      const counts = this.#o.outcomes.counts(member, settings.windowMs, provider);
      if (Object.values(counts).some((n) => n > 0)) byProvider[provider] = counts;
    }
    const pin = this.#pins.get(member);
    if (pin && pin.until <= now) this.#pins.delete(member);
    const evidence = {
      counts: this.#o.outcomes.counts(member, settings.windowMs),
      byProvider,
      actions: this.#tracker.active(member, now),
      providerNames: this.#providerNames.get(member) ?? new Set<ProviderGroup>(),
      dnsbl: this.#o.dnsbl?.listings(member) ?? [],
      ...(pin && pin.until > now ? { pinnedUntil: pin.until } : {}),
    };
    const previous = this.#states.get(member);
    const next: MemberReputation = reputationStep(previous, evidence, settings, now);
    if (previous?.level !== next.level) {
      this.#o.logger.info({ member, from: previous?.level ?? 'good', to: next.level, reason: stateReason(next), applied: next.applied }, 'reputation verdict');
    }
    this.#states.set(member, next);
    return next;
  }

  async #apply(member: MemberId, state: MemberReputation, settings: ReputationSettings, now: number): Promise<void> {
    if (!this.#o.mayWrite(member)) return;
    const store = this.#o.store;
    const current = store.view().overrides.get(member);
    const ours = current?.author === REPUTATION_AUTHOR;
    const wrote = this.#applied.get(member);
    // Our override vanished before its expiry while we still wanted it: an operator released it.
    if (wrote !== undefined && !ours && wrote > now && !this.#pins.has(member)) {
      this.#applied.delete(member);
      if (current === undefined) {
        this.#pins.set(member, { until: now + settings.holdMs, reason: 'automatic quarantine released by an operator', author: 'operator' });
        this.#o.logger.info({ member, until: new Date(now + settings.holdMs).toISOString() }, 'reputation quarantine released by an operator: pinned for the hold time');
        state.applied = false;
        state.pinnedUntil = now + settings.holdMs;
      }
    }
    const want = state.level === 'quarantined' && state.applied;
    if (want && current && !ours) {
      state.overriddenBy = `${current.kind} by ${current.author}`;
      return;
    }
    if (want) {
      const heldBack = this.#wouldBreakMinimum(member, ours);
      if (heldBack) {
        if (state.heldBack === undefined) this.#o.logger.warn({ member, why: heldBack }, 'reputation quarantine held back');
        state.heldBack = heldBack;
        if (ours) await this.#release(member, 'held back: ' + heldBack);
        return;
      }
      // The override outlives the hold by two ticks, so it never lapses between two renewals.
      const expiresAt = now + settings.holdMs + 2 * this.#period;
      const reason = stateReason(state);
      // Renew when half the hold has passed or the reason changed, not on every tick (each write is audited).
      if (ours && current.reason === reason && (current.expiresAt ?? 0) - now > settings.holdMs / 2 + this.#period) return;
      await store.setOverride(member, { kind: 'quarantined', reason, author: REPUTATION_AUTHOR, at: ours ? current.at : now, expiresAt }, REPUTATION_AUTHOR);
      this.#applied.set(member, expiresAt);
      return;
    }
    if (ours) await this.#release(member, stateReason(state));
  }

  async #release(member: MemberId, why: string): Promise<void> {
    this.#applied.delete(member);
    await this.#o.store.setOverride(member, undefined, REPUTATION_AUTHOR);
    this.#o.logger.info({ member, why }, 'reputation quarantine lifted');
  }

  /**
   * Why quarantining `member` would leave a tier it serves in below its min-healthy (undefined
   * when it would not). Counts eligible members in the current snapshot; when the member is
   * already out by our own override, it counts as eligible (the question is whether to keep it out).
   */
  #wouldBreakMinimum(member: MemberId, alreadyOut: boolean): string | undefined {
    const snapshot = this.#o.keeper.current();
    for (const zone of snapshot.zones.zones.values()) {
      for (const name of zone.balancing?.names.values() ?? []) {
        for (const [index, tier] of name.tiers.entries()) {
          if (!tier.members.some((m) => m.id === member)) continue;
          let eligible = 0;
          for (const m of tier.members) {
            if (m.id === member) continue;
            const state = snapshot.members.get(m.id);
            if (!state || composeWeight(m, state).weight > 0) eligible++;
          }
          const minimum = Math.max(1, tier.minHealthy);
          if (eligible < minimum) {
            return `tier ${index} of ${name.owner} would keep ${eligible} eligible member(s), below its min-healthy ${minimum}${alreadyOut ? ' (quarantine lifted)' : ''}`;
          }
        }
      }
    }
    return undefined;
  }
}
