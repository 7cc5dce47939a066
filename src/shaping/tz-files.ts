/**
 * The system's compiled tz database as an offset source for zone-time.ts (edge: reads files).
 *
 * Why not Intl alone: the first `Intl.DateTimeFormat` of a process pages in ~5 MB of ICU data from the
 * node binary and ~3 MB of ICU heap, 8 MB of the idle RSS budget (docs/decisions.md). A zone file is
 * ~2 KB. Contract: `loadTzif(name)` returns the parsed zone, or undefined whenever the file route cannot
 * answer (name not plain, file missing, unreadable, malformed or with leap seconds): the caller then
 * uses Intl, so behaviour never gets worse than Intl alone. Results (both kinds) are cached per name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTzif, type TzifZone } from './tzif.ts';

/** Zones that are UTC by definition in the tz database (links to Etc/UTC or Etc/GMT): no file needed. */
export const UTC_NAMES: ReadonlySet<string> = new Set([
  'UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'GMT', 'Etc/GMT', 'GMT0', 'Etc/GMT0', 'GMT+0', 'Etc/GMT+0', 'GMT-0', 'Etc/GMT-0',
  'Greenwich', 'Etc/Greenwich', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu',
]);

/** Files in the zoneinfo folder that are not zones Intl knows (`posix/`, `right/` are whole copies of the tree). */
const NOT_ZONES = /^(?:posix|right)\/|^(?:localtime|posixrules|Factory)$/;

/** A plain zone name: `/`-separated parts of letters, digits and `_ + -`; no `.` at all (so no `..`), no leading `/`. */
export function isPlainZoneName(name: string): boolean {
  return /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/.test(name) && !NOT_ZONES.test(name);
}

/** The folder `$TZDIR` names (the variable tzcode and glibc read), else /usr/share/zoneinfo. */
export function tzDir(): string {
  // Read here rather than in config.ts: it is the system's tz setting, the same one libc follows, not an mxlb option.
  return process.env.TZDIR || '/usr/share/zoneinfo';
}

/** The largest file read: real zone files are under 4 KB; anything far larger is not one. */
const MAX_BYTES = 1 << 20;

const cache = new Map<string, TzifZone | null>();

/** The parsed zone file for `name`, or undefined when Intl must answer instead (see the contract above). */
export function loadTzif(name: string, dir = tzDir()): TzifZone | undefined {
  const key = `${dir}\0${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let zone: TzifZone | null = null;
  if (isPlainZoneName(name)) {
    try {
      const bytes = readFileSync(join(dir, name));
      if (bytes.length <= MAX_BYTES) zone = parseTzif(bytes);
    } catch {
      zone = null; // missing (ENOENT), a folder (EISDIR), unreadable, or malformed: Intl decides
    }
  }
  // Names come from zone files, so a handful; the bound only keeps a stream of odd names from growing it.
  if (cache.size >= 1024) cache.clear();
  cache.set(key, zone);
  return zone ?? undefined;
}
