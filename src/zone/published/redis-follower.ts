import { mkdirSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { waitForReady } from '../../redis/index.ts';
import { cacheFileName, readManifest, writeManifest, writeZoneFiles, type Manifest } from './redis-files.ts';
import { fetchZone, publishedVersions, type ZoneKeys } from './redis-zones.ts';
import { siblingZoneFile, YAML_EXTENSIONS } from '../files/zone-files.ts';

export interface RedisZoneFollowerOptions {
  /** Commands connection (no offline queue: a command while Redis is down fails at once). */
  client: Redis;
  /** A connection for SUBSCRIBE only. */
  subscriber: Redis;
  keys: ZoneKeys;
  /** The local folder the ZoneLoader serves from (created if missing). */
  cacheDir: string;
  logger: Logger;
  /** Safety resync for messages lost while the subscriber reconnected (default 30 s). */
  resyncMs?: number;
}

export interface FollowerSync {
  /** Origins written to the cache by this sync. */
  written: string[];
  /** Published zones in Redis at the time. */
  published: number;
}

/**
 * Mirrors the zones published in Redis (`mxlb zone push`) into a local cache folder for
 * `mxlb serve --zones redis` (edge: Redis and files). Contract: the cache only ever holds complete
 * published zones (each file replaced atomically) and the ZoneLoader watching it does the rest —
 * parsing, keeping the last good zone, swapping snapshots — so the DNS path never waits on Redis.
 * When Redis is unreachable nothing changes in the cache: the instance keeps serving the last
 * zones it saw, also across restarts (fail-static). It syncs at start, on every publish message,
 * when the connection comes back, and every `resyncMs`, comparing versions and digests so only
 * changed zones are fetched. Zones are never deleted because Redis lacks them: an empty Redis
 * (lost data) must not empty every nameserver.
 */
export class RedisZoneFollower {
  readonly #opts: Required<RedisZoneFollowerOptions>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #listeners: Array<() => void> = [];

  constructor(opts: RedisZoneFollowerOptions) {
    this.#opts = { resyncMs: 30_000, ...opts };
    this.#log = opts.logger;
  }

  /**
   * Creates the cache folder, subscribes, and runs the first sync if Redis answers within
   * `waitMs`; otherwise resolves false and the cached zones are served until Redis is back.
   */
  async start(waitMs: number): Promise<boolean> {
    const { client, subscriber, keys, cacheDir } = this.#opts;
    mkdirSync(cacheDir, { recursive: true });
    const onMessage = (channel: string, origin: string) => {
      if (channel === keys.channel) this.#request(`published ${origin}`);
    };
    const subscribe = () => {
      subscriber.subscribe(keys.channel).catch((error: unknown) => this.#log.warn({ err: error }, 'cannot subscribe to zone changes; periodic resync only'));
    };
    const onReady = () => this.#request('redis connection back');
    subscriber.on('message', onMessage);
    subscriber.on('ready', subscribe);
    client.on('ready', onReady);
    this.#listeners.push(
      () => subscriber.removeListener('message', onMessage),
      () => subscriber.removeListener('ready', subscribe),
      () => client.removeListener('ready', onReady),
    );
    if (subscriber.status === 'ready') subscribe();
    this.#timer = setInterval(() => this.#request('periodic resync'), this.#opts.resyncMs);
    this.#timer.unref();

    const ready = await waitForReady(client, waitMs);
    const cached = Object.keys(readManifest(cacheDir)).length;
    if (!ready) {
      this.#log.warn({ cacheDir, cached }, 'Redis unreachable at start; serving the cached shared zones until it is back');
      return false;
    }
    this.#request('start');
    await this.#running;
    return true;
  }

  /** Runs one sync now (or right after the one in progress). Never rejects. */
  sync(reason: string): Promise<void> {
    this.#request(reason);
    return this.#running ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const remove of this.#listeners.splice(0)) remove();
    await this.#running;
  }

  #request(reason: string): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      try {
        let next: string | undefined = reason;
        while (next !== undefined && !this.#closed) {
          this.#again = false;
          await this.#syncOnce(next);
          next = this.#again ? 'changes during the last sync' : undefined;
        }
      } finally {
        this.#running = undefined;
      }
    })();
  }

  async #syncOnce(reason: string): Promise<FollowerSync | undefined> {
    const { client, keys, cacheDir } = this.#opts;
    try {
      const versions = await publishedVersions(client, keys);
      const manifest = readManifest(cacheDir);
      const written: string[] = [];
      for (const [origin, remote] of versions) {
        const have = manifest[origin];
        if (have && have.sha256 === remote.sha256 && have.version === remote.version) continue;
        const zone = await fetchZone(client, keys, origin);
        if (!zone) continue;
        const fileName = cacheFileName(zone);
        if (have && have.file !== fileName) removeCached(cacheDir, have);
        if (!have || have.sha256 !== zone.sha256) writeZoneFiles(cacheDir, zone, fileName);
        manifest[origin] = { version: zone.version, sha256: zone.sha256, file: fileName };
        written.push(origin);
        this.#log.info({ origin, version: zone.version, author: zone.author, at: zone.at, reason }, `shared zone ${origin}. version ${zone.version} cached`);
      }
      if (written.length > 0) writeManifest(cacheDir, manifest);
      this.#log.debug({ reason, published: versions.size, written: written.length }, 'shared zones synced');
      return { written, published: versions.size };
    } catch (error) {
      // Redis went away mid-sync: keep what the cache has; the reconnect triggers the next sync.
      this.#log.warn({ err: (error as Error).message, reason }, 'shared zones sync failed; serving the cached zones');
      return undefined;
    }
  }
}

function removeCached(dir: string, entry: Manifest[string]): void {
  rmSync(join(dir, entry.file), { force: true });
  if (YAML_EXTENSIONS.includes(extname(entry.file))) rmSync(siblingZoneFile(join(dir, entry.file)), { force: true });
}
