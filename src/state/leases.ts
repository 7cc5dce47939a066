/**
 * Probe leases (edge: Redis, one timer). In cluster mode each member is probed by one instance at a
 * time: the one holding its lease, a Redis string `lease:<member>` = instance id with a TTL. The
 * holder renews its leases every tick; a crashed holder's leases expire after `ttlMs` and the next
 * tick of another instance takes them, so probing resumes within ttl + tick (< 2 intervals).
 * Instances register in a sorted set with the same TTL; each takes at most its fair share
 * (⌈members / live instances⌉) and hands back (deletes) leases above it, so load spreads when an
 * instance joins. A clean shutdown releases its leases at once.
 *
 * Fail-static: when Redis is unreachable (a tick fails) this instance owns every member — it
 * probes everything itself until a tick succeeds again. Contract with the scheduler: `owns()` is
 * synchronous; `onChange` fires whenever its answer may have changed for some member.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { MemberId } from '../pool/index.ts';
import type { RedisKeys } from '../redis/index.ts';

export interface LeaseTiming {
  ttlMs: number;
  tickMs: number;
}

/**
 * Lease timing from the shortest probe interval (pure): TTL 1.5 intervals, tick a quarter interval,
 * so a dead holder's members are probed again within 1.75 intervals, while three ticks in a row
 * may fail (a Redis hiccup) before a live holder loses a lease.
 */
export function leaseTiming(intervalMs: number): LeaseTiming {
  const interval = Math.max(200, intervalMs);
  return { ttlMs: Math.round(interval * 1.5), tickMs: Math.max(50, Math.round(interval / 4)) };
}

/** Fair share of leases per instance (pure). */
export function fairShare(members: number, liveInstances: number): number {
  return Math.ceil(members / Math.max(1, liveInstances));
}

/**
 * KEYS[1] instances zset, KEYS[2..] lease keys; ARGV me, ttl. Registers this instance, renews what
 * it holds up to its fair share (deleting leases above it), takes free leases up to the share.
 * Returns { live instances, 1-based indexes (into the lease keys) now held }. Uses Redis' clock
 * so the instances' clocks do not matter.
 */
const TICK_SCRIPT = `
local me = ARGV[1]
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + ttl, me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
local share = math.ceil((#KEYS - 1) / live)
local held = {}
local mine = {}
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == me then
    if #held < share then
      redis.call('PEXPIRE', KEYS[i], ttl)
      held[#held + 1] = i - 1
      mine[i] = true
    else
      redis.call('DEL', KEYS[i])
    end
  end
end
for i = 2, #KEYS do
  if #held >= share then break end
  if not mine[i] and redis.call('SET', KEYS[i], me, 'NX', 'PX', ttl) then held[#held + 1] = i - 1 end
end
return { live, held }
`;

/** KEYS[1] instances zset, KEYS[2..] lease keys; deletes the leases held by ARGV[1]. */
const RELEASE_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
local released = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]); released = released + 1 end
end
return released
`;

export interface LeaseStatus {
  /**
   * `starting`: before the first round, nothing owned (no burst of probes from every instance at
   * start); `leases`: Redis decides who probes; `local`: Redis unreachable, this instance probes all.
   */
  mode: 'starting' | 'leases' | 'local';
  held: number;
  members: number;
  liveInstances: number;
  /** Most leases this instance takes (⌈members / live instances⌉). */
  fairShare: number;
}

export interface LeaseManagerOptions {
  client: Redis;
  keys: RedisKeys;
  instanceId: string;
  logger: Logger;
}

export class LeaseManager {
  readonly #client: Redis;
  readonly #keys: RedisKeys;
  readonly #me: string;
  readonly #log: Logger;
  readonly #listeners = new Set<() => void>();
  #members: MemberId[] = [];
  #timing: LeaseTiming = leaseTiming(1000);
  #held = new Set<MemberId>();
  #mode: LeaseStatus['mode'] = 'starting';
  #live = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(options: LeaseManagerOptions) {
    this.#client = options.client;
    this.#keys = options.keys;
    this.#me = options.instanceId;
    this.#log = options.logger.child({ module: 'leases' });
    // Fail-static at once when the connection drops, not at the next failed tick.
    this.#client.on('close', () => this.#goLocal('connection closed'));
  }

  /** The members to hold leases for and the shortest probe interval among them. Ticks at once. */
  setMembers(members: readonly MemberId[], intervalMs: number): void {
    this.#members = [...members].sort();
    this.#timing = leaseTiming(intervalMs);
    for (const id of this.#held) if (!members.includes(id)) this.#held.delete(id);
    void this.tick();
  }

  owns(member: MemberId): boolean {
    return this.#mode === 'local' || this.#held.has(member);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): LeaseStatus {
    return {
      mode: this.#mode, held: this.#mode === 'local' ? this.#members.length : this.#held.size, members: this.#members.length,
      liveInstances: this.#live, fairShare: fairShare(this.#members.length, this.#live),
    };
  }

  /** One lease round now (also run by the timer). Never rejects. */
  tick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#ticking) return this.#ticking;
    this.#ticking = this.#round().finally(() => {
      this.#ticking = undefined;
      if (!this.#closed) {
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.tick(), this.#timing.tickMs);
        this.#timer.unref();
      }
    });
    return this.#ticking;
  }

  /** Stops ticking and releases this instance's leases so another takes over without waiting for the TTL. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    if (this.#client.status !== 'ready' || this.#members.length === 0) return;
    try {
      const keys = [this.#keys.instances, ...this.#members.map((m) => this.#keys.lease(m))];
      const released = await this.#client.eval(RELEASE_SCRIPT, keys.length, ...keys, this.#me);
      this.#log.info({ released }, 'leases released');
    } catch (error) {
      this.#log.warn({ err: String(error) }, 'could not release leases; they expire on their own');
    }
  }

  async #round(): Promise<void> {
    if (this.#client.status !== 'ready') {
      this.#goLocal(`redis ${this.#client.status}`);
      return;
    }
    const members = this.#members;
    try {
      const keys = [this.#keys.instances, ...members.map((m) => this.#keys.lease(m))];
      const reply = (await this.#client.eval(TICK_SCRIPT, keys.length, ...keys, this.#me, String(this.#timing.ttlMs))) as [number, number[]];
      if (members !== this.#members || this.#closed) return; // targets changed meanwhile: the next tick decides
      const held = new Set(reply[1].map((index) => members[index - 1]!));
      this.#live = reply[0];
      const changed = this.#mode !== 'leases' || held.size !== this.#held.size || [...held].some((id) => !this.#held.has(id));
      if (this.#mode !== 'leases') this.#log.info({ held: held.size, members: members.length, live: this.#live }, 'probe leases in force again');
      this.#mode = 'leases';
      this.#held = held;
      if (changed) this.#emit();
    } catch (error) {
      this.#goLocal(error instanceof Error ? error.message : String(error));
    }
  }

  #goLocal(reason: string): void {
    if (this.#mode === 'local' || this.#closed) return;
    this.#mode = 'local';
    this.#log.warn({ reason, members: this.#members.length }, 'redis unreachable: probing every member locally');
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, 'lease change listener failed');
      }
    }
  }
}
