import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { formatSourceError, scanZoneDir, YAML_EXTENSIONS } from '../zone/index.ts';
import { emit, json, table, usage, type CommandOutput } from './zone-output.ts';

/** One row of `mxlb zone list`. */
export interface ZoneListEntry {
  origin: string | null;
  file: string;
  kind: 'master' | 'balanced';
  serial: number | null;
  records: number | null;
  pools: number | null;
  members: number | null;
  status: 'ok' | 'invalid';
  error?: string;
}

/**
 * `mxlb zone list`: every zone file of the folder, loaded as the server would (same scan), one
 * row each. Exit 0 when every file loads, 1 when one does not (its `file:line: reason` goes to
 * stderr), 2 when the folder does not exist.
 */
export function listZones(dir: string, opts: { json?: boolean } = {}): CommandOutput {
  if (!isFolder(dir)) return usage(`mxlb zone list: ${dir}: no such folder (set --zones or MXLB_ZONES)`);
  const scan = scanZoneDir(dir);
  const entries: ZoneListEntry[] = scan.files.map((f) => {
    const balanced = YAML_EXTENSIONS.includes(extname(f.file));
    const ok = f.status === 'loaded' || f.status === 'unchanged';
    return {
      origin: ok && f.origin !== undefined ? `${f.origin}.` : null,
      file: f.file,
      kind: balanced ? 'balanced' : 'master',
      serial: ok ? (f.serial ?? null) : null,
      records: ok ? (f.records ?? null) : null,
      pools: ok && balanced ? (f.balancing?.pools ?? 0) : null,
      members: ok && balanced ? (f.balancing?.members ?? 0) : null,
      status: ok ? 'ok' : 'invalid',
      ...(f.error ? { error: formatSourceError(f.error) } : {}),
    };
  });
  const exitCode = entries.every((e) => e.status === 'ok') && scan.errors.length === 0 ? 0 : 1;
  if (opts.json) return json({ dir, zones: entries }, exitCode);
  if (entries.length === 0) return { exitCode: 0, stdout: `no zone files in ${dir}\n`, stderr: '' };
  const dash = (v: number | null) => (v === null ? '-' : String(v));
  const rows = entries.map((e) => [e.origin ?? '-', basename(e.file), e.kind, dash(e.serial), dash(e.records), dash(e.pools), dash(e.members), e.status]);
  const stdout = table(['ORIGIN', 'FILE', 'KIND', 'SERIAL', 'RECORDS', 'POOLS', 'MEMBERS', 'STATUS'], rows);
  const stderr = scan.errors.map((e) => `${formatSourceError(e)}\n`).join('');
  return { exitCode, stdout, stderr };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

interface ListArgs {
  zones?: string;
  json?: boolean;
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List the zones of a folder: origin, file, kind, serial, records, pools, members, status',
  builder: (y) =>
    y
      .option('zones', { type: 'string', describe: 'Zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the list as JSON' })
      .example('$0 zone list --zones /etc/mxlb/zones', 'Every zone the server would load'),
  handler: (args) => emit(listZones(args.zones ?? clientDefaults().zones, { json: args.json === true })),
};
