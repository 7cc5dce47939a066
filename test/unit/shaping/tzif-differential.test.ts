/**
 * Differential test: the offsets zone-time.ts reads from the system's TZif files (src/shaping/tzif.ts,
 * posix-tz.ts) against Intl (ICU), the source it replaces, over 1900–2100: every stored transition
 * ±1 s, every footer-rule transition 2030–2100 ±1 s (past 2037 only the footer speaks), and thousands
 * of spread instants per zone. Needs tzdata installed (.ci/run installs it when missing).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { loadTzif } from '../../../src/shaping/tz-files.ts';
import { tzifOffsetAt, type TzifZone } from '../../../src/shaping/tzif.ts';
import { intlZoneTime, localDate, nextMidnight, startOfDay, zoneParts } from '../../../src/shaping/zone-time.ts';

const ZONES = [
  'UTC', 'Etc/UTC', 'Europe/Berlin', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Moscow', 'Europe/Istanbul',
  'Europe/Kyiv', 'Europe/Minsk', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix',
  'America/Los_Angeles', 'America/Anchorage', 'America/Adak', 'America/St_Johns', 'America/Halifax', 'America/Havana',
  'America/Sao_Paulo', 'America/Santiago', 'America/Asuncion', 'America/Mexico_City', 'America/Godthab', 'America/Nuuk',
  'America/Scoresbysund', 'America/Caracas', 'Africa/Casablanca', 'Africa/Cairo', 'Africa/Johannesburg', 'Africa/Monrovia',
  'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Tehran', 'Asia/Jerusalem', 'Asia/Gaza', 'Asia/Shanghai', 'Asia/Tokyo',
  'Asia/Pyongyang', 'Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'Australia/Eucla', 'Pacific/Auckland',
  'Pacific/Chatham', 'Pacific/Apia', 'Pacific/Kiritimati', 'Pacific/Norfolk', 'Antarctica/Troll', 'Antarctica/Casey',
  'Etc/GMT+12', 'Etc/GMT-14',
];

/**
 * Where the system's tzdata release and Node's (ICU's) are known to disagree; the comparison skips these
 * windows only when the two releases differ (with equal releases every instant must match).
 */
const RELEASE_CHANGES: readonly { zone: string; from: string; to: string; why: string }[] = [
  { zone: 'Africa/Casablanca', from: '2026-01-01', to: '2100-01-01', why: "Morocco's predicted Ramadan DST, revised in 2026 releases" },
  { zone: 'Asia/Tehran', from: '1979-05-25', to: '1979-05-28', why: 'the start of Iranian DST 1979, a day earlier in 2026 releases' },
  { zone: 'Europe/Dublin', from: '1925-09-01', to: '1925-11-01', why: 'the end of Irish summer time 1925, corrected in a 2026 release' },
];

const FROM = Date.UTC(1900, 0, 1);
const TO = Date.UTC(2100, 0, 1);

function systemRelease(): string {
  try {
    return /# version (\S+)/.exec(readFileSync('/usr/share/zoneinfo/tzdata.zi', 'latin1').slice(0, 100))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
const releases = `system tzdata ${systemRelease()}, Node ${process.version} ICU tz ${process.versions.tz ?? '?'}`;
const sameRelease = systemRelease() === process.versions.tz;

function excused(zone: string, at: number): boolean {
  return !sameRelease && RELEASE_CHANGES.some((c) => c.zone === zone && at >= Date.parse(c.from) && at < Date.parse(c.to));
}

const fields = (p: { y: number; m: number; d: number; h: number; min: number; s: number }): string =>
  `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')} ${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}:${String(p.s).padStart(2, '0')}`;

/** Instants (ms) where the zone's offset changes, found from the footer rule by bisection, 2030–2100. */
function footerTransitions(zone: TzifZone): number[] {
  const out: number[] = [];
  const step = 86_400;
  let prev = tzifOffsetAt(zone, Date.UTC(2030, 0, 1) / 1000);
  for (let s = Date.UTC(2030, 0, 1) / 1000 + step; s < TO / 1000; s += step) {
    const now = tzifOffsetAt(zone, s);
    if (now === prev) continue;
    let lo = s - step;
    let hi = s;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (tzifOffsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    out.push(hi * 1000);
    prev = now;
  }
  return out;
}

/** A fixed pseudo-random spread of instants (same every run). */
function spread(count: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(FROM + Math.floor(((x >>> 0) / 2 ** 32) * (TO - FROM)));
  }
  return out;
}

for (const name of ZONES) {
  test(`tzif vs Intl: ${name} wall-clock fields agree at every transition ±1 s and 2,000 instants, 1900–2100`, (t) => {
    const zone = name === 'UTC' || name === 'Etc/UTC' ? undefined : loadTzif(name);
    if (name !== 'UTC' && name !== 'Etc/UTC') t.truthy(zone, `no readable TZif file for ${name} (is tzdata installed?)`);
    const instants = spread(2_000, name.length * 7919 + name.charCodeAt(0));
    if (zone) {
      for (const s of zone.times) {
        const ms = s * 1000;
        if (ms >= FROM && ms < TO) instants.push(ms - 1000, ms, ms + 1000);
      }
      for (const ms of footerTransitions(zone)) instants.push(ms - 1000, ms, ms + 1000);
      t.true(zone.footer === undefined || zone.times.length === 0 || zone.times[zone.times.length - 1]! < TO / 1000);
    }
    const wrong: string[] = [];
    for (const at of instants) {
      const intl = fields(intlZoneTime.parts(at, name));
      const file = fields(zoneParts(at, name));
      if (intl !== file && !excused(name, at)) wrong.push(`${new Date(at).toISOString()}: Intl ${intl}, file ${file}`);
    }
    t.true(instants.length >= 2_000);
    t.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${instants.length} instants differ (${releases})`);
  });
}

test('tzif vs Intl: localDate, startOfDay and nextMidnight agree around every transition since 1970 and on spread days', (t) => {
  let checked = 0;
  const wrong: string[] = [];
  for (const name of ZONES) {
    const zone = loadTzif(name);
    const around = zone ? [...zone.times].filter((s) => s * 1000 >= Date.UTC(1970, 0, 1) && s * 1000 < TO).map((s) => s * 1000) : [];
    if (zone) around.push(...footerTransitions(zone));
    const instants = [...around.flatMap((ms) => [ms - 86_400_000, ms - 1000, ms, ms + 1000]), ...spread(200, name.length)];
    for (const at of instants) {
      if (excused(name, at) || excused(name, at + 2 * 86_400_000)) continue;
      const date = localDate(at, name);
      checked++;
      const pairs: [string, unknown, unknown][] = [
        ['localDate', date, intlZoneTime.localDate(at, name)],
        ['startOfDay', startOfDay(date, name), intlZoneTime.startOfDay(date, name)],
        ['nextMidnight', nextMidnight(at, name), intlZoneTime.nextMidnight(at, name)],
      ];
      for (const [what, file, intl] of pairs) if (file !== intl) wrong.push(`${name} ${new Date(at).toISOString()} ${what}: file ${String(file)}, Intl ${String(intl)}`);
    }
  }
  t.true(checked > 10_000, `only ${checked} instants checked`);
  t.deepEqual(wrong.slice(0, 5), [], `${wrong.length} differ (${releases})`);
});

test('tzif: Europe/Berlin (the example zone) is read from its file, with the footer rule after 2037', (t) => {
  const zone = loadTzif('Europe/Berlin');
  t.truthy(zone);
  t.deepEqual(zone!.footer, {
    stdOffset: 3600,
    dst: { offset: 7200, start: { kind: 'M', day: 3, week: 5, weekday: 0, time: 7200 }, end: { kind: 'M', day: 10, week: 5, weekday: 0, time: 10800 } },
  });
  // 2090-03-26 01:00 UTC is the last Sunday of March at 02:00 CET: CEST from that second on.
  t.is(tzifOffsetAt(zone!, Date.UTC(2090, 2, 26, 1) / 1000 - 1), 3600);
  t.is(tzifOffsetAt(zone!, Date.UTC(2090, 2, 26, 1) / 1000), 7200);
  t.is(localDate(Date.UTC(2090, 2, 25, 23), 'Europe/Berlin'), '2090-03-26');
});
