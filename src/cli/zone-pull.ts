import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { MxlbError } from '../errors.ts';
import { canonicalName, fetchZone, publishedVersions, pullTarget, readManifest, siblingZoneFile, writeManifest, writeZoneFiles, zoneDigest, type ZoneKeys } from '../zone/index.ts';
import { emit, usage, type CommandOutput } from './zone-output.ts';
import { withRedis, withRedisOptions, type RedisArgs } from './zone-redis.ts';

/**
 * `mxlb zone pull ORIGIN…|--all --zones DIR`: writes published zones into a folder, each file
 * atomically (a running server on that folder reloads them). A local file changed since it was
 * last pushed or pulled is not overwritten unless `--force`: that would lose an edit.
 */
export async function pullZones(redis: Redis, keys: ZoneKeys, dir: string, origins: readonly string[] | 'all', opts: { force?: boolean } = {}): Promise<CommandOutput> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return usage(`mxlb zone pull: ${dir}: no such folder`);
  const wanted = origins === 'all' ? [...(await publishedVersions(redis, keys)).keys()] : origins.map((o) => canonicalName(o));
  const manifest = readManifest(dir);
  let stdout = '';
  let stderr = '';
  let exitCode: 0 | 1 = 0;
  if (wanted.length === 0) return { exitCode: 0, stdout: 'no zones are published\n', stderr: '' };
  for (const origin of wanted) {
    const zone = await fetchZone(redis, keys, origin);
    if (!zone) {
      exitCode = 1;
      stderr += `${origin}.: not published\n`;
      continue;
    }
    const fileName = pullTarget(dir, manifest, zone);
    const local = readLocal(join(dir, fileName));
    const recorded = manifest[origin];
    const localDigest = local && zoneDigest({ file: recorded?.file ?? fileName, ...local });
    if (local && localDigest !== zone.sha256 && localDigest !== recorded?.sha256 && !opts.force) {
      exitCode = 1;
      stderr += `${origin}.: not pulled: ${join(dir, fileName)} has changes that were never pushed; compare with "mxlb zone diff", then push them, or pull --force to discard them\n`;
      continue;
    }
    if (localDigest === zone.sha256) {
      stdout += `${origin}.  version ${zone.version}  unchanged  ${join(dir, fileName)}\n`;
    } else {
      writeZoneFiles(dir, zone, fileName);
      stdout += `${origin}.  version ${zone.version}  written to ${join(dir, fileName)}  (by ${zone.author} at ${zone.at})\n`;
    }
    manifest[origin] = { version: zone.version, sha256: zone.sha256, file: fileName };
  }
  writeManifest(dir, manifest);
  return { exitCode, stdout, stderr };
}

function readLocal(file: string): { text: string; sibling?: string } | undefined {
  if (!existsSync(file)) return undefined;
  const sibling = siblingZoneFile(file);
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.zone') || !existsSync(sibling) ? { text } : { text, sibling: readFileSync(sibling, 'utf8') };
}

interface PullArgs extends RedisArgs {
  origins?: string[];
  all?: boolean;
  zones?: string;
  force?: boolean;
}

export const pullCommand: CommandModule<object, PullArgs> = {
  command: 'pull [origins..]',
  describe: 'Write published zones from Redis into a zones folder',
  builder: (y) =>
    withRedisOptions(y)
      .positional('origins', { type: 'string', array: true, describe: 'Zone names to pull' })
      .option('all', { type: 'boolean', default: false, describe: 'Pull every published zone' })
      .option('zones', { type: 'string', describe: 'Zones folder to write into (env MXLB_ZONES)', defaultDescription: './zones' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite local changes that were never pushed' })
      .example('$0 zone pull relay.example.com --redis redis://10.0.0.5:6379', 'Fetch one zone into ./zones')
      .example('$0 zone pull --all --zones /etc/mxlb/zones --redis redis://10.0.0.5:6379', 'Fetch every published zone'),
  handler: async (args) => {
    const origins = args.origins ?? [];
    if (args.all === (origins.length > 0)) throw new MxlbError('usage', 'name the zones to pull, or give --all (not both)');
    const dir = args.zones ?? clientDefaults().zones;
    emit(await withRedis(args, (redis, keys) => pullZones(redis, keys, dir, args.all ? 'all' : origins, { force: args.force === true })));
  },
};
