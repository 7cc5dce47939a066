import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Name } from '../model.ts';

/**
 * Shared zones in Redis (docs/cluster.md, "Shared zones"): the layout and the few commands that
 * read and write it, used by `mxlb zone push|pull|diff` and by the RedisZoneFollower of
 * `mxlb serve --zones redis`. Keys, under the cluster's prefix (default `mxlb:`):
 * - `<prefix>zone:<origin>`: hash {version, file, text, sibling?, sha256, author, at}, the current
 *   published zone (origin without the final dot; the root zone is `.`);
 * - `<prefix>zones`: set of published origins;
 * - channel `<prefix>zones:changed`: the origin, published after every new version.
 * Versions only grow (compare-and-set in one Lua script), so two pushes cannot both win.
 */

export interface ZoneKeys {
  zone(origin: Name): string;
  zones: string;
  channel: string;
}

export function zoneKeys(prefix: string): ZoneKeys {
  return {
    zone: (origin) => `${prefix}zone:${origin === '' ? '.' : origin}`,
    zones: `${prefix}zones`,
    channel: `${prefix}zones:changed`,
  };
}

/** What a push publishes: the zone file's text and, for a YAML zone, its sibling master file. */
export interface ZoneSource {
  origin: Name;
  /** The file's base name (`relay.example.com.yaml`): its extension picks the parser. */
  file: string;
  text: string;
  /** The sibling `<name>.zone` of a YAML zone, when it exists. */
  sibling?: string;
}

export interface PublishedZone extends ZoneSource {
  version: number;
  sha256: string;
  author: string;
  /** ISO time of the push. */
  at: string;
}

/** Identity of a zone's content: the file name, the text and the sibling, unambiguously joined. */
export function zoneDigest(source: Omit<ZoneSource, 'origin'>): string {
  return createHash('sha256').update(JSON.stringify([source.file, source.text, source.sibling ?? null])).digest('hex');
}

/** The result of a push: published as `version`, or refused because the remote moved on, or nothing new. */
export type PublishResult =
  | { status: 'published'; version: number }
  | { status: 'unchanged'; version: number }
  | { status: 'conflict'; version: number };

/**
 * KEYS: zone hash, origin set. ARGV: expected version ('' = any), file, text, sibling ('' = none),
 * sha256, author, at, origin, channel. Same content → unchanged (no new version); a remote version
 * other than the expected one → conflict (none at all is no conflict: nothing to overwrite, e.g.
 * after Redis lost its data); else version+1, the set and a PUBLISH, atomically.
 */
const PUBLISH = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if redis.call('HGET', KEYS[1], 'sha256') == ARGV[5] then return {'unchanged', current} end
if ARGV[1] ~= '' and current ~= 0 and tonumber(ARGV[1]) ~= current then return {'conflict', current} end
local version = current + 1
redis.call('HSET', KEYS[1], 'version', version, 'file', ARGV[2], 'text', ARGV[3], 'sha256', ARGV[5], 'author', ARGV[6], 'at', ARGV[7])
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'sibling') else redis.call('HSET', KEYS[1], 'sibling', ARGV[4]) end
redis.call('SADD', KEYS[2], ARGV[8])
redis.call('PUBLISH', ARGV[9], ARGV[8])
return {'published', version}
`;

/** Publishes a validated zone. `expectedVersion` undefined = overwrite whatever is there (--force). */
export async function publishZone(
  redis: Redis,
  keys: ZoneKeys,
  source: ZoneSource,
  opts: { expectedVersion: number | undefined; author: string; now: Date },
): Promise<PublishResult> {
  const sha = zoneDigest(source);
  const reply = (await redis.eval(
    PUBLISH,
    2,
    keys.zone(source.origin),
    keys.zones,
    opts.expectedVersion === undefined ? '' : String(opts.expectedVersion),
    source.file,
    source.text,
    source.sibling ?? '',
    sha,
    opts.author,
    opts.now.toISOString(),
    source.origin === '' ? '.' : source.origin,
    keys.channel,
  )) as [string, number];
  return { status: reply[0] as PublishResult['status'], version: Number(reply[1]) };
}

export async function fetchZone(redis: Redis, keys: ZoneKeys, origin: Name): Promise<PublishedZone | undefined> {
  return decode(origin, await redis.hgetall(keys.zone(origin)));
}

/** Version and digest of every published zone (cheap: no zone texts), by origin. */
export async function publishedVersions(redis: Redis, keys: ZoneKeys): Promise<Map<Name, { version: number; sha256: string }>> {
  const origins = (await redis.smembers(keys.zones)).map((o) => (o === '.' ? '' : o)).sort();
  const out = new Map<Name, { version: number; sha256: string }>();
  if (origins.length === 0) return out;
  const pipeline = redis.pipeline();
  for (const origin of origins) pipeline.hmget(keys.zone(origin), 'version', 'sha256');
  const replies = (await pipeline.exec()) ?? [];
  origins.forEach((origin, i) => {
    const [error, fields] = replies[i] ?? [new Error('no reply'), null];
    if (error) throw error;
    const [version, sha256] = fields as [string | null, string | null];
    if (version !== null && sha256 !== null) out.set(origin, { version: Number(version), sha256 });
  });
  return out;
}

/** A zone hash as read from Redis; undefined when absent or not a zone written by mxlb. */
export function decode(origin: Name, hash: Record<string, string>): PublishedZone | undefined {
  if (!hash.version || hash.text === undefined || !hash.file || !hash.sha256) return undefined;
  const zone: PublishedZone = {
    origin,
    file: hash.file,
    text: hash.text,
    version: Number(hash.version),
    sha256: hash.sha256,
    author: hash.author ?? '',
    at: hash.at ?? '',
  };
  if (hash.sibling !== undefined) zone.sibling = hash.sibling;
  return zone;
}
