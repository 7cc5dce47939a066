import { isScalar, type Node } from 'yaml';
import type { ProbeSettingsOverride, ProbeTimeouts, StartTlsMode } from '../../probe/index.ts';
import { bool, duration, entries, fields, int, oneOf, str, type Entry, type YamlSource } from './yaml-nodes.ts';

/**
 * The `probe:` section of a YAML zone (zone defaults) and of a pool (overrides), as a
 * ProbeSettingsOverride: only the keys written, so `mergeProbeSettings` layers
 * defaults ← zone ← pool. Bounds keep a typo from turning into a probe storm (interval ≥ 100 ms)
 * or a probe that never concludes (timeouts ≤ 2 min).
 */
export const PROBE_KEYS = ['interval', 'recheck', 'jitter', 'rise', 'fall', 'timeouts', 'ehlo', 'starttls', 'tls-verify', 'banner', 'min-cert-days'] as const;

export const TIMEOUT_KEYS: ReadonlyArray<readonly [string, keyof ProbeTimeouts]> = [
  ['connect', 'connectMs'],
  ['banner', 'bannerMs'],
  ['ehlo', 'ehloMs'],
  ['tls', 'tlsMs'],
  ['quit', 'quitMs'],
];

const STARTTLS: readonly StartTlsMode[] = ['off', 'try', 'require'];

export function readProbe(src: YamlSource, node: Node | null, where: string): ProbeSettingsOverride {
  const what = (key: string) => `${where} ${key}`;
  const out: ProbeSettingsOverride = {};
  for (const [key, entry] of fields(src, node, where, PROBE_KEYS)) {
    switch (key) {
      case 'interval':
        out.intervalMs = duration(src, entry, what(key), 100, 3_600_000);
        break;
      case 'recheck':
        out.recheckMs = duration(src, entry, what(key), 10, 3_600_000);
        break;
      case 'jitter':
        out.jitter = jitter(src, entry, what(key));
        break;
      case 'rise':
        out.rise = int(src, entry, what(key), 1, 100);
        break;
      case 'fall':
        out.fall = int(src, entry, what(key), 1, 100);
        break;
      case 'timeouts': {
        const names = TIMEOUT_KEYS.map(([name]) => name);
        const timeouts: Partial<ProbeTimeouts> = {};
        for (const t of entries(src, entry.value, what('timeouts'), names)) {
          const field = TIMEOUT_KEYS.find(([name]) => name === t.key)![1];
          timeouts[field] = duration(src, t, `${what('timeouts')} ${t.key}`, 10, 120_000);
        }
        out.timeouts = timeouts;
        break;
      }
      case 'ehlo': {
        const name = str(src, entry, what(key));
        // RFC 5321 §4.1.1.1: a domain or an address literal; never blanks or controls (command injection).
        if (!/^[\x21-\x7e]{1,255}$/.test(name)) src.fail(entry.at, `${what(key)} ${JSON.stringify(name)} must be a host name or [address] without blanks`);
        out.ehloName = name;
        break;
      }
      case 'starttls':
        out.starttls = oneOf(src, entry, what(key), STARTTLS);
        break;
      case 'tls-verify':
        out.tlsVerify = bool(src, entry, what(key));
        break;
      case 'banner': {
        const pattern = str(src, entry, what(key));
        try {
          out.bannerPattern = new RegExp(pattern);
        } catch (error) {
          src.fail(entry.at, `bad regular expression for ${what(key)}: ${(error as Error).message}`);
        }
        break;
      }
      case 'min-cert-days':
        out.minCertDays = int(src, entry, what(key), 0, 3650);
        break;
    }
  }
  return out;
}

/** A fraction (0.1) or a percentage ("10%") of the interval, 0–50 %. */
function jitter(src: YamlSource, entry: Entry, what: string): number {
  const raw = isScalar(entry.value) ? entry.value.value : null;
  const percent = typeof raw === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(raw.trim()) : null;
  const value = typeof raw === 'number' ? raw : percent ? Number(percent[1]) / 100 : NaN;
  if (!Number.isFinite(value) || value < 0 || value > 0.5) {
    src.fail(entry.at, `${what} must be a fraction 0–0.5 or a percentage 0%–50% of the interval, not ${JSON.stringify(raw)}`);
  }
  return value;
}
