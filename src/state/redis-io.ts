/**
 * The RedisStateStore's bulk reads and writes (edge): reading the whole shared state for a resync,
 * writing back what the local side won, and clearing an override once for the whole cluster. Each
 * is one transaction or one script, so another instance never sees half of it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MemberId, Override, WeightOverride } from '../pool/index.ts';
import { decodeChecked, decodeCheckedHash, encode, type ChangeMessage } from './redis-codec.ts';
import { checkAuditEntry, checkHealth, checkOverride, checkWeightOverride } from './state-schema.ts';
import type { RedisKeys } from '../redis/index.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

/**
 * KEYS audit; ARGV limit, n, n entries to re-seed an empty list with (an instance's whole log),
 * then the entries written while cut off (already part of the whole log), all oldest first: an
 * empty list gets the whole log, any other list only the latter. Returns how many were pushed.
 */
const AUDIT_SCRIPT = `
local n = tonumber(ARGV[2])
local first, last = 3 + n, #ARGV
if n > 0 and redis.call('LLEN', KEYS[1]) == 0 then first, last = 3, 2 + n end
if first > last then return 0 end
redis.call('LPUSH', KEYS[1], unpack(ARGV, first, last))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return last - first + 1
`;

/** KEYS hash, audit; ARGV member, audit entry, audit limit, channel, message. 1 if it removed something. */
const CLEAR_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

export interface SharedState {
  /** Random id of the dataset; null when Redis has none (lost its data, or brand new). */
  epoch: string | null;
  health: Map<MemberId, PersistedHealth>;
  overrides: Map<MemberId, Override>;
  weights: Map<MemberId, WeightOverride>;
  /** Entries refused by the state schema, as `overrides[primary/mta1]: expiresAt: "soon" is not a time …`. */
  bad: string[];
  auditLength: number;
  /** Newest first; only when asked for. */
  audit?: AuditEntry[];
}

function check<T>(replies: [Error | null, unknown][] | null, what: string): unknown[] {
  if (!replies) throw new Error(`${what} transaction aborted`);
  for (const [error] of replies) if (error) throw error;
  return replies.map(([, value]) => value);
}

export async function readShared(client: Redis, keys: RedisKeys, auditLimit: number, withAudit: boolean): Promise<SharedState> {
  const read = client.multi().get(keys.epoch).hgetall(keys.health).hgetall(keys.overrides).hgetall(keys.weights).llen(keys.audit);
  if (withAudit) read.lrange(keys.audit, 0, auditLimit - 1);
  const [epoch, healthHash, overrideHash, weightHash, auditLength, auditList] = check(await read.exec(), 'resync read') as [
    string | null, Record<string, string>, Record<string, string>, Record<string, string>, number, string[] | undefined,
  ];
  const health = decodeCheckedHash(healthHash, checkHealth);
  const overrides = decodeCheckedHash(overrideHash, checkOverride);
  const weights = decodeCheckedHash(weightHash, checkWeightOverride);
  const named = (section: string, refused: { field: string; reason: string }[]) => refused.map((r) => `${section}[${r.field}]: ${r.reason}`);
  const state: SharedState = {
    epoch, health: health.entries, overrides: overrides.entries, weights: weights.entries,
    bad: [...named('health', health.refused), ...named('overrides', overrides.refused), ...named('weights', weights.refused)], auditLength,
  };
  if (auditList) state.audit = auditList.map((text) => decodeChecked(text, checkAuditEntry)).filter((e): e is AuditEntry => e !== undefined);
  return state;
}

export interface WriteBack {
  /** Redis had no epoch: create one (NX: the first instance back wins). */
  newEpoch: boolean;
  health: ReadonlyMap<MemberId, PersistedHealth>;
  overrides: ReadonlyMap<MemberId, Override>;
  weights: ReadonlyMap<MemberId, WeightOverride>;
  removeOverrides: readonly MemberId[];
  removeWeights: readonly MemberId[];
  /** Oldest first (see AUDIT_SCRIPT). */
  reseedAudit: readonly AuditEntry[];
  dirtyAudit: readonly AuditEntry[];
  auditLimit: number;
  /** Sender id of the `resync` message that tells the others to re-read. */
  from: string;
}

/** Writes back what the local side won; returns the dataset's epoch and how many writes it did. */
export async function writeBack(client: Redis, keys: RedisKeys, plan: WriteBack): Promise<{ epoch: string; writes: number }> {
  const write = client.multi();
  let writes = 0;
  if (plan.newEpoch) write.set(keys.epoch, randomUUID(), 'NX');
  for (const [id, value] of plan.health) write.hset(keys.health, id, encode(value)), writes++;
  for (const [id, value] of plan.overrides) write.hset(keys.overrides, id, encode(value)), writes++;
  for (const [id, value] of plan.weights) write.hset(keys.weights, id, encode(value)), writes++;
  if (plan.removeOverrides.length > 0) write.hdel(keys.overrides, ...plan.removeOverrides), writes++;
  if (plan.removeWeights.length > 0) write.hdel(keys.weights, ...plan.removeWeights), writes++;
  if (plan.reseedAudit.length > 0 || plan.dirtyAudit.length > 0) {
    const entries = [...plan.reseedAudit, ...plan.dirtyAudit].map(encode);
    write.eval(AUDIT_SCRIPT, 1, keys.audit, String(plan.auditLimit), String(plan.reseedAudit.length), ...entries);
    writes++;
  }
  if (writes > 0) write.publish(keys.channel, encode({ kind: 'resync', from: plan.from }));
  write.get(keys.epoch);
  const replies = check(await write.exec(), 'resync write');
  return { epoch: replies[replies.length - 1] as string, writes };
}

/**
 * Deletes a member's field and records the audit entry and message only if it was there: when
 * every instance clears the same expired override at once, the cluster records it once.
 */
export async function clearShared(
  client: Redis, keys: RedisKeys, hash: string, member: MemberId, entry: AuditEntry, auditLimit: number, message: ChangeMessage,
): Promise<boolean> {
  const cleared = await client.eval(CLEAR_SCRIPT, 2, hash, keys.audit, member, encode(entry), String(auditLimit), keys.channel, encode(message));
  return cleared === 1;
}
