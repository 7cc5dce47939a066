import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { statSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { checkAgainstPublished, fetchZone, formatSourceError, localZones, publishedVersions, type PublishedZone, publishZone, readManifest, writeManifest, zoneDigest, type ZoneKeys } from '../zone/index.ts';
import { emit, usage, type CommandOutput } from './zone-output.ts';
import { withRedis, withRedisOptions, type RedisArgs } from './zone-redis.ts';

export interface PushOptions {
  force?: boolean;
  author: string;
  now?: Date;
}

/**
 * `mxlb zone push [PATH]`: publishes the zones of a file or folder to Redis for every
 * `serve --zones redis` instance. Nothing is published unless every zone of PATH validates (the
 * `zone validate` checks) and loads beside the zones already published (origins, pool names);
 * then each zone gets the next version in one compare-and-set: a zone that someone else pushed
 * since this folder last pushed or pulled it is refused (exit 1) unless `--force`. The folder's
 * `.mxlb-shared.json` remembers the versions.
 */
export async function pushZones(redis: Redis, keys: ZoneKeys, path: string, opts: PushOptions): Promise<CommandOutput> {
  if (!existsSync(path)) return usage(`mxlb zone push: ${path}: no such file or folder`);
  const local = localZones(path);
  if (local.errors.length > 0 || local.sources.length === 0) {
    const problems = local.errors.map((e) => `${formatSourceError(e)}\n`).join('') || `${path}: no zone files\n`;
    return { exitCode: 1, stdout: '', stderr: `${problems}nothing published: fix the zones first (mxlb zone validate ${path})\n` };
  }
  const versions = await publishedVersions(redis, keys);
  const published: PublishedZone[] = [];
  for (const origin of versions.keys()) {
    const zone = await fetchZone(redis, keys, origin);
    if (zone) published.push(zone);
  }
  const clashes = checkAgainstPublished(local.sources, published);
  if (clashes.length > 0) {
    return { exitCode: 1, stdout: '', stderr: `${clashes.map((c) => `${c}\n`).join('')}nothing published: the zones would not load beside the published ones\n` };
  }

  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const manifest = readManifest(dir);
  let stdout = '';
  let stderr = '';
  let exitCode: 0 | 1 = 0;
  for (const source of local.sources) {
    const remote = versions.get(source.origin);
    const base = manifest[source.origin]?.version;
    // Unknown base (never pushed or pulled here): only a zone nobody published yet may be created.
    const expected = opts.force ? undefined : (base ?? 0);
    const result = await publishZone(redis, keys, source, { expectedVersion: expected, author: opts.author, now: opts.now ?? new Date() });
    const origin = `${source.origin}.`;
    if (result.status === 'conflict') {
      exitCode = 1;
      const by = published.find((p) => p.origin === source.origin);
      const since = base === undefined ? 'this folder never pushed or pulled it' : `this copy is based on version ${base}`;
      stderr += `${origin}: not published: Redis has version ${remote?.version ?? result.version}${by ? ` (by ${by.author} at ${by.at})` : ''} and ${since}; compare with "mxlb zone diff ${source.path}", then pull, or push --force to overwrite\n`;
      continue;
    }
    manifest[source.origin] = { version: result.version, sha256: zoneDigest(source), file: source.file };
    stdout += result.status === 'published' ? `${origin}  version ${result.version}  published from ${source.path}\n` : `${origin}  version ${result.version}  unchanged\n`;
  }
  writeManifest(dir, manifest);
  return { exitCode, stdout, stderr };
}

interface PushArgs extends RedisArgs {
  path?: string;
  force?: boolean;
}

export const pushCommand: CommandModule<object, PushArgs> = {
  command: 'push [path]',
  describe: 'Validate zones and publish them to Redis for every "serve --zones redis" instance',
  builder: (y) =>
    withRedisOptions(y)
      .positional('path', { type: 'string', describe: 'Zone file or zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
      .option('force', { type: 'boolean', default: false, describe: 'Publish even if Redis has a version this folder has not seen' })
      .example('$0 zone push zones/relay.example.com.yaml --redis redis://10.0.0.5:6379', 'Publish one zone')
      .example('$0 zone push --redis redis://10.0.0.5:6379', 'Publish every zone of ./zones'),
  handler: async (args) => {
    const defaults = clientDefaults();
    const path = args.path ?? defaults.zones;
    emit(await withRedis(args, (redis, keys) => pushZones(redis, keys, path, { force: args.force === true, author: defaults.author })));
  },
};
