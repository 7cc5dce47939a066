/**
 * Owns the current Snapshot (edge: one timer). Rebuilds it whole when zones or the state store
 * change, and when an override or weight expires, then swaps it in with a higher version. The DNS
 * path reads `current()` synchronously; nothing here ever blocks it.
 */
import type { Logger } from './log.ts';
import { memberStates, nextExpiry, type Snapshot } from './snapshot.ts';
import type { StateStore } from './state/store.ts';
import type { ZoneSet } from './zone/model.ts';

export class SnapshotKeeper {
  #snapshot: Snapshot;
  #zones: ZoneSet = { zones: new Map() };
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #store: StateStore;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();

  constructor(store: StateStore, logger: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
    this.#log = logger;
    this.#snapshot = { version: 0, zones: this.#zones, members: new Map() };
    store.onChange(() => this.rebuild());
  }

  current(): Snapshot {
    return this.#snapshot;
  }

  setZones(zones: ZoneSet): void {
    this.#zones = zones;
    this.rebuild();
  }

  onSwap(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  rebuild(): void {
    const now = this.#now();
    const view = this.#store.view();
    this.#snapshot = { version: this.#snapshot.version + 1, zones: this.#zones, members: memberStates(view, now) };
    this.#log.debug({ version: this.#snapshot.version }, 'snapshot swapped');
    for (const listener of this.#listeners) listener(this.#snapshot);
    this.#armExpiry(nextExpiry(view, now), now);
  }

  close(): void {
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
