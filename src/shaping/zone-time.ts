/**
 * Calendar days in an IANA time zone (pure; Intl does the zone rules, so DST is handled by the
 * platform's tz database). A warm-up day starts at local midnight: on a DST change day it is 23 or
 * 25 hours long, and nothing here assumes 24.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (`Europe/Berlin`, `UTC`, …). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function parts(at: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { y: out.year!, m: out.month!, d: out.day!, h: out.hour! % 24, min: out.minute!, s: out.second! };
}

/** The local calendar date of `at` in the zone, `YYYY-MM-DD`. */
export function localDate(at: number, timeZone: string): string {
  const p = parts(at, timeZone);
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

/** Epoch ms of local midnight starting `date` in the zone (DST-safe: the offset is read at that instant). */
export function startOfDay(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!);
  let guess = wall;
  // Two rounds settle the offset (the second corrects a guess taken on the other side of a DST change).
  for (let i = 0; i < 3; i++) {
    const p = parts(guess, timeZone);
    const offset = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - guess;
    guess = wall - offset;
  }
  return guess;
}

/** Epoch ms of the next local midnight after `at`. */
export function nextMidnight(at: number, timeZone: string): number {
  return startOfDay(addDays(localDate(at, timeZone), 1), timeZone);
}
