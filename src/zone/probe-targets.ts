/**
 * Which members of the served zones to probe and how (pure): every member of every pool of every
 * balanced zone, once, with its pool's probe settings (the scheduler's input).
 * A pool is defined by one zone only (the loader enforces it), so member ids never collide.
 */
import { probeTarget, type ScheduledTarget } from '../probe/index.ts';
import type { ZoneSet } from './model.ts';

export function probeTargets(zones: ZoneSet, defaultEhloName: string): ScheduledTarget[] {
  const targets: ScheduledTarget[] = [];
  const seen = new Set<string>();
  for (const zone of zones.zones.values()) {
    for (const pool of zone.balancing?.pools.values() ?? []) {
      const settings = pool.probe;
      // One timeouts object and one scheduling-settings object per pool, shared by its members'
      // targets (read only): at 10,000 members a copy each cost ~1.7 MB of heap.
      const timeouts = Object.freeze({ ...settings.timeouts });
      const scheduling = Object.freeze({ rise: settings.rise, fall: settings.fall, intervalMs: settings.intervalMs, recheckMs: settings.recheckMs, jitter: settings.jitter });
      for (const member of pool.members) {
        if (seen.has(member.id)) continue;
        seen.add(member.id);
        const target = probeTarget(member, settings, timeouts);
        // The model's default EHLO name is a placeholder; a real host name is kinder to MTAs that check it.
        if (settings.ehloName === 'mxlb-probe.invalid') target.ehloName = defaultEhloName;
        targets.push({ memberId: member.id, target, settings: scheduling });
      }
    }
  }
  return targets;
}
