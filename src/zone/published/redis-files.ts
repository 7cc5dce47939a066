import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { SourceError } from '../../errors.ts';
import { writeAtomically } from '../files/atomic-write.ts';
import { defaultParsers, formatSourceError, scanZoneDir } from '../files/scan-dir.ts';
import type { Name } from '../model.ts';
import type { PublishedZone, ZoneSource } from './redis-zones.ts';
import { siblingZoneFile, YAML_EXTENSIONS, type ZoneFileContext } from '../files/zone-files.ts';

/**
 * Shared zones on disk (edge: file I/O): reading the zones a push publishes, writing published
 * zones into a folder (`zone pull`, and the follower's cache of `serve --zones redis`), and the
 * folder's record of which published version each zone came from (`.mxlb-shared.json`, a
 * dot-file, so the loader ignores it). A shared zone is one file plus, for a YAML zone, its
 * sibling `.zone`; `$INCLUDE` is refused because the included file would not travel with it.
 */

export const MANIFEST = '.mxlb-shared.json';

/** Per origin: the published version and digest this folder's copy matches. */
export type Manifest = Record<string, { version: number; sha256: string; file: string }>;

export function readManifest(dir: string): Manifest {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Manifest) : {};
  } catch {
    return {}; // none yet, or unreadable: every zone counts as never pulled
  }
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeAtomically(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

export interface LocalZones {
  sources: Array<ZoneSource & { path: string }>;
  errors: SourceError[];
  /** Zone files looked at (0: the path holds none). */
  files: number;
}

/**
 * The zones of a zone file or a folder, validated by the server's loader (the same scan as
 * `zone validate`), as what a push publishes. Throws MxlbError-free: problems are `errors`.
 */
export function localZones(path: string): LocalZones {
  const isFolder = statSync(path).isDirectory();
  const dir = isFolder ? path : dirname(path);
  const scan = isFolder ? scanZoneDir(dir) : scanZoneDir(dir, { only: [basename(path)] });
  const errors = [...scan.errors];
  const sources: LocalZones['sources'] = [];
  for (const report of scan.files) {
    if (report.status !== 'loaded' || report.origin === undefined) continue;
    const read: string[] = [];
    const ctx: ZoneFileContext = {
      zonesDir: dir,
      read: (file) => {
        read.push(resolve(file));
        return readFileSync(file, 'utf8');
      },
      exists: (file) => existsSync(file) && statSync(file).isFile(),
    };
    defaultParsers.get(extname(report.file))!(report.file, ctx);
    const sibling = YAML_EXTENSIONS.includes(extname(report.file)) ? siblingZoneFile(report.file) : undefined;
    const extra = read.filter((f) => f !== resolve(report.file) && f !== (sibling && resolve(sibling)));
    if (extra.length > 0) {
      errors.push(new SourceError(report.file, 0, `reads ${extra.join(', ')} through $INCLUDE; a shared zone is one file (and a YAML zone's sibling .zone): write the included records into the zone`));
      continue;
    }
    if (report.origin === '') {
      errors.push(new SourceError(report.file, 0, 'the root zone cannot be shared through Redis'));
      continue;
    }
    const source: ZoneSource & { path: string } = { origin: report.origin, file: basename(report.file), text: readFileSync(report.file, 'utf8'), path: report.file };
    if (sibling && read.includes(resolve(sibling))) source.sibling = readFileSync(sibling, 'utf8');
    sources.push(source);
  }
  return { sources, errors, files: scan.files.length };
}

/** Where a published zone lives in a follower's cache: named by origin, so two zones never share a file. */
export function cacheFileName(zone: Pick<ZoneSource, 'origin' | 'file'>): string {
  return `${zone.origin}${extname(zone.file)}`;
}

/**
 * Writes a published zone into `dir` as `fileName` (and its sibling beside it, or removes a
 * sibling it no longer has), each file atomically; the sibling first, so the loader never pairs
 * a new YAML zone with an old sibling for longer than one debounce.
 */
export function writeZoneFiles(dir: string, zone: ZoneSource, fileName: string): string[] {
  const main = join(dir, fileName);
  const written: string[] = [];
  if (YAML_EXTENSIONS.includes(extname(fileName))) {
    const sibling = siblingZoneFile(main);
    if (zone.sibling !== undefined) {
      writeAtomically(sibling, zone.sibling);
      written.push(sibling);
    } else if (existsSync(sibling)) {
      rmSync(sibling, { force: true });
    }
  }
  writeAtomically(main, zone.text);
  written.push(main);
  return written;
}

/**
 * Would these zones load beside the ones already published, as a follower loads them (origins and
 * pool names unique)? Returns the problems the new zones add, with file names as the operator
 * knows them: local paths for pushed zones, `redis:<origin>` for published ones.
 */
export function checkAgainstPublished(pushed: ReadonlyArray<ZoneSource & { path: string }>, published: readonly PublishedZone[]): string[] {
  const others = published.filter((p) => !pushed.some((z) => z.origin === p.origin));
  const scanOf = (zones: readonly ZoneSource[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'mxlb-push-check-'));
    try {
      for (const zone of zones) {
        writeFileSync(join(dir, cacheFileName(zone)), zone.text);
        if (zone.sibling !== undefined) writeFileSync(siblingZoneFile(join(dir, cacheFileName(zone))), zone.sibling);
      }
      const names = new Map<string, string>(zones.map((z) => [join(dir, cacheFileName(z)), 'path' in z ? String(z.path) : `redis:${z.origin}`]));
      return scanZoneDir(dir).errors.map((e) => {
        let text = formatSourceError(e);
        for (const [tmp, shown] of names) text = text.split(tmp).join(shown);
        return text.split(dir + '/').join('');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const before = new Set(scanOf(others));
  return scanOf([...others, ...pushed]).filter((e) => !before.has(e));
}

/** The local file that holds `origin` in `dir` according to the manifest, else the published name. */
export function pullTarget(dir: string, manifest: Manifest, zone: Pick<PublishedZone, 'origin' | 'file'>): string {
  const recorded = manifest[zone.origin]?.file;
  return recorded && extname(recorded) === extname(zone.file) ? recorded : zone.file;
}

