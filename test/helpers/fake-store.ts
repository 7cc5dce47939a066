/**
 * A StateStore for unit tests: plain maps, no file, no Redis. Every write applies at once and
 * fires `onChange` synchronously (like the memory store); `touch()` fires it with nothing changed
 * (like a Redis disconnect or a resync that found nothing new). Audit entries are kept in memory.
 */
import type { MemberId, Override, WeightOverride } from '../../src/pool/model.ts';
import { overrideAction, type AuditEntry, type PersistedHealth, type StateStore, type StateView, type StoreHealth } from '../../src/state/store.ts';

export class FakeStore implements StateStore {
  readonly kind = 'memory' as const;
  readonly #health = new Map<MemberId, PersistedHealth>();
  readonly #overrides = new Map<MemberId, Override>();
  readonly #weights = new Map<MemberId, WeightOverride>();
  readonly #audit: AuditEntry[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #now: () => number;
  #view: StateView = { health: new Map(), overrides: new Map(), weights: new Map() };
  /** How many change events fired. */
  events = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async open(): Promise<void> {}

  view(): StateView {
    return this.#view;
  }

  putHealth(member: MemberId, health: PersistedHealth): void {
    this.#health.set(member, health);
    this.#changed();
  }

  async setOverride(member: MemberId, override: Override | undefined, author: string): Promise<AuditEntry> {
    const previous = this.#overrides.get(member);
    if (override) this.#overrides.set(member, override);
    else this.#overrides.delete(member);
    return this.#record({ at: this.#now(), author, action: overrideAction(override, previous), member, previous, next: override });
  }

  async setWeight(member: MemberId, weight: WeightOverride | undefined, author: string): Promise<AuditEntry> {
    const previous = this.#weights.get(member);
    if (weight) this.#weights.set(member, weight);
    else this.#weights.delete(member);
    return this.#record({ at: this.#now(), author, action: weight ? 'weight' : 'clear-weight', member, previous, next: weight });
  }

  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    this.#audit.push(entry);
    return entry;
  }

  audit(limit = 100): AuditEntry[] {
    return this.#audit.slice(-limit).reverse();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): StoreHealth {
    return { ok: true };
  }

  async close(): Promise<void> {}

  /** A change event with nothing changed. */
  touch(): void {
    this.#changed();
  }

  #record(entry: AuditEntry): AuditEntry {
    this.#audit.push(entry);
    this.#changed();
    return entry;
  }

  #changed(): void {
    this.events++;
    this.#view = { health: new Map(this.#health), overrides: new Map(this.#overrides), weights: new Map(this.#weights) };
    for (const listener of this.#listeners) listener();
  }
}
