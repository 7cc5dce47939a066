import { existsSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { fetchZone, formatSourceError, localZones, zoneDigest, type ZoneKeys } from '../zone/index.ts';
import { emit, unifiedDiff, usage, type CommandOutput } from './zone-output.ts';
import { withRedis, withRedisOptions, type RedisArgs } from './zone-redis.ts';

/**
 * `mxlb zone diff [PATH]`: what a push of PATH would change, as a unified diff from the published
 * version (`redis:<origin>@<version>`) to the local file. Exit 0 when every zone is the same as
 * published, 1 when one differs, is not published or does not load, 3 when Redis is unreachable.
 */
export async function diffZones(redis: Redis, keys: ZoneKeys, path: string): Promise<CommandOutput> {
  if (!existsSync(path)) return usage(`mxlb zone diff: ${path}: no such file or folder`);
  const local = localZones(path);
  let stdout = '';
  let stderr = local.errors.map((e) => `${formatSourceError(e)}\n`).join('');
  let same = local.errors.length === 0;
  for (const source of local.sources) {
    const remote = await fetchZone(redis, keys, source.origin);
    if (!remote) {
      same = false;
      stdout += `${source.origin}.: not published (${source.path})\n`;
      continue;
    }
    if (remote.sha256 === zoneDigest(source)) continue;
    same = false;
    const label = `redis:${source.origin}@${remote.version}`;
    stdout += unifiedDiff(`${label}/${remote.file}`, source.path, remote.text, source.text);
    if (remote.file !== source.file && remote.text === source.text) stdout += `${source.origin}.: published as ${remote.file}, here ${source.file}\n`;
    if ((remote.sibling ?? '') !== (source.sibling ?? '')) {
      stdout += unifiedDiff(`${label}/${remote.file.replace(/\.ya?ml$/, '.zone')}`, source.path.replace(/\.ya?ml$/, '.zone'), remote.sibling ?? '', source.sibling ?? '');
    }
  }
  if (local.sources.length === 0 && local.errors.length === 0) stderr += `${path}: no zone files\n`;
  if (same && local.sources.length > 0) stdout += `${local.sources.length} zone${local.sources.length === 1 ? '' : 's'} the same as published\n`;
  return { exitCode: same && local.sources.length > 0 ? 0 : 1, stdout, stderr };
}

interface DiffArgs extends RedisArgs {
  path?: string;
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff [path]',
  describe: 'Show how local zones differ from the versions published in Redis (exit 1 if any does)',
  builder: (y) =>
    withRedisOptions(y)
      .positional('path', { type: 'string', describe: 'Zone file or zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
      .example('$0 zone diff zones/relay.example.com.yaml --redis redis://10.0.0.5:6379', 'What a push would change'),
  handler: async (args) => {
    const path = args.path ?? clientDefaults().zones;
    emit(await withRedis(args, (redis, keys) => diffZones(redis, keys, path)));
  },
};
