/**
 * Single-node StateStore: state in memory, persisted to a state file so last-known health,
 * overrides and the audit log survive a restart. Writes are coalesced (one file write per
 * `flushDelayMs` at most) and always flushed on close.
 */
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { MemberId, Override, WeightOverride } from '../pool/index.ts';
import { readStateFile, writeStateFile, emptyState, type StateFileData } from './state-file.ts';
import { overrideAction, type AuditEntry, type PersistedHealth, type StateStore, type StateView, type StoreHealth } from './store.ts';

export interface MemoryStoreOptions {
  /** Where to persist; undefined keeps everything in memory only (tests, `--state-file ''`). */
  file?: string;
  logger?: Logger;
  now?: () => number;
  flushDelayMs?: number;
  /** Audit entries kept (oldest dropped). */
  auditLimit?: number;
}

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory' as const;
  readonly #file: string | undefined;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #flushDelayMs: number;
  readonly #auditLimit: number;
  readonly #listeners = new Set<() => void>();
  #health = new Map<MemberId, PersistedHealth>();
  #overrides = new Map<MemberId, Override>();
  #weights = new Map<MemberId, WeightOverride>();
  #audit: AuditEntry[] = [];
  #view: StateView;
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #writeError: string | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.#file = options.file || undefined;
    this.#log = (options.logger ?? silentLogger).child({ module: 'state' });
    this.#now = options.now ?? Date.now;
    this.#flushDelayMs = options.flushDelayMs ?? 1000;
    this.#auditLimit = options.auditLimit ?? 1000;
    this.#view = this.#makeView();
  }

  async open(): Promise<void> {
    if (!this.#file) return;
    const data = await readStateFile(this.#file);
    this.#health = new Map(Object.entries(data.health));
    this.#overrides = new Map(Object.entries(data.overrides));
    this.#weights = new Map(Object.entries(data.weights));
    this.#audit = data.audit.slice(-this.#auditLimit);
    this.#view = this.#makeView();
    this.#log.info({ file: this.#file, members: this.#health.size, overrides: this.#overrides.size }, 'state file loaded');
  }

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
    const action = overrideAction(override, previous);
    return this.#record({ at: this.#now(), author, action, member, previous, next: override });
  }

  async setWeight(member: MemberId, weight: WeightOverride | undefined, author: string): Promise<AuditEntry> {
    const previous = this.#weights.get(member);
    if (weight) this.#weights.set(member, weight);
    else this.#weights.delete(member);
    return this.#record({ at: this.#now(), author, action: weight ? 'weight' : 'clear-weight', member, previous, next: weight });
  }

  audit(limit = 100): AuditEntry[] {
    return this.#audit.slice(-limit).reverse();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): StoreHealth {
    return this.#writeError ? { ok: false, reason: `state file not writable: ${this.#writeError}` } : { ok: true };
  }

  async close(): Promise<void> {
    if (this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      this.#flush();
    }
    await this.#writing;
  }

  async #record(entry: AuditEntry): Promise<AuditEntry> {
    this.#audit.push(entry);
    if (this.#audit.length > this.#auditLimit) this.#audit.splice(0, this.#audit.length - this.#auditLimit);
    this.#changed();
    // Operator actions are durable before the API answers: flush now rather than on the timer.
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flush();
    await this.#writing;
    return entry;
  }

  #makeView(): StateView {
    return { health: new Map(this.#health), overrides: new Map(this.#overrides), weights: new Map(this.#weights) };
  }

  #changed(): void {
    this.#view = this.#makeView();
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, 'state change listener failed');
      }
    }
    if (this.#file && !this.#flushTimer) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        this.#flush();
      }, this.#flushDelayMs);
      this.#flushTimer.unref();
    }
  }

  #flush(): void {
    const file = this.#file;
    if (!file) return;
    const data: StateFileData = {
      ...emptyState(),
      savedAt: this.#now(),
      health: Object.fromEntries(this.#health),
      overrides: Object.fromEntries(this.#overrides),
      weights: Object.fromEntries(this.#weights),
      audit: this.#audit,
    };
    this.#writing = this.#writing.then(() =>
      writeStateFile(file, data).then(
        () => {
          this.#writeError = undefined;
        },
        (error: unknown) => {
          this.#writeError = error instanceof Error ? error.message : String(error);
          this.#log.error({ err: error, file }, 'state file write failed');
        },
      ),
    );
  }
}
