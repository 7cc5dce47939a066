/**
 * DNSBL monitoring in the running server (edge: timers and DNS lookups through the operator's
 * resolver). For every member address of every pool with a `reputation: dnsbl:` block, and every
 * list of it, a lookup on the interval (±10 % jitter, first lookups staggered), a quick re-check
 * while a verdict is pending, and the pure machine of `dnsbl-state.ts` deciding the verdict.
 *
 * Guarantees:
 * - never on the DNS path: everything runs on (unref'd) timers; `verdicts()` is synchronous;
 * - a list is trusted only after its RFC 5782 §5 test points pass (checked first, then every
 *   `testPointsEveryMs`); a list that fails them is `unusable` for all its members (no lookups,
 *   answers ignored) and retried on the interval; test points that do not answer change nothing;
 * - at most one lookup in flight per (member, list); a list's daily budget (UTC day) is checked
 *   before each query; a spent budget stops its lookups until UTC midnight (`budgetExhausted`);
 * - `setTargets` applies a reload as a diff: unchanged (member, list) pairs keep verdict and timer;
 *   a member whose address changed starts over;
 * - `stop()` clears every timer; nothing is reported after it.
 * Per instance: with Redis every instance looks up for itself (docs/reputation.md says why).
 */
import { silentLogger, type Logger } from '../log.ts';
import type { MemberId } from '../name.ts';
import { DNSBL_DEFAULTS, type DnsblConfig } from './dnsbl-config.ts';
import { lookupDnsbl } from './dnsbl-lookup.ts';
import { unrefClock, type DnsblChange, type DnsblClock, type DnsblLookupFn, type DnsblMemberVerdict, type DnsblMonitorOptions, type DnsblTarget } from './dnsbl-monitor-types.ts';
import { testPointVerdict, type DnsblListSpec, type DnsblResult } from './dnsbl.ts';
export type { DnsblChange, DnsblClock, DnsblLookupFn, DnsblMemberVerdict, DnsblMonitorOptions, DnsblTarget } from './dnsbl-monitor-types.ts';
import {
  initialDnsbl, nextUtcMidnight, spendBudget, stepDnsbl, unusableDnsbl, usableAgain,
  type DnsblBudget, type DnsblListVerdict, type DnsblState, type DnsblTransition,
} from './dnsbl-state.ts';

/** `refused`: the test points got a refusal code (e.g. 127.255.255.254): every member is in `error`. */
type Usability = 'pending' | 'usable' | 'unusable' | 'refused';

interface ListRun {
  key: string;
  spec: DnsblListSpec;
  resolver: string;
  timeoutMs: number;
  intervalMs: number;
  recheckMs: number;
  usable: Usability;
  /** While `refused`: the refusal, applied to members added meanwhile. */
  refusal?: DnsblResult;
  timer?: unknown;
  running: boolean;
}

interface Pair {
  member: MemberId;
  address: string;
  zone: string;
  listKey: string;
  config: DnsblConfig;
  verdict: DnsblListVerdict;
  timer?: unknown;
  /** Changes on reset and removal: a lookup that settles with another token is dropped. */
  token: number;
  removed: boolean;
}

const listKeyOf = (zone: string, resolver: string) => `${zone}@${resolver}`;
const pairKeyOf = (member: MemberId, zone: string) => `${member}\u0000${zone}`;
/** A lookup that gets an address back also asks for the TXT reason: two queries. */
const queriesOf = (result: DnsblResult) => (result.status === 'listed' || result.status === 'error' ? 2 : 1);

export class DnsblMonitor {
  readonly #lookup: DnsblLookupFn;
  readonly #clock: DnsblClock;
  readonly #random: () => number;
  readonly #staggerMs: number;
  readonly #testEvery: number;
  readonly #log: Logger;
  readonly #owns: (member: string) => boolean;
  readonly #lists = new Map<string, ListRun>();
  readonly #pairs = new Map<string, Pair>();
  readonly #order = new Map<MemberId, { address: string; zones: string[] }>();
  readonly #budgets = new Map<string, { limit?: number; budget?: DnsblBudget; warnedDay?: string }>();
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<(change: DnsblChange) => void>();
  #token = 0;
  #stopped = false;

  constructor(options: DnsblMonitorOptions = {}) {
    this.#lookup = options.lookup ?? lookupDnsbl;
    this.#clock = options.clock ?? unrefClock;
    this.#random = options.random ?? Math.random;
    this.#staggerMs = Math.max(0, options.staggerMs ?? 60_000);
    this.#testEvery = options.testPointsEveryMs ?? DNSBL_DEFAULTS.testPointsEveryMs;
    this.#log = (options.logger ?? silentLogger).child({ module: 'dnsbl' });
    this.#owns = options.owns ?? (() => true);
  }

  /** Replaces the monitored (member, list) pairs (a zone reload), as a diff. */
  setTargets(targets: readonly DnsblTarget[]): void {
    if (this.#stopped) return;
    const wantedLists = new Map<string, Omit<ListRun, 'usable' | 'running' | 'timer'>>();
    const wantedPairs = new Map<string, { target: DnsblTarget; zone: string; listKey: string }>();
    const limits = new Map<string, number | undefined>();
    this.#order.clear();
    for (const target of targets) {
      if (this.#order.has(target.memberId)) continue;
      const c = target.config;
      this.#order.set(target.memberId, { address: target.address, zones: c.lists.map((l) => l.zone) });
      for (const list of c.lists) {
        const key = listKeyOf(list.zone, c.resolver);
        const spec: DnsblListSpec = { zone: list.zone, ...(list.listedCodes ? { listedCodes: list.listedCodes } : {}) };
        const seen = wantedLists.get(key);
        wantedLists.set(key, {
          key, spec, resolver: c.resolver, timeoutMs: c.timeoutMs,
          intervalMs: Math.min(seen?.intervalMs ?? Infinity, c.intervalMs), recheckMs: Math.min(seen?.recheckMs ?? Infinity, c.recheckMs),
        });
        const had = limits.get(list.zone);
        limits.set(list.zone, list.dailyBudget === undefined ? had : Math.min(had ?? Infinity, list.dailyBudget));
        wantedPairs.set(pairKeyOf(target.memberId, list.zone), { target, zone: list.zone, listKey: key });
      }
    }
    for (const [zone, limit] of limits) {
      const b = this.#budgets.get(zone) ?? {};
      if (limit === undefined) delete b.limit;
      else b.limit = limit;
      this.#budgets.set(zone, b);
    }
    for (const [key, run] of this.#lists) if (!wantedLists.has(key)) { this.#clear(run); this.#lists.delete(key); }
    for (const [key, pair] of this.#pairs) if (!wantedPairs.has(key)) { this.#clear(pair); pair.removed = true; this.#pairs.delete(key); }
    const freshLists: ListRun[] = [];
    for (const [key, want] of wantedLists) {
      const run = this.#lists.get(key);
      if (run) Object.assign(run, want);
      else {
        const added: ListRun = { ...want, usable: 'pending', running: false };
        this.#lists.set(key, added);
        freshLists.push(added);
      }
    }
    const fresh: Pair[] = [];
    for (const [key, { target, zone, listKey }] of wantedPairs) {
      const pair = this.#pairs.get(key);
      if (pair && pair.address === target.address && pair.listKey === listKey) {
        pair.config = target.config;
        continue;
      }
      if (pair) this.#clear(pair);
      const run = this.#lists.get(listKey)!;
      const next: Pair = { member: target.memberId, address: target.address, zone, listKey, config: target.config, verdict: initialDnsbl(zone), token: ++this.#token, removed: false };
      if (run.usable === 'unusable') next.verdict = { list: zone, state: 'unusable', since: this.#clock.now() };
      if (run.usable === 'refused' && run.refusal) next.verdict = stepDnsbl(next.verdict, run.refusal, target.config, this.#clock.now()).next;
      this.#pairs.set(key, next);
      if (run.usable === 'usable') fresh.push(next);
    }
    this.#stagger(fresh);
    for (const run of freshLists) this.#arm(run, 0, () => void this.#testPoints(run));
  }

  /** Every monitored member's verdicts, lists in configured order (fresh objects). */
  verdicts(): ReadonlyMap<MemberId, DnsblMemberVerdict> {
    const out = new Map<MemberId, DnsblMemberVerdict>();
    for (const [member, { address, zones }] of this.#order) {
      const lists = zones.map((zone) => this.#pairs.get(pairKeyOf(member, zone))).filter((p): p is Pair => p !== undefined).map((p) => structuredClone(p.verdict));
      out.set(member, { member, address, lists });
    }
    return out;
  }

  /** Lookups made per list and interpreted result (and skipped ones as `budget-exhausted`), since start. */
  lookupCounts(): Array<{ list: string; result: string; total: number }> {
    return [...this.#counts].map(([key, total]) => {
      const [list, result] = key.split('\u0000') as [string, string];
      return { list, result, total };
    });
  }

  /** Every verdict change (also logged as `dnsbl verdict`); returns the unsubscribe function. */
  onChange(listener: (change: DnsblChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): void {
    this.#stopped = true;
    for (const run of this.#lists.values()) this.#clear(run);
    for (const pair of this.#pairs.values()) this.#clear(pair);
  }

  #clear(item: { timer?: unknown }): void {
    if (item.timer !== undefined) this.#clock.clearTimeout(item.timer);
    item.timer = undefined;
  }

  #arm(item: { timer?: unknown }, delayMs: number, fn: () => void): void {
    this.#clear(item);
    if (this.#stopped) return;
    item.timer = this.#clock.setTimeout(() => {
      item.timer = undefined;
      if (!this.#stopped) fn();
    }, Math.max(0, Math.round(delayMs)));
  }

  #stagger(pairs: Pair[]): void {
    pairs.forEach((pair, i) => {
      const spread = Math.min(this.#staggerMs, pair.config.intervalMs / 2);
      this.#arm(pair, (i * spread) / Math.max(1, pairs.length), () => void this.#check(pair));
    });
  }

  #count(list: string, result: string): void {
    const key = `${list}\u0000${result}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Reserves `queries` of the list's daily budget; false (and a warning once a day) when spent. */
  #spend(zone: string, queries: number): boolean {
    const b = this.#budgets.get(zone) ?? {};
    this.#budgets.set(zone, b);
    const now = this.#clock.now();
    const { ok, next } = spendBudget(b.budget, queries, b.limit, now);
    b.budget = next;
    if (!ok && b.warnedDay !== next.day) {
      b.warnedDay = next.day;
      this.#log.warn({ list: zone, budget: b.limit, used: next.used }, 'dnsbl daily query budget spent: no lookups on this list until UTC midnight');
    }
    return ok;
  }

  #untilMidnight(): number {
    const now = this.#clock.now();
    return nextUtcMidnight(now) - now + this.#random() * 60_000;
  }

  async #testPoints(run: ListRun): Promise<void> {
    if (run.running || !this.#lists.has(run.key)) return;
    const zone = run.spec.zone;
    if (!this.#spend(zone, 4)) return this.#arm(run, this.#untilMidnight(), () => void this.#testPoints(run));
    run.running = true;
    const options = { resolver: run.resolver, timeoutMs: run.timeoutMs };
    const ask = (address: string) => this.#lookup(address, run.spec, options).catch((): DnsblResult => ({ status: 'unknown', why: 'timeout' }));
    const [point2, point1] = await Promise.all([ask('127.0.0.2'), ask('127.0.0.1')]);
    run.running = false;
    if (this.#stopped || this.#lists.get(run.key) !== run) return;
    const verdict = testPointVerdict(point2, point1);
    if (point2.status === 'unknown' || point1.status === 'unknown') {
      // No answer says nothing about the list: keep what we knew, ask again soon.
      this.#log.debug({ list: zone, resolver: run.resolver }, 'dnsbl test points did not answer');
      return this.#arm(run, run.recheckMs, () => void this.#testPoints(run));
    }
    const now = this.#clock.now();
    const members = [...this.#pairs.values()].filter((p) => p.listKey === run.key);
    const refusal = [point2, point1].find((r) => r.status === 'error');
    if (refusal?.status === 'error') {
      // The list refuses this resolver (public resolver, over quota, typo): an error for every
      // member, never a listing; its lookups would be refused too, so none until it answers.
      if (run.usable !== 'refused') this.#log.warn({ list: zone, resolver: run.resolver, code: refusal.code, why: refusal.why }, 'dnsbl list refuses to answer');
      run.usable = 'refused';
      run.refusal = refusal;
      for (const pair of members) {
        this.#clear(pair);
        pair.token = ++this.#token;
        this.#apply(pair, stepDnsbl(usableAgain(pair.verdict, now).next, refusal, pair.config, now));
      }
      return this.#arm(run, Math.min(run.intervalMs, this.#testEvery), () => void this.#testPoints(run));
    }
    delete run.refusal;
    if (verdict.usable) {
      if (run.usable !== 'usable') {
        if (run.usable === 'unusable') this.#log.info({ list: zone }, 'dnsbl list passes its test points again');
        run.usable = 'usable';
        for (const pair of members) this.#apply(pair, usableAgain(pair.verdict, now));
        this.#stagger(members);
      }
      return this.#arm(run, this.#testEvery, () => void this.#testPoints(run));
    }
    if (run.usable !== 'unusable') this.#log.warn({ list: zone, resolver: run.resolver, why: verdict.why }, 'dnsbl list unusable: its answers are ignored');
    run.usable = 'unusable';
    for (const pair of members) {
      this.#clear(pair);
      pair.token = ++this.#token;
      this.#apply(pair, unusableDnsbl(pair.verdict, verdict.why, now));
    }
    this.#arm(run, Math.min(run.intervalMs, this.#testEvery), () => void this.#testPoints(run));
  }

  async #check(pair: Pair): Promise<void> {
    const run = this.#lists.get(pair.listKey);
    if (!run || run.usable !== 'usable' || pair.removed) return;
    // Another instance holds the member's lease and looks it up this interval.
    if (!this.#owns(pair.member)) return this.#arm(pair, pair.config.intervalMs, () => void this.#check(pair));
    if (!this.#spend(pair.zone, 2)) {
      pair.verdict = { ...pair.verdict, budgetExhausted: true };
      this.#count(pair.zone, 'budget-exhausted');
      return this.#arm(pair, this.#untilMidnight(), () => void this.#check(pair));
    }
    const token = pair.token;
    const result = await this.#lookup(pair.address, run.spec, { resolver: run.resolver, timeoutMs: run.timeoutMs })
      .catch((): DnsblResult => ({ status: 'unknown', why: 'timeout' }));
    if (this.#stopped || pair.removed || pair.token !== token || run.usable !== 'usable') return;
    // Reserved 2 queries; give back what was not used.
    const b = this.#budgets.get(pair.zone);
    if (b?.budget) b.budget = { ...b.budget, used: Math.max(0, b.budget.used - (2 - queriesOf(result))) };
    this.#count(pair.zone, result.status);
    if (result.status === 'error') this.#log.debug({ member: pair.member, list: pair.zone, code: result.code, why: result.why }, 'dnsbl list refused to answer');
    const { budgetExhausted: _spent, ...current } = pair.verdict;
    const stepped = stepDnsbl(current, result, pair.config, this.#clock.now());
    this.#apply(pair, stepped);
    const c = pair.config;
    const jittered = c.intervalMs * (1 + (this.#random() * 2 - 1) * DNSBL_DEFAULTS.jitter);
    this.#arm(pair, pair.verdict.pending ? Math.min(c.recheckMs, jittered) : jittered, () => void this.#check(pair));
  }

  #apply(pair: Pair, stepped: { next: DnsblListVerdict; transition?: DnsblTransition }): void {
    pair.verdict = stepped.next;
    const t = stepped.transition;
    if (!t) return;
    const v = stepped.next;
    const event = { member: pair.member, address: pair.address, list: pair.zone, from: t.from, to: t.to, codes: v.codes, reason: v.reason };
    const loud: DnsblState[] = ['listed', 'error', 'unusable'];
    if (loud.includes(t.to)) this.#log.warn(event, 'dnsbl verdict');
    else this.#log.info(event, 'dnsbl verdict');
    const change: DnsblChange = { ...t, member: pair.member, address: pair.address, list: pair.zone, verdict: structuredClone(v) };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#log.error({ err: error, member: pair.member }, 'dnsbl change listener failed');
      }
    }
  }
}
