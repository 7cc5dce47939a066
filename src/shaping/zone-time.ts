/**
 * Calendar days in an IANA time zone (pure but for reading the zone's file once). A warm-up day starts
 * at local midnight: on a DST change day it is 23 or 25 hours long, and nothing here assumes 24.
 *
 * Where the offsets come from: the system's compiled tz database (tz-files.ts, TZif files of
 * /usr/share/zoneinfo or `$TZDIR`), because the first Intl.DateTimeFormat of a process costs ~8 MB of
 * RSS (docs/decisions.md). Intl stays the fallback for any name the file route cannot answer (no
 * tzdata installed, a name Intl accepts in other letter case, a malformed file), so every name Intl
 * knows still works and means what Intl says where no file says otherwise.
 */
import { loadTzif, UTC_NAMES } from './tz-files.ts';
import { tzifOffsetAt, type TzifZone } from './tzif.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

const UTC_ZONE: TzifZone = { times: new Float64Array(0), offsets: new Int32Array(0), firstOffset: 0, footer: undefined };

/** The zone from the tz database files, or undefined when Intl must answer. */
function fileZone(timeZone: string): TzifZone | undefined {
  return UTC_NAMES.has(timeZone) ? UTC_ZONE : loadTzif(timeZone);
}

/** Whether the zone is known (`Europe/Berlin`, `UTC`, …): its tz database file parses, or else Intl knows it. */
export function isTimeZone(timeZone: string): boolean {
  if (fileZone(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

type Parts = { y: number; m: number; d: number; h: number; min: number; s: number };

function intlParts(at: number, timeZone: string): Parts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { y: out.year!, m: out.month!, d: out.day!, h: out.hour! % 24, min: out.minute!, s: out.second! };
}

/** Local wall-clock fields of `at` (epoch ms) in the zone, to the second like Intl's. */
function parts(at: number, timeZone: string): Parts {
  const zone = fileZone(timeZone);
  if (!zone) return intlParts(at, timeZone);
  const local = new Date(at + tzifOffsetAt(zone, at / 1000) * 1000);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate(), h: local.getUTCHours(), min: local.getUTCMinutes(), s: local.getUTCSeconds() };
}

type PartsOf = (at: number, timeZone: string) => Parts;

function dateOf(p: Parts): string {
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (a calendar count, no zone involved). */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.round(Date.UTC(y!, m! - 1, d!) / 86_400_000);
}

/** The `YYYY-MM-DD` date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * 86_400_000).toISOString().slice(0, 10);
}

function startOfDayWith(partsOf: PartsOf, date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!);
  let guess = wall;
  // Two rounds settle the offset (the second corrects a guess taken on the other side of a DST change).
  for (let i = 0; i < 3; i++) {
    const p = partsOf(guess, timeZone);
    const offset = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - guess;
    guess = wall - offset;
  }
  return guess;
}

/** The local calendar date of `at` in the zone, `YYYY-MM-DD`. */
export function localDate(at: number, timeZone: string): string {
  return dateOf(parts(at, timeZone));
}

/** Epoch ms of local midnight starting `date` in the zone (DST-safe: the offset is read at that instant). */
export function startOfDay(date: string, timeZone: string): number {
  return startOfDayWith(parts, date, timeZone);
}

/** Epoch ms of the next local midnight after `at`. */
export function nextMidnight(at: number, timeZone: string): number {
  return startOfDay(addDays(localDate(at, timeZone), 1), timeZone);
}

/** The same functions over Intl alone (the fallback), for tests that compare the two sources. */
export const intlZoneTime = {
  parts: intlParts,
  localDate: (at: number, timeZone: string): string => dateOf(intlParts(at, timeZone)),
  startOfDay: (date: string, timeZone: string): number => startOfDayWith(intlParts, date, timeZone),
  nextMidnight: (at: number, timeZone: string): number => startOfDayWith(intlParts, addDays(dateOf(intlParts(at, timeZone)), 1), timeZone),
};

/** The wall-clock fields the module uses (tz database file first, Intl as fallback), for the same tests. */
export { parts as zoneParts };
