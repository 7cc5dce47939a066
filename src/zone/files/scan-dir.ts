import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { SourceError } from '../../errors.ts';
import { buildZone } from '../build.ts';
import { parseZoneText } from '../master/master-parser.ts';
import type { Name, Zone } from '../model.ts';
import { parseYamlZoneFile } from '../yaml/yaml-file.ts';
import { describeFsError as describe, includeReader, originFromFileName, YAML_EXTENSIONS, type ZoneFileContext, type ZoneFileParser } from './zone-files.ts';

/**
 * Reading zone files from a folder (edge: file I/O, synchronous and small). One code path serves
 * the server's loader and `mxlb zone validate`. Parsers are chosen by file extension: master
 * files (`.zone`) and balanced zones (`.yaml`, `.yml`, which take the static records of a sibling
 * `.zone` of the same name: that sibling is then not a zone of its own).
 */

/** RFC 1035 master files: `<origin>.zone`, unless the file starts with `$ORIGIN`. */
export const parseZoneFile: ZoneFileParser = (path, ctx) => {
  const text = ctx.read(path);
  const fromName = originFromFileName(path);
  const parsed = parseZoneText(text, { origin: fromName ?? '', file: path, include: includeReader(ctx) });
  const origin = parsed.leadingOrigin ?? fromName;
  if (origin === undefined) {
    throw new SourceError(path, 0, `"${basename(path)}" does not name a zone: call it <origin>.zone or start it with $ORIGIN`);
  }
  return buildZone(origin, parsed.records, path);
};

/** Zone parsers by file extension (with the dot). */
export const defaultParsers: ReadonlyMap<string, ZoneFileParser> = new Map([
  ['.zone', parseZoneFile],
  ...YAML_EXTENSIONS.map((ext) => [ext, parseYamlZoneFile] as const),
]);

/**
 * Parses and builds one zone file (master file, or YAML zone by extension); `$INCLUDE` paths are
 * relative to `zonesDir` (default: the file's folder).
 */
export function loadZoneFile(path: string, opts: { zonesDir?: string } = {}): Zone {
  const parser = defaultParsers.get(extname(path)) ?? parseZoneFile;
  return parser(path, { zonesDir: opts.zonesDir ?? dirname(path), read: readText, exists: isFile });
}

export interface ZoneFileReport {
  file: string;
  /** loaded: new or changed; unchanged: same content as before; kept: broken, last good version still served; failed: nothing served. */
  status: 'loaded' | 'unchanged' | 'kept' | 'failed';
  origin?: Name;
  records?: number;
  serial?: number;
  /** Balanced zones (YAML) only: how many pools, members, balanced names and MX bindings. */
  /** `dnsblLists`: the DNSBL zones its pools monitor (`reputation: dnsbl:`), when any. */
  balancing?: { pools: number; members: number; names: number; mx: number; dnsblLists?: string[] };
  error?: SourceError;
}

export interface ZoneDirResult {
  zones: Map<Name, Zone>;
  errors: SourceError[];
  files: ZoneFileReport[];
}

/** What a reload remembers per file: the last zone that loaded, and what it was built from. */
export interface LastGood {
  zone: Zone;
  fingerprint: string;
}

export interface ScanOptions {
  parsers?: ReadonlyMap<string, ZoneFileParser>;
  /** Only these file names in `dir` (for validating one file); default: every file with a parser. */
  only?: readonly string[];
  /** By file path, from the previous scan; a file that now fails keeps serving its entry. */
  lastGood?: ReadonlyMap<string, LastGood>;
}

export interface ScanResult extends ZoneDirResult {
  lastGood: Map<string, LastGood>;
  /** Absolute paths of the folders holding the files read (the zones folder, those of included files), to watch. */
  folders: Set<string>;
}

/** One-shot load of a zones folder (what `zone validate` and a first start do). */
export function loadZoneDir(dir: string, opts: Omit<ScanOptions, 'lastGood'> = {}): ZoneDirResult {
  const { zones, errors, files } = scanZoneDir(dir, opts);
  return { zones, errors, files };
}

/**
 * Loads every zone file of `dir` (not its subfolders, which may hold `$INCLUDE`d files; dot-files
 * and editor leftovers like `x.zone~` are skipped). Contract: never throws; each problem becomes
 * an error in the result. A file that fails keeps its `lastGood` zone. Two files with one origin:
 * the file that served it before wins, else the first by name; the other gets an error. A file
 * whose content (with its includes) did not change keeps its Zone object, so callers can tell
 * "nothing changed" by identity.
 */
export function scanZoneDir(dir: string, opts: ScanOptions = {}): ScanResult {
  const parsers = opts.parsers ?? defaultParsers;
  const lastGood = opts.lastGood ?? new Map<string, LastGood>();
  const errors: SourceError[] = [];
  const folders = new Set<string>([resolve(dir)]);
  let names: string[];
  try {
    names = opts.only ? opts.only.map((name) => yamlOwnerOf(dir, name, parsers) ?? name) : listZoneFiles(dir, parsers);
  } catch (error) {
    // An unreadable folder (moved, permissions) is an operator mistake in progress: keep serving.
    errors.push(new SourceError(dir, 0, `cannot read the zones folder: ${describe(error)}`));
    const zones = new Map([...lastGood.values()].map((g) => [g.zone.origin, g.zone]));
    return { zones, errors, files: [], lastGood: new Map(lastGood), folders };
  }

  interface Candidate { report: ZoneFileReport; zone?: Zone; fresh?: LastGood }
  const candidates: Candidate[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    const parser = parsers.get(extname(name));
    const read: string[] = [];
    const ctx: ZoneFileContext = {
      zonesDir: dir,
      read: (path) => {
        const text = readText(path);
        read.push(path, text);
        folders.add(resolve(dirname(path)));
        return text;
      },
      exists: isFile,
    };
    const previous = lastGood.get(file);
    try {
      if (!parser) throw new SourceError(file, 0, `no zone parser for "${extname(name)}" files`);
      const built = parser(file, ctx);
      const fingerprint = createHash('sha256').update(JSON.stringify(read)).digest('hex');
      const same = previous?.fingerprint === fingerprint;
      const zone = same ? previous.zone : built;
      candidates.push({ report: { file, status: same ? 'unchanged' : 'loaded' }, zone, fresh: { zone, fingerprint } });
    } catch (error) {
      const sourceError = error instanceof SourceError ? error : new SourceError(file, 0, describe(error));
      // Every problem the parser found (zone validate lists them); the report keeps the first.
      errors.push(...sourceError.all);
      candidates.push({ report: { file, status: previous ? 'kept' : 'failed', error: sourceError }, zone: previous?.zone });
    }
  }

  // The file that served an origin before keeps it; otherwise the first by name (sort is stable).
  // Pool names are server-wide (member ids are `<pool>/<member>`): the same rule settles them.
  const owners = new Map<Name, string>();
  for (const [file, good] of lastGood) owners.set(good.zone.origin, file);
  const isOwner = (c: Candidate) => c.zone !== undefined && owners.get(c.zone.origin) === c.report.file;
  const order = [...candidates].sort((a, b) => Number(isOwner(b)) - Number(isOwner(a)));
  const zones = new Map<Name, Zone>();
  const servedBy = new Map<Name, string>();
  const poolsBy = new Map<string, string>();
  const nextGood = new Map<string, LastGood>();
  for (const candidate of order) {
    const { zone, report } = candidate;
    if (!zone) continue;
    const holder = servedBy.get(zone.origin);
    if (holder !== undefined) {
      const error = new SourceError(report.file, 0, `zone ${zone.origin}. is already loaded from ${holder}`);
      errors.push(error);
      Object.assign(report, { status: 'failed', error });
      continue;
    }
    const pools = [...(zone.balancing?.pools.keys() ?? [])];
    const taken = pools.find((pool) => poolsBy.has(pool));
    if (taken !== undefined) {
      const error = new SourceError(report.file, 0, `pool ${taken} is already defined in ${poolsBy.get(taken)}; pool names are unique across all zones`);
      errors.push(error);
      Object.assign(report, { status: 'failed', error });
      continue;
    }
    for (const pool of pools) poolsBy.set(pool, report.file);
    zones.set(zone.origin, zone);
    servedBy.set(zone.origin, report.file);
    Object.assign(report, { origin: zone.origin, records: countRecords(zone), serial: zone.soa.serial });
    if (zone.balancing) report.balancing = countBalancing(zone);
    if (candidate.fresh) nextGood.set(report.file, candidate.fresh);
    else nextGood.set(report.file, lastGood.get(report.file)!);
  }
  return { zones, errors, files: candidates.map((c) => c.report), lastGood: nextGood, folders };
}

/** `file:line: reason`, or `file: reason` for an error about a whole file or folder (line 0). */
/**
 * Why `mxlb serve` stops at start when no zone of the folder loaded (it would otherwise say "mxlb
 * serving" and answer REFUSED to everything): the folder and every file's `file:line: reason`.
 */
export function noZoneLoadsMessage(dir: string, errors: readonly SourceError[]): string {
  const lines = errors.map((e) => `  ${formatSourceError(e)}`).join('\n');
  return `no zone in ${dir} loads, so there is nothing to serve:\n${lines}\n(check with "mxlb zone validate ${dir}")`;
}

export function formatSourceError(error: SourceError): string {
  return error.line > 0 ? error.message : `${error.file}: ${error.reason}`;
}

/** The zone files of a folder (names, not paths): known extensions, not hidden, not a YAML zone's static records. Throws on an unreadable folder. */
export function listZoneFiles(dir: string, parsers: ReadonlyMap<string, ZoneFileParser> = defaultParsers): string[] {
  const files = readdirSync(dir).filter((name) => !name.startsWith('.') && parsers.has(extname(name)) && isFile(join(dir, name)));
  // `x.zone` beside `x.yaml` holds the YAML zone's static records: not a zone of its own.
  return files.filter((name) => yamlOwnerOf(dir, name, parsers) === undefined);
}

/** For `x.zone`, the name of the YAML zone file beside it that takes its records, if any. */
function yamlOwnerOf(dir: string, name: string, parsers: ReadonlyMap<string, ZoneFileParser>): string | undefined {
  if (extname(name) !== '.zone') return undefined;
  const stem = basename(name, '.zone');
  return YAML_EXTENSIONS.map((ext) => `${stem}${ext}`).find((yaml) => parsers.has(extname(yaml)) && isFile(join(dir, yaml)));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // vanished between readdir and stat, or a dangling link: not a file now
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SourceError(path, 0, `cannot read: ${describe(error)}`);
  }
}

function countBalancing(zone: Zone): NonNullable<ZoneFileReport['balancing']> {
  const pools = [...(zone.balancing?.pools.values() ?? [])];
  return {
    pools: pools.length,
    members: pools.reduce((n, pool) => n + pool.members.length, 0),
    names: zone.balancing?.names.size ?? 0,
    mx: zone.balancing?.mx.size ?? 0,
    ...dnsblLists(pools),
  };
}

function dnsblLists(pools: ReadonlyArray<{ reputation?: { dnsbl?: { lists: ReadonlyArray<{ zone: string }> } } }>): { dnsblLists?: string[] } {
  const lists = [...new Set(pools.flatMap((pool) => pool.reputation?.dnsbl?.lists.map((l) => l.zone) ?? []))];
  return lists.length > 0 ? { dnsblLists: lists } : {};
}

function countRecords(zone: Zone): number {
  let count = 0;
  for (const types of zone.nodes.values()) for (const set of types.values()) count += set.rdata.length;
  return count;
}
