import { statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import type { CommandModule } from 'yargs';
import { SourceError } from '../errors.ts';
import { defaultParsers, formatSourceError, scanZoneDir, type ZoneFileParser } from '../zone/index.ts';
import { emit, type CommandOutput } from './zone-output.ts';

export interface ValidateOptions {
  json?: boolean;
  parsers?: ReadonlyMap<string, ZoneFileParser>;
}

/**
 * `mxlb zone validate [path]`: loads a zone file or every zone file of a folder with the same code
 * the server uses (parse, `$INCLUDE` rules, zone rules, origin conflicts) and reports. Valid zones
 * go to stdout (origin, file, records, SOA serial; pools, members and balanced names of a balanced
 * zone); each problem goes to stderr as `file:line: reason`. A folder with no zone files is invalid: the path is probably wrong.
 */
export function validateZones(path: string, opts: ValidateOptions = {}): CommandOutput {
  const parsers = opts.parsers ?? defaultParsers;
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    return { exitCode: 2, stdout: '', stderr: `mxlb zone validate: ${path}: no such file or folder\n` };
  }
  const extensions = [...parsers.keys()].map((e) => `*${e}`).join(', ');
  if (!isFolder && !parsers.has(extname(path))) {
    return { exitCode: 2, stdout: '', stderr: `mxlb zone validate: ${path}: not a zone file (expected ${extensions})\n` };
  }
  const result = isFolder ? scanZoneDir(path, { parsers }) : scanZoneDir(dirname(path), { parsers, only: [basename(path)] });
  const zones = result.files.filter((f) => f.status === 'loaded');
  const errors = [...result.errors];
  if (result.files.length === 0 && errors.length === 0) errors.push(new SourceError(path, 0, `no zone files (${extensions})`));
  const valid = errors.length === 0;

  if (opts.json) {
    const report = {
      valid,
      zones: zones.map((z) => ({ origin: z.origin, file: z.file, records: z.records, serial: z.serial, ...(z.balancing ? { pools: z.balancing.pools, members: z.balancing.members, balancedNames: z.balancing.names, ...(z.balancing.dnsblLists ? { dnsblLists: z.balancing.dnsblLists } : {}) } : {}) })),
      errors: errors.map((e) => ({ file: e.file, line: e.line, reason: e.reason, message: formatSourceError(e) })),
    };
    return { exitCode: valid ? 0 : 1, stdout: `${JSON.stringify(report, null, 2)}\n`, stderr: '' };
  }

  const rows = zones.map((z) => [
    `${z.origin}.`,
    z.file,
    `${z.records} records`,
    `serial ${z.serial}`,
    z.balancing ? `${plural(z.balancing.pools, 'pool')}, ${plural(z.balancing.members, 'member')}, ${plural(z.balancing.names, 'balanced name')}${z.balancing.dnsblLists ? `, DNSBL ${z.balancing.dnsblLists.join(' ')}` : ''}` : '',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  let stdout = rows.map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd() + '\n').join('');
  const total = result.files.length;
  if (valid) stdout += `${total} zone file${total === 1 ? '' : 's'} valid\n`;
  const failed = result.files.filter((f) => f.status === 'failed').length;
  const stderr = valid ? '' : errors.map((e) => `${formatSourceError(e)}\n`).join('') + (total > 0 ? `${failed} of ${total} zone file${total === 1 ? '' : 's'} invalid\n` : '');
  return { exitCode: valid ? 0 : 1, stdout, stderr };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

interface ValidateArgs {
  path?: string;
  json?: boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate [path]',
  describe: 'Check a zone file or a folder of zone files, as the server would load them',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Zone file or zones folder', default: './zones' })
      .option('json', { type: 'boolean', default: false, describe: 'Print a machine-readable report on stdout' })
      .example('$0 zone validate zones/', 'Check every zone in a folder')
      .example('$0 zone validate zones/relay.example.com.zone --json', 'One file, as JSON'),
  handler: (args) => emit(validateZones(args.path ?? './zones', { json: args.json === true })),
};
