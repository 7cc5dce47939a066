import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SourceError } from '../errors.ts';
import { buildZone } from './build.ts';
import { parseZoneText, type IncludeReader } from './master-parser.ts';
import type { Name, Zone } from './model.ts';
import { parseName } from './rdata-parser.ts';

/**
 * Reading zone files from a folder (edge: file I/O, synchronous and small). One code path serves
 * the server's loader and `mxlb zone validate`. Parsers are chosen by file extension so the YAML
 * zone parser plugs in beside the master-file one.
 */

/** What a zone parser may use: the zones folder (the `$INCLUDE` root) and a reader that records what it read. */
export interface ZoneFileContext {
  zonesDir: string;
  /** Reads a file as UTF-8; everything read this way decides whether the zone changed. */
  read(path: string): string;
}

/** Parses one zone file. Contract: returns a built Zone or throws SourceError(file, line, reason). */
export type ZoneFileParser = (path: string, ctx: ZoneFileContext) => Zone;

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

/** Zone parsers by file extension (with the dot). The YAML parser is added here when it exists. */
export const defaultParsers: ReadonlyMap<string, ZoneFileParser> = new Map([['.zone', parseZoneFile]]);

/** Parses and builds one master file; `$INCLUDE` paths are relative to `zonesDir` (default: the file's folder). */
export function loadZoneFile(path: string, opts: { zonesDir?: string } = {}): Zone {
  return parseZoneFile(path, { zonesDir: opts.zonesDir ?? dirname(path), read: readText });
}

export interface ZoneFileReport {
  file: string;
  /** loaded: new or changed; unchanged: same content as before; kept: broken, last good version still served; failed: nothing served. */
  status: 'loaded' | 'unchanged' | 'kept' | 'failed';
  origin?: Name;
  records?: number;
  serial?: number;
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
    names = opts.only ? [...opts.only] : listZoneFiles(dir, parsers);
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
      errors.push(sourceError);
      candidates.push({ report: { file, status: previous ? 'kept' : 'failed', error: sourceError }, zone: previous?.zone });
    }
  }

  // The file that served an origin before keeps it; otherwise the first by name (sort is stable).
  const owners = new Map<Name, string>();
  for (const [file, good] of lastGood) owners.set(good.zone.origin, file);
  const isOwner = (c: Candidate) => c.zone !== undefined && owners.get(c.zone.origin) === c.report.file;
  const order = [...candidates].sort((a, b) => Number(isOwner(b)) - Number(isOwner(a)));
  const zones = new Map<Name, Zone>();
  const servedBy = new Map<Name, string>();
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
    zones.set(zone.origin, zone);
    servedBy.set(zone.origin, report.file);
    Object.assign(report, { origin: zone.origin, records: countRecords(zone), serial: zone.soa.serial });
    if (candidate.fresh) nextGood.set(report.file, candidate.fresh);
    else nextGood.set(report.file, lastGood.get(report.file)!);
  }
  return { zones, errors, files: candidates.map((c) => c.report), lastGood: nextGood, folders };
}

/** `file:line: reason`, or `file: reason` for an error about a whole file or folder (line 0). */
export function formatSourceError(error: SourceError): string {
  return error.line > 0 ? error.message : `${error.file}: ${error.reason}`;
}

function listZoneFiles(dir: string, parsers: ReadonlyMap<string, ZoneFileParser>): string[] {
  return readdirSync(dir).filter((name) => {
    if (name.startsWith('.') || !parsers.has(extname(name))) return false;
    try {
      return statSync(join(dir, name)).isFile();
    } catch {
      return false; // vanished between readdir and stat, or a dangling link: not a zone now
    }
  });
}

/**
 * `$INCLUDE` paths are relative to the zones folder (like BIND's `directory`) and must stay inside
 * it, also through symbolic links; the file's name in messages is its path under the folder.
 */
function includeReader(ctx: ZoneFileContext): IncludeReader {
  return (relPath) => {
    if (isAbsolute(relPath)) throw new Error(`$INCLUDE ${relPath}: the path must be relative to the zones folder`);
    const root = resolve(ctx.zonesDir);
    const target = resolve(root, relPath);
    if (!inside(target, root)) throw new Error(`$INCLUDE ${relPath}: outside the zones folder`);
    let realTarget: string;
    try {
      realTarget = realpathSync(target);
    } catch (error) {
      throw new Error(`$INCLUDE ${relPath}: ${describe(error)}`);
    }
    const realRoot = realpathSync(root);
    if (!inside(realTarget, realRoot)) throw new Error(`$INCLUDE ${relPath}: outside the zones folder (through a link)`);
    const file = join(ctx.zonesDir, relative(realRoot, realTarget));
    try {
      return { text: ctx.read(file), file };
    } catch (error) {
      throw new Error(`$INCLUDE ${relPath}: ${describe(error)}`); // reported at the $INCLUDE line
    }
  };
}

function inside(path: string, root: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SourceError(path, 0, `cannot read: ${describe(error)}`);
  }
}

function originFromFileName(path: string): Name | undefined {
  const base = basename(path, '.zone');
  try {
    return parseName({ text: base.endsWith('.') ? base : `${base}.`, quoted: false, line: 0 }, '');
  } catch {
    return undefined;
  }
}

function countRecords(zone: Zone): number {
  let count = 0;
  for (const types of zone.nodes.values()) for (const set of types.values()) count += set.rdata.length;
  return count;
}

function describe(error: unknown): string {
  if (error instanceof SourceError) return error.reason;
  const code = (error as { code?: unknown })?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return error instanceof Error ? error.message : String(error);
}
