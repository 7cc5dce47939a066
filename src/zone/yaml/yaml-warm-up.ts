import type { Node } from 'yaml';
import { isTimeZone, WARM_UP_PRESETS, type WarmUpDay, type WarmUpPlan, type WarmUpSchedule } from '../../shaping/index.ts';
import { PROVIDER_GROUPS, type ProviderGroup } from '../../signals/index.ts';
import { entries, fields, int, isNull, items, str, suggest, type Entry, type YamlSource } from './yaml-nodes.ts';
import { isMap, isScalar } from 'yaml';

/**
 * Warm-up schedules (docs/shaping.md, docs/zone-format.md): the zone's `warm-up-schedules:` map
 * (name → `time-zone`, and `days:` — a daily cap per day, a number or `{cap, gmail, microsoft,
 * yahoo, other}` — or `percent:` — a weight-percent curve), and a member's `warm-up:` opt-in
 * (`{schedule, start, time-zone, full-volume}`). Schedule names are the zone's own, then the
 * presets (`ses`, `sendgrid`, `sparkpost`, `linear-30`).
 */
export const SCHEDULE_KEYS = ['time-zone', 'days', 'percent'] as const;
export const WARM_UP_KEYS = ['schedule', 'start', 'time-zone', 'full-volume'] as const;
const DAY_KEYS = ['cap', ...PROVIDER_GROUPS] as const;
const MAX_CAP = 1_000_000_000;

export function readSchedules(src: YamlSource, node: Node | null): Map<string, WarmUpSchedule> {
  const schedules = new Map<string, WarmUpSchedule>();
  for (const entry of entries(src, node, 'warm-up-schedules')) {
    const what = `warm-up schedule ${entry.key}`;
    const f = fields(src, entry.value, what, SCHEDULE_KEYS);
    const timeZone = f.has('time-zone') ? zone(src, f.get('time-zone')!, `${what} time-zone`) : 'UTC';
    const daysEntry = f.get('days');
    const percentEntry = f.get('percent');
    if (!daysEntry === !percentEntry) src.fail(entry.at, `${what} needs either days (daily caps) or percent (a weight curve), not ${daysEntry ? 'both' : 'neither'}`);
    const days = daysEntry ? readDays(src, daysEntry, what) : readPercent(src, percentEntry!, what);
    if (days.length === 0) src.fail(entry.at, `${what} has no days`);
    schedules.set(entry.key, { name: entry.key, timeZone, days });
  }
  return schedules;
}

function readDays(src: YamlSource, entry: Entry, what: string): WarmUpDay[] {
  return items(src, entry, `${what} days`).map((node, i) => {
    const where = `${what} day ${i + 1}`;
    const item: Entry = { key: String(i), keyNode: node as never, value: node, at: node };
    if (isScalar(node)) return { cap: int(src, item, where, 1, MAX_CAP) };
    if (!isMap(node)) src.fail(node, `${where} must be a number (daily cap) or a map of cap and provider caps`);
    const f = fields(src, node, where, DAY_KEYS);
    const day: WarmUpDay = {};
    if (f.has('cap')) day.cap = int(src, f.get('cap')!, `${where} cap`, 1, MAX_CAP);
    for (const group of PROVIDER_GROUPS) {
      const e = f.get(group);
      if (e) (day.providers ??= {})[group as ProviderGroup] = int(src, e, `${where} ${group}`, 0, MAX_CAP);
    }
    if (day.cap === undefined && !day.providers) src.fail(node, `${where} needs a cap or provider caps`);
    // A provider cap above the day's total could never be reached: the total stops the member first.
    for (const [group, n] of Object.entries(day.providers ?? {})) {
      if (day.cap !== undefined && n > day.cap) src.fail(f.get(group)!.at, `${where} ${group} cap ${n} is above the day's cap ${day.cap}: the total stops the member first (lower it, or raise cap)`);
    }
    return day;
  });
}

function readPercent(src: YamlSource, entry: Entry, what: string): WarmUpDay[] {
  return items(src, entry, `${what} percent`).map((node, i) => {
    const item: Entry = { key: String(i), keyNode: node as never, value: node, at: node };
    return { percent: int(src, item, `${what} percent day ${i + 1}`, 0, 100) };
  });
}

function zone(src: YamlSource, entry: Entry, what: string): string {
  const text = str(src, entry, what).trim();
  if (!isTimeZone(text)) src.fail(entry.at, `${what} "${text}" is not a time zone this system knows (write an IANA name such as Europe/Berlin or UTC)`);
  return text;
}

export function readWarmUp(src: YamlSource, entry: Entry, schedules: ReadonlyMap<string, WarmUpSchedule>, what: string): WarmUpPlan | undefined {
  if (isNull(entry.value)) return undefined;
  const f = fields(src, entry.value, what, WARM_UP_KEYS);
  const scheduleEntry = f.get('schedule');
  const startEntry = f.get('start');
  if (!scheduleEntry || !startEntry) src.fail(entry.at, `${what} needs a schedule and a start date (YYYY-MM-DD)`);
  const name = str(src, scheduleEntry, `${what} schedule`).trim();
  const found = schedules.get(name) ?? WARM_UP_PRESETS.get(name);
  if (!found) {
    const known = [...schedules.keys(), ...WARM_UP_PRESETS.keys()];
    const hint = suggest(name, known);
    src.fail(scheduleEntry.at, `${what} schedule "${name}" is not defined${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ')}`);
  }
  const start = str(src, startEntry, `${what} start`).trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) src.fail(startEntry.at, `${what} start "${start}" must be a date YYYY-MM-DD (day 1 of the warm-up)`);
  const schedule = f.has('time-zone') ? { ...found, timeZone: zone(src, f.get('time-zone')!, `${what} time-zone`) } : found;
  const plan: WarmUpPlan = { schedule, start };
  if (f.has('full-volume')) plan.fullVolume = int(src, f.get('full-volume')!, `${what} full-volume`, 1, MAX_CAP);
  return plan;
}
