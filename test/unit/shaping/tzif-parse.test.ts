/**
 * TZif and POSIX TZ parsing (RFC 8536) on hand-built and damaged files, and the file route's fallback
 * to Intl: a malformed, truncated or missing file never throws, and names that are not plain are never read.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parsePosixTz, posixOffsetAt } from '../../../src/shaping/posix-tz.ts';
import { isPlainZoneName, loadTzif } from '../../../src/shaping/tz-files.ts';
import { parseTzif, TzifError, tzifOffsetAt } from '../../../src/shaping/tzif.ts';
import { intlZoneTime, isTimeZone, localDate, startOfDay } from '../../../src/shaping/zone-time.ts';

const at = (iso: string): number => Date.parse(iso) / 1000;

/** A TZif file (RFC 8536 §3): v1 block with 32-bit times, then for v2+ the 64-bit block and the footer. */
function tzif(o: { version: 1 | 2 | 3 | 4; times: number[]; idx: number[]; types: [number, number][]; footer?: string; leaps?: number }): Uint8Array {
  const leaps = o.leaps ?? 0;
  const parts: number[] = [];
  const u32 = (v: number): void => void parts.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  const i64 = (v: number): void => {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigInt64(0, BigInt(v));
    for (let i = 0; i < 8; i++) parts.push(b.getUint8(i));
  };
  const block = (timeSize: 4 | 8): void => {
    parts.push(0x54, 0x5a, 0x69, 0x66, o.version === 1 ? 0 : 0x30 + o.version, ...new Array<number>(15).fill(0));
    for (const c of [0, 0, leaps, o.times.length, o.types.length, 4]) u32(c);
    for (const t of o.times) (timeSize === 8 ? i64 : u32)(t);
    parts.push(...o.idx);
    for (const [off, dst] of o.types) {
      u32(off);
      parts.push(dst, 0);
    }
    parts.push(0x41, 0x42, 0x43, 0);
    for (let i = 0; i < leaps; i++) {
      (timeSize === 8 ? i64 : u32)(78796800 + i);
      u32(i + 1);
    }
  };
  block(4);
  if (o.version >= 2) {
    block(8);
    parts.push(0x0a, ...Buffer.from(o.footer ?? ''), 0x0a);
  }
  return Uint8Array.from(parts);
}

test('posix TZ: the footer grammar of RFC 8536 §3.3 (names, offsets, Jn, n, Mm.w.d, /time)', (t) => {
  t.deepEqual(parsePosixTz('CET-1CEST,M3.5.0,M10.5.0/3'), {
    stdOffset: 3600,
    dst: { offset: 7200, start: { kind: 'M', day: 3, week: 5, weekday: 0, time: 7200 }, end: { kind: 'M', day: 10, week: 5, weekday: 0, time: 10800 } },
  });
  t.deepEqual(parsePosixTz('<+0545>-5:45'), { stdOffset: 20700 });
  t.deepEqual(parsePosixTz('<-03>3<-02>,M3.5.0/-2,M10.5.0/-1')?.dst?.start.time, -7200);
  t.deepEqual(parsePosixTz('XXX3YYY,J60/167,59')?.dst, { offset: -7200, start: { kind: 'J', day: 60, week: 0, weekday: 0, time: 167 * 3600 }, end: { kind: 'n', day: 59, week: 0, weekday: 0, time: 7200 } });
  t.is(parsePosixTz('<+1030>-10:30<+11>-11,M10.1.0,M4.1.0')?.dst?.offset, 39600);
  for (const bad of ['', 'CE-1', 'CET', 'CET-25', 'CET-1CEST', 'CET-1CEST,M3.5.0', 'CET-1CEST,M13.1.0,M10.5.0', 'CET-1CEST,M3.6.0,M10.5.0', 'CET-1CEST,M3.5.7,M10.5.0',
    'CET-1CEST,M3.5.0/168,M10.5.0', 'CET-1CEST,J0,J365', 'CET-1CEST,366,1', 'CET-1:60', '<AB>-1', '<+01-1', 'CET-1CEST,M3.5.0,M10.5.0 ']) {
    t.is(parsePosixTz(bad), undefined, bad);
  }
});

test('posix TZ: offsets at rule transitions, northern, southern, negative DST, negative times, all-year DST, Jn and n days', (t) => {
  const berlin = parsePosixTz('CET-1CEST,M3.5.0,M10.5.0/3')!;
  t.is(posixOffsetAt(berlin, at('2099-03-29T01:00:00Z') - 1), 3600);
  t.is(posixOffsetAt(berlin, at('2099-03-29T01:00:00Z')), 7200);
  t.is(posixOffsetAt(berlin, at('2099-10-25T01:00:00Z') - 1), 7200);
  t.is(posixOffsetAt(berlin, at('2099-10-25T01:00:00Z')), 3600);
  const sydney = parsePosixTz('AEST-10AEDT,M10.1.0,M4.1.0/3')!;
  t.is(posixOffsetAt(sydney, at('2090-01-01T00:00:00Z')), 39600);
  t.is(posixOffsetAt(sydney, at('2090-06-01T00:00:00Z')), 36000);
  // Europe/Dublin: IST is standard time (+1) and GMT the "daylight" time of winter, one hour behind.
  const dublin = parsePosixTz('IST-1GMT0,M10.5.0,M3.5.0/1')!;
  t.is(posixOffsetAt(dublin, at('2090-07-01T00:00:00Z')), 3600);
  t.is(posixOffsetAt(dublin, at('2090-12-01T00:00:00Z')), 0);
  // America/Nuuk: -02/-01 with transitions at -1:00 and 0:00 local (the last Saturday's 23:00 and the last Sunday's 00:00).
  const nuuk = parsePosixTz('<-02>2<-01>,M3.5.0/-1,M10.5.0/0')!;
  t.is(posixOffsetAt(nuuk, at('2090-03-26T01:00:00Z') - 1), -7200);
  t.is(posixOffsetAt(nuuk, at('2090-03-26T01:00:00Z')), -3600);
  t.is(posixOffsetAt(nuuk, at('2090-10-29T01:00:00Z') - 1), -3600);
  t.is(posixOffsetAt(nuuk, at('2090-10-29T01:00:00Z')), -7200);
  // RFC 8536 §3.3.1's example of DST all year.
  const allYear = parsePosixTz('EST5EDT,0/0,J365/25')!;
  for (const iso of ['2090-01-01T05:00:00Z', '2090-01-01T04:59:59Z', '2090-07-01T00:00:00Z', '2092-12-31T23:00:00Z']) t.is(posixOffsetAt(allYear, at(iso)), -14400, iso);
  // J60 is March 1 in every year; n 59 is February 29 in leap years, March 1 otherwise.
  const julian = parsePosixTz('XXX0YYY,J60/0,J300/0')!;
  t.is(posixOffsetAt(julian, at('2092-03-01T00:00:00Z')), 3600);
  t.is(posixOffsetAt(julian, at('2092-02-29T23:59:59Z')), 0);
  const zeroBased = parsePosixTz('XXX0YYY,59/0,300/0')!;
  t.is(posixOffsetAt(zeroBased, at('2092-02-29T00:00:00Z')), 3600);
  t.is(posixOffsetAt(zeroBased, at('2091-02-28T23:59:59Z')), 0);
  t.is(posixOffsetAt(zeroBased, at('2091-03-01T00:00:00Z')), 3600);
  // A start time past 24 h (v3): day 60 + 48 h.
  const late = parsePosixTz('XXX0YYY,J60/48,J300/0')!;
  t.is(posixOffsetAt(late, at('2091-03-03T00:00:00Z') - 1), 0);
  t.is(posixOffsetAt(late, at('2091-03-03T00:00:00Z')), 3600);
});

test('tzif: versions 1–4, type 0 before the first transition, the footer after the last, leap seconds refused', (t) => {
  const types: [number, number][] = [[3208, 0], [3600, 0], [7200, 1]];
  const base = { times: [at('1950-01-01T00:00:00Z'), at('2000-03-26T01:00:00Z')], idx: [1, 2], types };
  const v1 = parseTzif(tzif({ version: 1, ...base }));
  t.is(v1.footer, undefined);
  t.is(tzifOffsetAt(v1, at('1949-12-31T23:59:59Z')), 3208);
  t.is(tzifOffsetAt(v1, at('1950-01-01T00:00:00Z')), 3600);
  t.is(tzifOffsetAt(v1, at('2000-03-26T01:00:00Z')), 7200);
  t.is(tzifOffsetAt(v1, at('2090-12-01T00:00:00Z')), 7200, 'v1: the last type goes on');
  for (const version of [2, 3, 4] as const) {
    const z = parseTzif(tzif({ version, ...base, footer: 'CET-1CEST,M3.5.0,M10.5.0/3' }));
    t.is(tzifOffsetAt(z, at('2000-03-26T00:59:59Z')), 3600);
    t.is(tzifOffsetAt(z, at('2090-12-01T00:00:00Z')), 3600, `v${version}: the footer after the last transition`);
    t.is(tzifOffsetAt(z, at('2090-07-01T00:00:00Z')), 7200);
  }
  t.is(tzifOffsetAt(parseTzif(tzif({ version: 2, ...base, footer: '' })), at('2090-12-01T00:00:00Z')), 7200, 'empty footer: the last type goes on');
  t.is(tzifOffsetAt(parseTzif(tzif({ version: 2, times: [], idx: [], types: [[-3600, 0]], footer: '<-01>1' })), 0), -3600);
  t.throws(() => parseTzif(tzif({ version: 2, ...base, footer: 'CET-1', leaps: 2 })), { instanceOf: TzifError, message: /leap/ });
});

test('tzif: damaged files are refused with TzifError (truncated anywhere, wrong magic or version, bad footer, bad indices)', (t) => {
  const good = readFileSync('/usr/share/zoneinfo/Europe/Berlin');
  t.truthy(parseTzif(good).footer);
  for (let n = 0; n < good.length; n += 37) t.throws(() => parseTzif(good.subarray(0, n)), { instanceOf: TzifError }, `truncated at ${n}`);
  t.throws(() => parseTzif(good.subarray(0, good.length - 1)), { instanceOf: TzifError }, 'footer without its closing newline');
  const magic = Uint8Array.from(good);
  magic[0] = 0x58;
  t.throws(() => parseTzif(magic), { instanceOf: TzifError, message: /magic/ });
  const version = Uint8Array.from(good);
  version[4] = 0x39;
  t.throws(() => parseTzif(version), { instanceOf: TzifError, message: /version/ });
  const footer = Buffer.concat([good.subarray(0, good.lastIndexOf(0x0a, good.length - 2) + 1), Buffer.from('CET-1CEST,bogus\n')]);
  t.throws(() => parseTzif(footer), { instanceOf: TzifError, message: /footer/ });
  const base = { times: [0, 100], idx: [0, 1], types: [[0, 0], [3600, 1]] as [number, number][], footer: 'XXX0' };
  t.throws(() => parseTzif(tzif({ ...base, version: 2, idx: [0, 2] })), { instanceOf: TzifError, message: /index/ });
  t.throws(() => parseTzif(tzif({ ...base, version: 2, times: [100, 100] })), { instanceOf: TzifError, message: /ascending/ });
  t.throws(() => parseTzif(tzif({ ...base, version: 2, types: [[0, 0], [100_000, 1]] })), { instanceOf: TzifError, message: /range/ });
});

test('tz files: only plain names are looked up', (t) => {
  for (const ok of ['Europe/Berlin', 'Etc/GMT+5', 'America/Port-au-Prince', 'America/Argentina/Buenos_Aires', 'EST5EDT']) t.true(isPlainZoneName(ok), ok);
  for (const bad of ['..', '../etc/passwd', 'Europe/../../etc/passwd', '/etc/passwd', 'Europe/Berlin/', 'Europe//Berlin', 'Europe/Ber lin', 'Europe/Berlin.bak',
    'posix/Europe/Berlin', 'right/Europe/Berlin', 'localtime', 'posixrules', 'Factory', '', 'Europe/Berlin\0']) t.false(isPlainZoneName(bad), JSON.stringify(bad));
});

test('tz files: a missing, damaged or outside file falls back to Intl without throwing; a good one in $TZDIR is read', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'mxlb-tzdir-'));
  const dir = join(root, 'zoneinfo');
  const previous = process.env.TZDIR;
  try {
    const berlin = readFileSync('/usr/share/zoneinfo/Europe/Berlin');
    mkdirSync(join(dir, 'Europe'), { recursive: true });
    mkdirSync(join(dir, 'Test'), { recursive: true });
    writeFileSync(join(dir, 'Europe/Berlin'), berlin.subarray(0, 600)); // truncated
    writeFileSync(join(dir, 'Europe/Paris'), Buffer.concat([Buffer.from('XZif'), berlin.subarray(4)])); // wrong magic
    writeFileSync(join(dir, 'Europe/Rome'), Buffer.concat([berlin.subarray(0, berlin.lastIndexOf(0x0a, berlin.length - 2) + 1), Buffer.from('nonsense\n')])); // bad footer
    writeFileSync(join(dir, 'Europe/Madrid'), '');
    copyFileSync('/usr/share/zoneinfo/Asia/Kathmandu', join(dir, 'Test/Kathmandu'));
    // A valid zone just outside $TZDIR: reachable only through "..".
    copyFileSync('/usr/share/zoneinfo/Asia/Kathmandu', join(root, 'Outside'));
    process.env.TZDIR = dir;
    for (const name of ['Europe/Berlin', 'Europe/Paris', 'Europe/Rome', 'Europe/Madrid', 'Europe/Vienna', 'Europe']) {
      t.is(loadTzif(name), undefined, name);
      t.true(isTimeZone(name) === (name !== 'Europe'), name);
      const noon = Date.UTC(2026, 2, 29, 12);
      t.is(localDate(noon, name === 'Europe' ? 'UTC' : name), intlZoneTime.localDate(noon, name === 'Europe' ? 'UTC' : name));
      if (name !== 'Europe') t.is(startOfDay('2026-03-29', name), intlZoneTime.startOfDay('2026-03-29', name), name);
    }
    t.truthy(loadTzif('Test/Kathmandu'));
    t.true(isTimeZone('Test/Kathmandu'), 'a name Intl does not know, answered by its file');
    t.is(localDate(Date.UTC(2026, 0, 1, 18, 15), 'Test/Kathmandu'), '2026-01-02');
    t.is(loadTzif('../Outside'), undefined);
    t.false(isTimeZone('../Outside'));
    t.false(isTimeZone('Test/Nowhere'));
  } finally {
    if (previous === undefined) delete process.env.TZDIR;
    else process.env.TZDIR = previous;
    rmSync(root, { recursive: true, force: true });
  }
});

test('tz files: UTC names need no file and Intl-accepted spellings without a file still work', (t) => {
  const previous = process.env.TZDIR;
  process.env.TZDIR = '/nonexistent-tzdir';
  try {
    for (const name of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Zulu']) {
      t.true(isTimeZone(name), name);
      t.is(startOfDay('2026-06-01', name), Date.UTC(2026, 5, 1), name);
    }
    // No file here at all: every answer comes from Intl, as before the file route existed.
    t.true(isTimeZone('europe/berlin'));
    t.is(startOfDay('2026-06-01', 'europe/berlin'), Date.UTC(2026, 4, 31, 22));
    t.false(isTimeZone('Mars/Olympus_Mons'));
  } finally {
    if (previous === undefined) delete process.env.TZDIR;
    else process.env.TZDIR = previous;
  }
});

test('zone time: a zone with a tz database file never constructs an Intl.DateTimeFormat (the ICU pages it would cost are the point)', (t) => {
  const Original = Intl.DateTimeFormat;
  let built = 0;
  Intl.DateTimeFormat = new Proxy(Original, {
    construct(target, args: [string?, Intl.DateTimeFormatOptions?]) {
      built++;
      return new target(...args);
    },
  });
  try {
    const zone = 'America/Nuuk';
    t.true(isTimeZone(zone));
    const date = localDate(Date.UTC(2031, 2, 29, 12), zone);
    t.is(date, '2031-03-29');
    t.is(startOfDay(date, zone), Date.UTC(2031, 2, 29, 2));
    t.is(built, 0);
    // The spy works: a spelling without a file goes to Intl.
    t.true(isTimeZone('america/nuuk'));
    t.true(built > 0);
  } finally {
    Intl.DateTimeFormat = Original;
  }
});
