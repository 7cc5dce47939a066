/**
 * Owns the current Snapshot (edge: one timer). Rebuilds it when zones or the state store change,
 * and when an override or weight expires. The DNS path reads `current()` synchronously; nothing
 * here ever blocks it.
 *
 * Contract: a rebuild swaps in a new snapshot with a higher version only when the zones (by
 * `ZoneSet` identity) or some member's effective state (`sameMemberStates`) differ from the
 * current snapshot. Otherwise the current snapshot object and its version stay, so the answer
 * cache and rotation rings stay warm: a store event that changes nothing (a verdict re-written
 * unchanged, a Redis disconnect, a resync that found nothing new) costs no cache miss. `onSwap`
 * listeners run only on a real swap. Every rebuild, swap or not, re-arms the expiry timer for the
 * soonest live expiry; a rebuild at that time always swaps, because the expiring override or
 * weight leaves the member's effective state (which is what lets override-expiry sweep it).
 *
 * Store changes are batched (issue 15, 10,000 members): a rebuild costs O(members) (members whose
 * state did not change keep their object, `reuseUnchanged`, and the answering workers are handed
 * only the changed ones), so a burst of verdicts (a first probe round, a rack of
 * MTAs failing at once) must not pay that once per verdict. The first change after a quiet spell
 * rebuilds at once; further changes within `batchMs` (default 100 ms) are folded into one rebuild
 * at its end. `current()` applies a pending change first, so a reader (an admin request, /explain)
 * never sees a state older than the store's; only the worker's copy may lag, by at most `batchMs`.
 */
import type { Logger } from './log.ts';
import type { ExperimentRun, MemberId, ProviderScales, ReputationScale, ShapingFactor } from './pool/index.ts';
import { memberStates, nextExpiry, reuseUnchanged, type Snapshot } from './snapshot.ts';
import type { StateStore } from './state/index.ts';
import type { ZoneSet } from './zone/index.ts';

export class SnapshotKeeper {
  #snapshot: Snapshot;
  #zones: ZoneSet = { zones: new Map() };
  #reputation: ReadonlyMap<MemberId, ReputationScale> = new Map();
  #shaping: ReadonlyMap<MemberId, readonly ShapingFactor[]> = new Map();
  #providers: ReadonlyMap<MemberId, ProviderScales> = new Map();
  #experiments: ReadonlyMap<string, ExperimentRun> = new Map();
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #store: StateStore;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();
  readonly #batchMs: number;
  #batchTimer: NodeJS.Timeout | undefined;
  /** A store change arrived during the batch window and is not in the snapshot yet. */
  #pending = false;

  constructor(store: StateStore, logger: Logger, now: () => number = Date.now, options: { batchMs?: number } = {}) {
    this.#store = store;
    this.#now = now;
    this.#log = logger;
    this.#batchMs = Math.max(0, options.batchMs ?? 100);
    this.#snapshot = { version: 0, zones: this.#zones, members: new Map(), at: now() };
    store.onChange(() => this.#storeChanged());
  }

  current(): Snapshot {
    if (this.#pending) this.rebuild();
    return this.#snapshot;
  }

  #storeChanged(): void {
    if (this.#batchTimer) {
      this.#pending = true;
      return;
    }
    this.rebuild();
    this.#startBatch();
  }

  #startBatch(): void {
    if (this.#batchMs === 0) return;
    this.#batchTimer = setTimeout(() => {
      this.#batchTimer = undefined;
      if (!this.#pending) return;
      this.rebuild();
      this.#startBatch();
    }, this.#batchMs);
    this.#batchTimer.unref();
  }

  setZones(zones: ZoneSet): void {
    this.#zones = zones;
    this.rebuild();
  }

  /**
   * The reputation model's weight scales (members absent: none) and its per-provider scales (read
   * by per-provider names only); swaps only when they differ.
   */
  setReputation(scales: ReadonlyMap<MemberId, ReputationScale>, providers: ReadonlyMap<MemberId, ProviderScales> = new Map()): void {
    this.#reputation = scales;
    this.#providers = providers;
    this.rebuild();
  }

  /**
   * The shaping keeper's factors (slow start, warm-up, latency, load) evaluated at the keeper's
   * clock; swaps only when some member's factors differ (values are quantised by their models).
   */
  setShaping(factors: ReadonlyMap<MemberId, readonly ShapingFactor[]>): void {
    this.#shaping = factors;
    this.rebuild();
  }

  /**
   * The running A/B experiments and their splits (the ExperimentKeeper's verdict); swaps only when
   * an experiment starts, stops or changes its split.
   */
  setExperiments(runs: ReadonlyMap<string, ExperimentRun>): void {
    this.#experiments = runs;
    this.rebuild();
  }

  /** Called after each swap with the new snapshot (not after a rebuild that changed nothing). */
  onSwap(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rebuilds from the store's view now; returns whether a new snapshot was swapped in. */
  rebuild(): boolean {
    this.#pending = false;
    const now = this.#now();
    const view = this.#store.view();
    const members = memberStates(view, now, this.#reputation, this.#shaping, this.#providers);
    const current = this.#snapshot;
    // Unchanged members keep their object from the current snapshot (so the workers get only the changed ones).
    const membersChanged = reuseUnchanged(members, current.members);
    const swapped = this.#zones !== current.zones || membersChanged || !sameRuns(this.#experiments, current.experiments);
    if (swapped) {
      this.#snapshot = { version: current.version + 1, zones: this.#zones, members, at: now, ...(this.#experiments.size > 0 ? { experiments: this.#experiments } : {}) };
      this.#log.debug({ version: this.#snapshot.version }, 'snapshot swapped');
      for (const listener of this.#listeners) listener(this.#snapshot);
    } else {
      this.#log.trace({ version: current.version }, 'snapshot unchanged');
    }
    this.#armExpiry(nextExpiry(view, now), now);
    return swapped;
  }

  close(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    this.#listeners.clear();
  }

  #armExpiry(at: number | undefined, now: number): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (at === undefined) return;
    this.#expiryTimer = setTimeout(() => this.rebuild(), Math.min(at - now, 2 ** 31 - 1));
    this.#expiryTimer.unref();
  }
}

/** Same experiments running with the same splits (an absent map is none). */
function sameRuns(a: ReadonlyMap<string, ExperimentRun>, b: ReadonlyMap<string, ExperimentRun> | undefined): boolean {
  if (a.size !== (b?.size ?? 0)) return false;
  for (const [name, run] of a) {
    const other = b?.get(name);
    if (!other || other.split.length !== run.split.length || other.split.some((p, i) => p !== run.split[i])) return false;
  }
  return true;
}
