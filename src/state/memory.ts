/**
 * Single-node StateStore: state in memory, persisted to a state file so last-known health,
 * overrides and the audit log survive a restart. Health writes are coalesced (one file write per
 * `flushDelayMs` at most) and always flushed on close.
 *
 * Operator changes (overrides, weights) are all-or-nothing: the file is written with the change
 * first, and only once it is durable does the change enter memory (and answers). When the write
 * fails, `setOverride`/`setWeight` reject with StateNotDurable and nothing changed, so what the
 * API acknowledged is exactly what a restart shows. On open the file is checked entry by entry
 * (state-file.ts); refused entries are reported through `health()` until the next restart.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { MemberId, Override, WeightOverride } from '../pool/index.ts';
import { MxlbError } from '../errors.ts';
import { ensureStateDir, loadStateFile, removeStaleTemporaries, writeStateFile, emptyState, type RefusedEntry, type StateFileData } from './state-file.ts';
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

/** An operator change the state file could not keep: it was not applied (the API answers 503). */
export class StateNotDurable extends MxlbError {
  constructor(file: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('state-not-durable', `change not applied: the state file ${file} could not be written (${why})`, { cause });
    this.name = 'StateNotDurable';
  }
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
  /** Copied on first read after a change, not on every change: a burst of verdicts copies the maps once. */
  #view: StateView | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #writeError: string | undefined;
  /** Entries of the state file refused on open, for health() (/readyz, /status). */
  #refused: RefusedEntry[] = [];
  #keptAt: string | undefined;

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
    const file = this.#file;
    // A missing file in a folder that already existed is usually a lost file (a wiped volume, a
    // wrong path), and it silently ends every drain and quarantine: say so loudly (docs/logs.md).
    const folderExisted = existsSync(dirname(file));
    const fileExisted = existsSync(file);
    await ensureStateDir(file);
    for (const stale of await removeStaleTemporaries(file)) this.#log.warn({ file: stale }, 'removed a temporary state file left by an interrupted write');
    const { data, refused, keptAt } = await loadStateFile(file, this.#now);
    this.#refused = refused;
    this.#keptAt = keptAt;
    for (const r of refused) this.#log.error({ file, entry: r.entry, reason: r.reason, keptAt }, `state file entry refused: ${r.entry}: ${r.reason}`);
    this.#health = new Map(Object.entries(data.health));
    this.#overrides = new Map(Object.entries(data.overrides));
    this.#weights = new Map(Object.entries(data.weights));
    this.#audit = data.audit.slice(-this.#auditLimit);
    this.#view = this.#makeView();
    if (fileExisted) this.#log.info({ file: this.#file, members: this.#health.size, overrides: this.#overrides.size }, 'state file loaded');
    else if (folderExisted) {
      this.#log.warn(
        { file },
        'state file not found: starting without saved state (no drains, quarantines or weight overrides; expected on a first start only, else restore it from a backup: docs/install.md)',
      );
    } else this.#log.info({ file }, 'state file is new: first start in this folder');
  }

  view(): StateView {
    return (this.#view ??= this.#makeView());
  }

  putHealth(member: MemberId, health: PersistedHealth): void {
    this.#health.set(member, health);
    this.#changed();
  }

  async setOverride(member: MemberId, override: Override | undefined, author: string): Promise<AuditEntry> {
    return this.#commit(() => {
      const previous = this.#overrides.get(member);
      const overrides = new Map(this.#overrides);
      if (override) overrides.set(member, override);
      else overrides.delete(member);
      const entry: AuditEntry = { at: this.#now(), author, action: overrideAction(override, previous), member, previous, next: override };
      return { overrides, entry };
    });
  }

  async setWeight(member: MemberId, weight: WeightOverride | undefined, author: string): Promise<AuditEntry> {
    return this.#commit(() => {
      const previous = this.#weights.get(member);
      const weights = new Map(this.#weights);
      if (weight) weights.set(member, weight);
      else weights.delete(member);
      const entry: AuditEntry = { at: this.#now(), author, action: weight ? 'weight' : 'clear-weight', member, previous, next: weight };
      return { weights, entry };
    });
  }

  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    return this.#commit(() => ({ entry }));
  }

  audit(limit = 100): AuditEntry[] {
    return this.#audit.slice(-limit).reverse();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): StoreHealth {
    const reasons: string[] = [];
    if (this.#writeError) reasons.push(`state file not writable: ${this.#writeError}`);
    if (this.#refused.length > 0) {
      const shown = this.#refused.slice(0, 3).map((r) => `${r.entry}: ${r.reason}`).join('; ');
      const more = this.#refused.length > 3 ? ` and ${this.#refused.length - 3} more` : '';
      const kept = this.#keptAt ? ` (original kept at ${this.#keptAt})` : '';
      reasons.push(`state file entries refused on load: ${shown}${more}${kept}`);
    }
    return reasons.length > 0 ? { ok: false, reason: reasons.join('; ') } : { ok: true };
  }

  async close(): Promise<void> {
    if (this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      this.#flush();
    }
    await this.#writing;
  }

  /**
   * One operator change: `change` computes the new maps and the audit entry from the state as it
   * is when the change's turn comes (changes are serialised), the file is written with it, and only
   * then is it applied. Without a state file it is applied at once.
   */
  #commit(change: () => { overrides?: Map<MemberId, Override>; weights?: Map<MemberId, WeightOverride>; entry: AuditEntry }): Promise<AuditEntry> {
    const file = this.#file;
    const turn = this.#writing.then(async () => {
      const next = change();
      const audit = [...this.#audit, next.entry].slice(-this.#auditLimit);
      if (file) {
        try {
          await writeStateFile(file, this.#fileData(next.overrides ?? this.#overrides, next.weights ?? this.#weights, audit));
          this.#writeError = undefined;
          // A pending health flush was folded into this write.
          if (this.#flushTimer) clearTimeout(this.#flushTimer);
          this.#flushTimer = undefined;
        } catch (error) {
          this.#writeError = error instanceof Error ? error.message : String(error);
          this.#log.error({ err: error, file, member: next.entry.member, action: next.entry.action }, 'state file write failed; operator change not applied');
          throw new StateNotDurable(file, error);
        }
      }
      if (next.overrides) this.#overrides = next.overrides;
      if (next.weights) this.#weights = next.weights;
      this.#audit = audit;
      this.#changed(false);
      return next.entry;
    });
    // The queue goes on after a failed change; the caller gets the rejection.
    this.#writing = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  #fileData(overrides: ReadonlyMap<MemberId, Override>, weights: ReadonlyMap<MemberId, WeightOverride>, audit: AuditEntry[]): StateFileData {
    return {
      ...emptyState(),
      savedAt: this.#now(),
      health: Object.fromEntries(this.#health),
      overrides: Object.fromEntries(overrides),
      weights: Object.fromEntries(weights),
      audit,
    };
  }

  #makeView(): StateView {
    return { health: new Map(this.#health), overrides: new Map(this.#overrides), weights: new Map(this.#weights) };
  }

  /** Rebuilds the view and tells listeners; `persist` schedules a coalesced write (health). */
  #changed(persist = true): void {
    this.#view = undefined;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, 'state change listener failed');
      }
    }
    if (persist && this.#file && !this.#flushTimer) {
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
    // The data is taken when the write's turn comes, so it never undoes an operator change queued before it.
    this.#writing = this.#writing.then(() =>
      writeStateFile(file, this.#fileData(this.#overrides, this.#weights, this.#audit)).then(
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
