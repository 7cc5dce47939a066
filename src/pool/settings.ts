/**
 * Probe settings resolution (pure): defaults ← zone settings ← pool overrides, and the ProbeTarget a
 * member is checked with. The YAML parser validates values; this only merges.
 */
import type { ProbeTarget, ProbeTimeouts } from '../probe/types.ts';
import { DEFAULT_PROBE_SETTINGS, type Member, type ProbeSettings } from './model.ts';

/** Settings as written in a zone or pool: any subset, timeouts per phase. */
export type ProbeSettingsOverride = Partial<Omit<ProbeSettings, 'timeouts'>> & {
  timeouts?: Partial<ProbeTimeouts>;
};

/** Later layers win field by field; `undefined` fields do not erase earlier ones. */
export function mergeProbeSettings(...layers: ProbeSettingsOverride[]): ProbeSettings {
  const merged: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, timeouts: { ...DEFAULT_PROBE_SETTINGS.timeouts } };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined || key === 'timeouts') continue;
      (merged as unknown as Record<string, unknown>)[key] = value;
    }
    for (const [key, value] of Object.entries(layer.timeouts ?? {})) {
      if (value !== undefined) (merged.timeouts as unknown as Record<string, number>)[key] = value;
    }
  }
  return merged;
}

/** What the SMTP check needs to probe `member` with `settings`. */
export function probeTarget(member: Member, settings: ProbeSettings): ProbeTarget {
  const target: ProbeTarget = {
    address: member.address,
    port: member.port,
    ehloName: settings.ehloName,
    starttls: settings.starttls,
    timeouts: { ...settings.timeouts },
  };
  if (settings.bannerPattern) target.bannerPattern = settings.bannerPattern;
  if (settings.minCertDays !== undefined) target.minCertDays = settings.minCertDays;
  if (settings.tlsVerify && settings.starttls !== 'off') target.tlsServername = member.host;
  return target;
}
