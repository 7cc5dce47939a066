/**
 * POSIX TZ strings as found in the footer of a TZif file (RFC 8536 §3.3), e.g. `CET-1CEST,M3.5.0,M10.5.0/3`:
 * the rule a zone follows after its last stored transition (pure).
 *
 * Grammar (POSIX.1-2017 §8.3 with the extension of RFC 8536 §3.3.1): `std offset [dst [offset] [,start[/time],end[/time]]]`.
 * Names are 3+ letters or `<...>` quoted (letters, digits, `+`, `-`). Offsets are hours west of UTC,
 * `[+-]hh[:mm[:ss]]`, so `CET-1` is UTC+1; the DST offset defaults to one hour ahead of standard.
 * A rule date is `Jn` (1–365, February 29 never counted), `n` (0–365, counted) or `Mm.w.d` (weekday d
 * of week w of month m, w = 5 the last); its time defaults to 02:00 and, per RFC 8536 §3.3.1, may be
 * negative or up to 167 hours. Start times are local standard time, end times local daylight time.
 */
export interface PosixRule {
  readonly kind: 'J' | 'n' | 'M';
  /** J: 1–365; n: 0–365; M: the month, 1–12. */
  readonly day: number;
  /** M only: week 1–5 and weekday 0 (Sunday)–6. */
  readonly week: number;
  readonly weekday: number;
  /** Seconds after local midnight of the rule's day (may be negative or past 24 h). */
  readonly time: number;
}

export interface PosixTz {
  /** Standard time's offset east of UTC in seconds (the sign of the string reversed). */
  readonly stdOffset: number;
  /** Daylight time, when the zone has any. */
  readonly dst?: { readonly offset: number; readonly start: PosixRule; readonly end: PosixRule };
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  number(maxDigits: number): number | undefined {
    const start = this.pos;
    while (this.pos - start < maxDigits && /[0-9]/.test(this.peek())) this.pos++;
    return this.pos === start ? undefined : Number(this.text.slice(start, this.pos));
  }
}

function name(c: Cursor): boolean {
  const start = c.pos;
  if (c.eat('<')) {
    while (/[A-Za-z0-9+-]/.test(c.peek())) c.pos++;
    return c.pos - start - 1 >= 3 && c.eat('>');
  }
  while (/[A-Za-z]/.test(c.peek())) c.pos++;
  return c.pos - start >= 3;
}

/** `[+-]hh[:mm[:ss]]` in seconds, hours at most `maxHours`; undefined when malformed. */
function hms(c: Cursor, maxHours: number): number | undefined {
  const sign = c.eat('-') ? -1 : (c.eat('+'), 1);
  const h = c.number(3);
  if (h === undefined || h > maxHours) return undefined;
  let total = h * 3600;
  for (const unit of [60, 1]) {
    if (!c.eat(':')) break;
    const v = c.number(2);
    if (v === undefined || v > 59) return undefined;
    total += v * unit;
  }
  return sign * total;
}

function rule(c: Cursor): PosixRule | undefined {
  let r: Omit<PosixRule, 'time'>;
  if (c.eat('J')) {
    const day = c.number(3);
    if (day === undefined || day < 1 || day > 365) return undefined;
    r = { kind: 'J', day, week: 0, weekday: 0 };
  } else if (c.eat('M')) {
    const month = c.number(2);
    const week = c.eat('.') ? c.number(1) : undefined;
    const weekday = c.eat('.') ? c.number(1) : undefined;
    if (month === undefined || month < 1 || month > 12 || week === undefined || week < 1 || week > 5 || weekday === undefined || weekday > 6) return undefined;
    r = { kind: 'M', day: month, week, weekday };
  } else {
    const day = c.number(3);
    if (day === undefined || day > 365) return undefined;
    r = { kind: 'n', day, week: 0, weekday: 0 };
  }
  let time = 7200;
  if (c.eat('/')) {
    const t = hms(c, 167);
    if (t === undefined) return undefined;
    time = t;
  }
  return { ...r, time };
}

/** Parses a footer TZ string; undefined when it does not follow the grammar above (the caller falls back). */
export function parsePosixTz(text: string): PosixTz | undefined {
  const c = new Cursor(text);
  if (!name(c)) return undefined;
  const std = hms(c, 24);
  if (std === undefined) return undefined;
  const stdOffset = -std || 0; // east positive, and never -0
  if (c.pos === text.length) return { stdOffset };
  if (!name(c)) return undefined;
  let offset = stdOffset + 3600;
  if (c.peek() !== ',') {
    const o = hms(c, 24);
    if (o === undefined) return undefined;
    offset = -o || 0;
  }
  // Without rules POSIX leaves the dates to the implementation; zic always writes them.
  if (!c.eat(',')) return undefined;
  const start = rule(c);
  if (!start || !c.eat(',')) return undefined;
  const end = rule(c);
  if (!end || c.pos !== text.length) return undefined;
  return { stdOffset, dst: { offset, start, end } };
}

const DAY = 86_400;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Seconds since the epoch of local midnight (as if at UTC) starting the rule's day in year `y`. */
function ruleDay(r: PosixRule, y: number): number {
  const jan1 = Date.UTC(y, 0, 1) / 1000;
  if (r.kind === 'J') return jan1 + (r.day - 1 + (isLeap(y) && r.day >= 60 ? 1 : 0)) * DAY;
  if (r.kind === 'n') return jan1 + r.day * DAY;
  const first = Date.UTC(y, r.day - 1, 1) / 1000;
  const firstWeekday = new Date(first * 1000).getUTCDay();
  let day = 1 + ((r.weekday - firstWeekday + 7) % 7) + (r.week - 1) * 7;
  const monthDays = new Date(Date.UTC(y, r.day, 0)).getUTCDate();
  while (day > monthDays) day -= 7;
  return first + (day - 1) * DAY;
}

/**
 * The UTC offset in seconds at `at` (seconds since the epoch). The year's transitions are placed as
 * instants (start in standard time, end in daylight time) for the year before, the year of `at` and the
 * year after, so times past 24 h or below 0 cross year ends correctly; at a tie the start wins, which
 * is RFC 8536 §3.3.1's all-year DST (`EST5EDT,0/0,J365/25`).
 */
export function posixOffsetAt(tz: PosixTz, at: number): number {
  const dst = tz.dst;
  if (!dst) return tz.stdOffset;
  const year = new Date(at * 1000).getUTCFullYear();
  let lastAt = -Infinity;
  let lastDst = false;
  for (let y = year - 1; y <= year + 1; y++) {
    const end = ruleDay(dst.end, y) + dst.end.time - dst.offset;
    const start = ruleDay(dst.start, y) + dst.start.time - tz.stdOffset;
    if (end <= at && end >= lastAt && !(end === lastAt && lastDst)) {
      lastAt = end;
      lastDst = false;
    }
    if (start <= at && start >= lastAt) {
      lastAt = start;
      lastDst = true;
    }
  }
  return lastDst ? dst.offset : tz.stdOffset;
}
