/**
 * Delivery outcomes across a cluster (edge): every batch an instance accepts is published on the
 * outcomes channel and counted per minute in Redis; every other instance records the published
 * batch in its own OutcomeStore, so counts add up cluster-wide and every reputation model sees the
 * same outcomes (the same rule matches, the same rates) and reaches the same verdict. A starting
 * (or reconnected) instance restores the last hour of per-minute counts from Redis; rule matches
 * of that hour are not restored (counts carry no reply text) — the automatic override the member's
 * lease holder wrote is shared anyway.
 *
 * Contract: `publish` never waits for Redis and never throws (a lost publish costs other
 * instances a batch of counts, logged); received batches are validated like API batches (a
 * malformed message is logged and dropped); an instance never re-publishes what it received.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { RedisConnections } from '../redis/index.ts';
import { BUCKET_MS, BUCKETS, OUTCOME_STATUSES, PROVIDER_GROUPS, type Outcome, type OutcomeStatus, type OutcomeStore, type ProviderGroup } from '../signals/index.ts';

/** Per-minute count hashes outlive the one-hour window by an hour, then expire by themselves. */
const MINUTE_TTL_S = 2 * 3600;

interface Message {
  from: string;
  outcomes: readonly Outcome[];
}

function valid(o: unknown): o is Outcome {
  if (typeof o !== 'object' || o === null) return false;
  const x = o as Record<string, unknown>;
  return typeof x.member === 'string' && typeof x.at === 'number' && Number.isFinite(x.at)
    && (OUTCOME_STATUSES as readonly unknown[]).includes(x.status) && (PROVIDER_GROUPS as readonly unknown[]).includes(x.provider)
    && (x.reply === undefined || typeof x.reply === 'string') && (x.dsn === undefined || typeof x.dsn === 'string');
}

export interface OutcomeShare {
  close(): Promise<void>;
}

export function shareOutcomes(options: { connections: RedisConnections; instanceId: string; outcomes: OutcomeStore; logger: Logger; members: () => ReadonlySet<string> }): OutcomeShare {
  const { connections, instanceId, outcomes, logger } = options;
  const { client, keys } = connections;
  const received = new WeakSet<readonly Outcome[]>();
  const subscriber: Redis = connections.subscriber.duplicate();
  subscriber.on('error', () => {}); // the connection logs through the shared client's state; errors here are retried
  subscriber.on('message', (_channel: string, text: string) => {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      logger.warn({ channel: keys.outcomesChannel }, 'outcome message is not JSON: dropped');
      return;
    }
    if (message.from === instanceId || !Array.isArray(message.outcomes)) return;
    const members = options.members();
    const batch = message.outcomes.filter((o) => valid(o) && members.has(o.member));
    if (batch.length !== message.outcomes.length) logger.warn({ from: message.from, dropped: message.outcomes.length - batch.length }, 'outcome message with invalid or unknown entries: those dropped');
    if (batch.length === 0) return;
    received.add(batch);
    outcomes.record(batch);
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(keys.outcomesChannel).then(() => restore(), (error: unknown) => logger.warn({ err: error }, 'outcome channel subscription failed'));
  });

  /** The last hour of per-minute counts from Redis, for an instance that starts or comes back. */
  async function restore(): Promise<void> {
    const now = Date.now();
    const current = Math.floor(now / BUCKET_MS);
    const members = options.members();
    try {
      const pipeline = client.pipeline();
      for (let minute = current - BUCKETS + 1; minute <= current; minute++) pipeline.hgetall(keys.outcomeMinute(minute));
      const replies = (await pipeline.exec()) ?? [];
      let restored = 0;
      replies.forEach(([error, hash], i) => {
        if (error || !hash) return;
        for (const [field, value] of Object.entries(hash as Record<string, string>)) {
          const [member, provider, status] = field.split('\u0000');
          const count = Number(value);
          if (!member || !members.has(member) || !(PROVIDER_GROUPS as readonly string[]).includes(provider!) || !(OUTCOME_STATUSES as readonly string[]).includes(status!) || !Number.isSafeInteger(count)) continue;
          outcomes.restore(member, provider as ProviderGroup, status as OutcomeStatus, current - BUCKETS + 1 + i, count);
          restored += count;
        }
      });
      logger.info({ restored }, 'outcome counts of the last hour restored from Redis');
    } catch (error) {
      logger.warn({ err: error }, 'restoring outcome counts from Redis failed; counting from now');
    }
  }

  const stop = outcomes.onRecord((batch) => {
    if (received.has(batch)) return;
    const minute = (o: Outcome) => Math.floor(Math.min(o.at, Date.now()) / BUCKET_MS);
    const pipeline = client.pipeline();
    for (const o of batch) {
      const key = keys.outcomeMinute(minute(o));
      pipeline.hincrby(key, `${o.member}\u0000${o.provider}\u0000${o.status}`, 1).expire(key, MINUTE_TTL_S);
    }
    pipeline.publish(keys.outcomesChannel, JSON.stringify({ from: instanceId, outcomes: batch } satisfies Message));
    pipeline.exec().catch((error: unknown) => logger.warn({ err: error, outcomes: batch.length }, 'sharing outcomes through Redis failed: other instances miss this batch'));
  });

  return {
    async close() {
      stop();
      subscriber.disconnect();
    },
  };
}
