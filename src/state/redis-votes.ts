/**
 * Quorum votes (edge: Redis, one timer). With `--quorum K` every instance probes every member and
 * keeps one vote per member in `votes:<member>` (instance id → Vote). Votes are re-sent every
 * `refreshMs` with an expiry of `ttlMs`, so a crashed instance's votes stop counting; each send
 * re-reads all votes of the member and, when the verdict of `quorumVerdict` differs from the
 * shared one, writes and publishes the new shared verdict. Every live instance re-evaluates every
 * member each refresh, so an expired vote changes the verdict within one refresh.
 */
import type { Logger } from '../log.ts';
import type { MemberId, ObservedState } from '../pool/index.ts';
import { quorumVerdict } from './quorum.ts';
import { decodeHash, decodeValue, encode, isPersistedHealth, isVote, type ChangeMessage, type Vote } from './redis-codec.ts';
import type { RedisConnections } from '../redis/index.ts';
import type { PersistedHealth } from './store.ts';

export interface VoteBookOptions {
  redis: RedisConnections;
  instanceId: string;
  quorum: number;
  now: () => number;
  logger: Logger;
  /** Whether Redis is usable now. */
  connected: () => boolean;
  /** A new shared verdict decided here: apply it to the mirror. */
  apply: (member: MemberId, health: PersistedHealth) => void;
  failed: (error: unknown) => void;
  refreshMs?: number;
  ttlMs?: number;
}

export class VoteBook {
  readonly #o: VoteBookOptions;
  readonly #refreshMs: number;
  readonly #ttlMs: number;
  readonly #mine = new Map<MemberId, { state: ObservedState; reason?: string }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: VoteBookOptions) {
    this.#o = options;
    this.#refreshMs = options.refreshMs ?? 1000;
    this.#ttlMs = options.ttlMs ?? 5000;
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#refreshMs);
    this.#timer.unref();
  }

  /** Records this instance's verdict on a member and sends it now when connected. */
  cast(member: MemberId, health: PersistedHealth): void {
    const vote: { state: ObservedState; reason?: string } = { state: health.state };
    if (health.state === 'down') vote.reason = health.lastFailure?.reason ?? health.reason ?? 'down';
    this.#mine.set(member, vote);
    if (this.#o.connected()) void this.flush([member]);
  }

  /** Sends votes (all by default) and settles the shared verdicts they change. Never rejects. */
  async flush(members: readonly MemberId[] = [...this.#mine.keys()]): Promise<void> {
    if (members.length === 0 || !this.#o.connected()) return;
    const { client, keys } = this.#o.redis;
    const now = this.#o.now();
    try {
      const read = client.pipeline();
      for (const member of members) {
        const mine = this.#mine.get(member)!;
        const vote: Vote = { ...mine, at: now, expiresAt: now + this.#ttlMs };
        read.hset(keys.votes(member), this.#o.instanceId, encode(vote)).pexpire(keys.votes(member), this.#ttlMs * 2);
        read.hgetall(keys.votes(member)).hget(keys.health, member);
      }
      const replies = await read.exec();
      if (!replies) return;
      const write = client.multi();
      const decided: [MemberId, PersistedHealth][] = [];
      members.forEach((member, i) => {
        const [votesError, votesHash] = replies[i * 4 + 2]!;
        const [healthError, healthText] = replies[i * 4 + 3]!;
        if (votesError || healthError) throw votesError ?? healthError;
        const votes = decodeHash(votesHash as Record<string, string>, isVote).entries;
        const previous = decodeValue(healthText as string | null, isPersistedHealth);
        const next = quorumVerdict(votes, this.#o.quorum, previous, now);
        if (!next) return;
        const message: ChangeMessage = { kind: 'health', from: this.#o.instanceId, member, health: next };
        write.hset(keys.health, member, encode(next)).publish(keys.channel, encode(message));
        decided.push([member, next]);
      });
      if (decided.length === 0) return;
      await write.exec();
      for (const [member, health] of decided) {
        this.#o.logger.info({ member, state: health.state, reason: health.reason }, 'quorum verdict');
        this.#o.apply(member, health);
      }
    } catch (error) {
      this.#o.failed(error);
    }
  }

  /** Stops refreshing and withdraws this instance's votes (a clean shutdown should not count). */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (!this.#o.connected() || this.#mine.size === 0) return;
    const { client, keys } = this.#o.redis;
    const write = client.pipeline();
    for (const member of this.#mine.keys()) write.hdel(keys.votes(member), this.#o.instanceId);
    await write.exec().catch(() => undefined);
  }
}
