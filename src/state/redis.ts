/**
 * Cluster StateStore: Redis holds the shared health, overrides, weights and audit log; every
 * instance keeps a mirror in memory so `view()` stays synchronous and the DNS path never waits
 * (DESIGN principle 2). Writes apply to the mirror at once, then go to Redis with a PUBLISH in one
 * MULTI; other instances apply the published change to their mirror. A resync (after connecting,
 * after a reconnect of either connection, on a `resync` message and every `resyncMs`) repairs
 * anything missed, using the rules in redis-merge.ts.
 *
 * Fail-static: when Redis is unreachable, writes still apply locally (operator changes are kept as
 * dirty and pushed on reconnect; verdicts are pushed when newer than Redis'), `health()` reports
 * degraded with the reason, and nothing is awaited on the query path. With `quorum` > 0, verdicts
 * are votes (redis-votes.ts) and the shared verdict is decided by the quorum.
 */
import type { Logger } from '../log.ts';
import type { MemberId, Override, WeightOverride } from '../pool/index.ts';
import { decodeMessage, encode, type ChangeMessage } from './redis-codec.ts';
import type { RedisConnections } from '../redis/index.ts';
import { clearShared, readShared, writeBack } from './redis-io.ts';
import { addAudit, mergeHealth, mergeOperatorState } from './redis-merge.ts';
import { VoteBook } from './redis-votes.ts';
import { overrideAction, type AuditEntry, type PersistedHealth, type StateStore, type StateView, type StoreHealth } from './store.ts';

export interface RedisStoreOptions {
  redis: RedisConnections;
  instanceId: string;
  /** K of `--quorum K`; 0 = off (one prober per member through leases). */
  quorum?: number;
  logger: Logger;
  now?: () => number;
  /** Full resync period, to repair missed messages (default 5000). */
  resyncMs?: number;
  /** How long `open()` waits for Redis before starting degraded (default 3000). */
  openTimeoutMs?: number;
  auditLimit?: number;
}

type Mutation = () => void;

export class RedisStateStore implements StateStore {
  readonly kind = 'redis' as const;
  readonly #redis: RedisConnections;
  readonly #me: string;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #resyncMs: number;
  readonly #openTimeoutMs: number;
  readonly #auditLimit: number;
  readonly #listeners = new Set<() => void>();
  readonly #votes: VoteBook | undefined;
  #health = new Map<MemberId, PersistedHealth>();
  #overrides = new Map<MemberId, Override>();
  #weights = new Map<MemberId, WeightOverride>();
  #audit: AuditEntry[] = []; // newest first
  #view: StateView = { health: new Map(), overrides: new Map(), weights: new Map() };
  /** Operator changes made while Redis was unreachable, pushed on the next resync. */
  #dirtyOverrides = new Set<MemberId>();
  #dirtyWeights = new Set<MemberId>();
  #dirtyAudit: AuditEntry[] = [];
  #epoch: string | undefined;
  #synced = false;
  #downSince: number | undefined;
  #downReason = 'not connected yet';
  /** Mirror changes made while a resync is reading, replayed on top of its result. */
  #replay: Mutation[] | undefined;
  #resyncing: Promise<void> | undefined;
  #resyncAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    this.#redis = options.redis;
    this.#me = options.instanceId;
    this.#log = options.logger.child({ module: 'state-redis' });
    this.#now = options.now ?? Date.now;
    this.#resyncMs = options.resyncMs ?? 5000;
    this.#openTimeoutMs = options.openTimeoutMs ?? 3000;
    this.#auditLimit = options.auditLimit ?? 1000;
    if (options.quorum && options.quorum > 0) {
      this.#votes = new VoteBook({
        redis: options.redis, instanceId: this.#me, quorum: options.quorum, now: this.#now, logger: this.#log,
        connected: () => this.#isConnected(),
        apply: (member, health) => this.#mutate(() => this.#health.set(member, health)),
        failed: (error) => this.#markDown(error),
      });
    }
  }

  /** Connects, subscribes and loads the shared state; starts degraded if Redis is not there in time. */
  async open(): Promise<void> {
    const { client, subscriber, keys } = this.#redis;
    subscriber.on('message', (_channel: string, text: string) => this.#onMessage(text));
    subscriber.on('ready', () => {
      subscriber.subscribe(keys.channel).then(() => this.resync(true), (error: unknown) => this.#markDown(error));
    });
    client.on('ready', () => void this.resync(true));
    client.on('close', () => this.#markDown(new Error('connection closed')));
    this.#timer = setInterval(() => void this.resync(false), this.#resyncMs);
    this.#timer.unref();
    this.#votes?.start();
    const ready = await this.#redis.waitReady(this.#openTimeoutMs);
    if (ready) await this.resync(true);
    if (!this.#synced) this.#log.warn({ target: this.#redis.target, reason: this.#downReason }, 'starting without redis: serving local state until it answers');
    else this.#log.info({ target: this.#redis.target, members: this.#health.size, overrides: this.#overrides.size }, 'shared state loaded from redis');
  }

  view(): StateView {
    return this.#view;
  }

  putHealth(member: MemberId, health: PersistedHealth): void {
    if (this.#votes) {
      // Quorum: our verdict is one vote; only while cut off does it decide alone (fail-static).
      this.#votes.cast(member, health);
      if (!this.#isConnected()) this.#mutate(() => this.#health.set(member, health));
      return;
    }
    this.#mutate(() => this.#health.set(member, health));
    if (!this.#isConnected()) return; // pushed by the resync when newer than Redis' verdict
    const message: ChangeMessage = { kind: 'health', from: this.#me, member, health };
    this.#redis.client
      .multi()
      .hset(this.#redis.keys.health, member, encode(health))
      .publish(this.#redis.keys.channel, encode(message))
      .exec()
      .catch((error: unknown) => this.#markDown(error));
  }

  async setOverride(member: MemberId, override: Override | undefined, author: string): Promise<AuditEntry> {
    const previous = this.#overrides.get(member);
    const action = overrideAction(override, previous);
    const entry: AuditEntry = { at: this.#now(), author, action, member, previous, next: override };
    this.#mutate(() => {
      if (override) this.#overrides.set(member, override);
      else this.#overrides.delete(member);
      if (override) this.#pushAudit(entry); // a clear is recorded once it is known to be ours (#writeOperator)
    });
    const message: ChangeMessage = { kind: 'override', from: this.#me, member, override: override ?? null, audit: entry };
    await this.#writeOperator(this.#redis.keys.overrides, member, override, entry, message, this.#dirtyOverrides);
    return entry;
  }

  async setWeight(member: MemberId, weight: WeightOverride | undefined, author: string): Promise<AuditEntry> {
    const previous = this.#weights.get(member);
    const entry: AuditEntry = { at: this.#now(), author, action: weight ? 'weight' : 'clear-weight', member, previous, next: weight };
    this.#mutate(() => {
      if (weight) this.#weights.set(member, weight);
      else this.#weights.delete(member);
      if (weight) this.#pushAudit(entry);
    });
    const message: ChangeMessage = { kind: 'weight', from: this.#me, member, weight: weight ?? null, audit: entry };
    await this.#writeOperator(this.#redis.keys.weights, member, weight, entry, message, this.#dirtyWeights);
    return entry;
  }

  audit(limit = 100): AuditEntry[] {
    return this.#audit.slice(0, limit);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): StoreHealth {
    if (this.#isConnected()) {
      if (this.#redis.subscriber.status === 'ready') return { ok: true };
      return { ok: false, reason: `redis ${this.#redis.target}: subscription down (${this.#redis.subscriber.status}); other instances' changes arrive only with the ${this.#resyncMs / 1000} s resync` };
    }
    const since = this.#downSince === undefined ? '' : ` since ${new Date(this.#downSince).toISOString()}`;
    const why = this.#redis.lastError() ?? this.#downReason;
    return { ok: false, reason: `redis ${this.#redis.target} unreachable${since} (${why}): answering from the last state, probing every member locally` };
  }

  /** Whether the mirror is in step with Redis (connected and resynced since the last drop). */
  connected(): boolean {
    return this.#isConnected();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#resyncing;
    await this.#votes?.close();
  }

  /** Reads Redis and reconciles the mirror; concurrent calls coalesce. Never rejects. */
  resync(full: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return this.#resyncing;
    }
    this.#resyncing = this.#resync(full)
      .catch((error: unknown) => this.#markDown(error))
      .finally(() => {
        this.#replay = undefined;
        this.#resyncing = undefined;
        if (this.#resyncAgain && !this.#closed) {
          this.#resyncAgain = false;
          void this.resync(true);
        }
      });
    return this.#resyncing;
  }

  async #resync(full: boolean): Promise<void> {
    const { client, keys } = this.#redis;
    if (client.status !== 'ready') return;
    this.#replay = [];
    const shared = await readShared(client, keys, this.#auditLimit, full || !this.#synced);
    if (shared.bad.length > 0) this.#log.error({ refused: shared.bad.slice(0, 10), count: shared.bad.length }, 'refused invalid values in redis (kept there, not loaded)');
    // No epoch, or another one than we last saw: Redis lost its data (restart without persistence,
    // failover to an empty replica). Our mirror then re-seeds it.
    const redisLost = shared.epoch === null || (this.#epoch !== undefined && shared.epoch !== this.#epoch);
    const h = mergeHealth(this.#health, shared.health, { remoteWins: this.#votes !== undefined });
    const o = mergeOperatorState(this.#overrides, shared.overrides, this.#dirtyOverrides, redisLost);
    const w = mergeOperatorState(this.#weights, shared.weights, this.#dirtyWeights, redisLost);
    // Audit: newest first locally. A lost (empty) list gets this instance's whole log, but only
    // from the first instance to get there; the others add only what they wrote while cut off.
    const reseedAudit = redisLost && shared.auditLength === 0 ? [...this.#audit].reverse() : [];
    const dirtyAudit = this.#dirtyAudit;
    let audit = this.#audit;
    if (shared.audit && !(redisLost && shared.audit.length === 0)) audit = [...dirtyAudit].reverse().concat(shared.audit).slice(0, this.#auditLimit);

    const { epoch, writes } = await writeBack(client, keys, {
      newEpoch: shared.epoch === null, health: h.push, overrides: o.push, weights: w.push, removeOverrides: o.remove, removeWeights: w.remove,
      reseedAudit, dirtyAudit, auditLimit: this.#auditLimit, from: this.#me,
    });
    if (writes > 0) {
      const counts = { health: h.push.size, overrides: o.push.size + o.remove.length, weights: w.push.size + w.remove.length, audit: reseedAudit.length || dirtyAudit.length };
      this.#log.info({ ...counts, redisLost }, 'pushed local state to redis');
    }

    const replay = this.#replay ?? [];
    this.#replay = undefined;
    const before = this.#fingerprint();
    this.#health = h.merged;
    this.#overrides = o.merged;
    this.#weights = w.merged;
    this.#audit = audit;
    this.#dirtyOverrides.clear();
    this.#dirtyWeights.clear();
    this.#dirtyAudit = [];
    this.#epoch = epoch;
    for (const mutation of replay) mutation();
    const wasSynced = this.#synced;
    this.#synced = client.status === 'ready';
    if (this.#synced && this.#downSince !== undefined) {
      this.#log.info({ downMs: this.#now() - this.#downSince }, 'redis back: state resynced');
      this.#downSince = undefined;
    }
    if (!wasSynced || this.#fingerprint() !== before) this.#changed();
    if (this.#synced) await this.#votes?.flush();
  }

  #onMessage(text: string): void {
    const message = decodeMessage(text);
    if (!message) {
      this.#log.warn({ message: text.slice(0, 200) }, 'ignored an undecodable change message');
      return;
    }
    if (message.from === this.#me) return; // applied locally when written
    if (message.kind === 'resync') {
      void this.resync(true);
      return;
    }
    switch (message.kind) {
      case 'health':
        this.#mutate(() => this.#health.set(message.member, message.health));
        this.#log.debug({ member: message.member, state: message.health.state, from: message.from }, 'remote verdict applied');
        break;
      case 'override':
        this.#mutate(() => {
          if (message.override) this.#overrides.set(message.member, message.override);
          else this.#overrides.delete(message.member);
          this.#pushAudit(message.audit);
        });
        break;
      case 'weight':
        this.#mutate(() => {
          if (message.weight) this.#weights.set(message.member, message.weight);
          else this.#weights.delete(message.member);
          this.#pushAudit(message.audit);
        });
        break;
      case 'audit':
        // Warm-up and experiment controls live in the audit log: other instances read them from here.
        this.#mutate(() => this.#pushAudit(message.audit));
        break;
    }
  }

  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    this.#mutate(() => this.#pushAudit(entry));
    const { client, keys } = this.#redis;
    if (this.#isConnected()) {
      try {
        const message: ChangeMessage = { kind: 'audit', from: this.#me, member: entry.member, audit: entry };
        const replies = await client.multi().lpush(keys.audit, encode(entry)).ltrim(keys.audit, 0, this.#auditLimit - 1).publish(keys.channel, encode(message)).exec();
        if (replies && replies.every(([error]) => !error)) return entry;
        throw replies?.find(([error]) => error)?.[0] ?? new Error('transaction aborted');
      } catch (error) {
        this.#markDown(error);
      }
    }
    // Cut off: shared by the next resync, like an operator change made meanwhile.
    this.#dirtyAudit.push(entry);
    return entry;
  }

  async #writeOperator<T>(key: string, member: MemberId, value: T | undefined, entry: AuditEntry, message: ChangeMessage, dirty: Set<MemberId>): Promise<void> {
    const { client, keys } = this.#redis;
    if (this.#isConnected()) {
      try {
        if (!value) {
          // A clear is recorded once for the cluster: when every instance clears the same expired
          // override at the same moment, only the one whose HDEL removed it writes the audit entry.
          if (await clearShared(client, keys, key, member, entry, this.#auditLimit, message)) this.#mutate(() => this.#pushAudit(entry));
          return;
        }
        const write = client.multi();
        write.hset(key, member, encode(value));
        write.lpush(keys.audit, encode(entry)).ltrim(keys.audit, 0, this.#auditLimit - 1).publish(keys.channel, encode(message));
        const replies = await write.exec();
        if (replies && replies.every(([error]) => !error)) return;
        throw replies?.find(([error]) => error)?.[0] ?? new Error('transaction aborted');
      } catch (error) {
        this.#markDown(error);
      }
    }
    // Cut off: kept here and shared when Redis answers again (the operator sees degraded meanwhile).
    dirty.add(member);
    this.#dirtyAudit.push(entry);
    if (!value) this.#mutate(() => this.#pushAudit(entry));
    this.#log.warn({ member, action: entry.action }, 'redis unreachable: operator change applied on this instance only until it returns');
  }

  #pushAudit(entry: AuditEntry): void {
    this.#audit = addAudit(this.#audit, entry, this.#auditLimit);
  }

  /** Applies a mirror change now, and again after a resync that is reading meanwhile. */
  #mutate(mutation: Mutation): void {
    mutation();
    this.#replay?.push(mutation);
    this.#changed();
  }

  #isConnected(): boolean {
    return this.#synced && this.#redis.client.status === 'ready';
  }

  #markDown(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#closed) return;
    const wasUp = this.#synced;
    this.#synced = false;
    this.#downReason = reason;
    if (this.#downSince === undefined) this.#downSince = this.#now();
    if (wasUp) {
      this.#log.warn({ reason }, 'redis unreachable: answering from the last state');
      // health() changed, so listeners hear of it; the mirror did not, and the SnapshotKeeper finds
      // every member state equal and keeps the snapshot (and the answer cache) as it is.
      this.#changed();
    }
  }

  #fingerprint(): string {
    return encode([[...this.#health], [...this.#overrides], [...this.#weights]]);
  }

  #changed(): void {
    this.#view = { health: new Map(this.#health), overrides: new Map(this.#overrides), weights: new Map(this.#weights) };
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, 'state change listener failed');
      }
    }
  }
}
