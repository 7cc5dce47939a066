/**
 * Probe settings (pure): how each probe phase is bounded and how verdicts are reached, their one set
 * of defaults, the merge defaults ← zone settings ← pool overrides, and the ProbeTarget a member is
 * checked with. The YAML parser validates values; this only merges.
 */
import type { Name } from '../name.ts';
import type { ProbeTarget, ProbeTimeouts, StartTlsMode } from './types.ts';

/**
 * How each probe phase is bounded and how verdicts are reached.
 *
 * Arithmetic with the defaults (interval 1000 ms ±10 %, fall 2, rise 2, recheck 250 ms):
 * - an MTA that refuses connections fails within ~1 ms; the next probe comes at most 1.1 s after it
 *   died, the failure (disagreeing with `up`) triggers a re-check 250 ms later, whose failure is the
 *   second of `fall`: **down in ≤ 1.35 s** (≈ 0.8 s on average) — about one second.
 * - a black-holed MTA (SYN dropped) costs one connect timeout per probe: ≤ 1.1 + 1.0 + 0.25 + 1.0
 *   ≈ **3.4 s**; an MTA that accepts but never greets: ≤ 1.1 + 3.0 + 0.25 + 3.0 ≈ **7.4 s**.
 * - a recovered MTA: first success ≤ 1.1 s after it is back, re-check 250 ms later: **up in ≤ 1.4 s**.
 * - steady state (results agree with the state): one probe per member per 0.9–1.1 s; re-checks only
 *   happen while a verdict is pending, at most `max(rise, fall) - 1` in a row.
 * A single lost probe never flaps a member: it costs one extra probe 250 ms later.
 */
export interface ProbeSettings {
  /** Pause between the end of one probe and the start of the next, while results agree with the state. */
  intervalMs: number;
  /** Pause when the latest result disagrees with the state (failure while up, success while down). */
  recheckMs: number;
  /** Uniform jitter on `intervalMs` as a fraction (0.1 = ±10 %), so probes of many members spread out. */
  jitter: number;
  /** Consecutive successes that bring a `down` member back `up`. */
  rise: number;
  /** Consecutive failures that take an `up` member `down`. */
  fall: number;
  timeouts: ProbeTimeouts;
  /** EHLO argument (RFC 5321 §4.1.1.1). Set it to this host's FQDN where MTAs check HELO names. */
  ehloName: string;
  starttls: StartTlsMode;
  /** With STARTTLS: verify the chain and that the certificate matches the member's host name. */
  tlsVerify: boolean;
  /** The 220 banner text must match, e.g. to catch a wrong service answering on the port. */
  bannerPattern?: RegExp;
  /** With STARTTLS: fail when the certificate expires within this many days. */
  minCertDays?: number;
}

/** The one place probe defaults live; zone-level settings and pool overrides are merged over it. */
export const DEFAULT_PROBE_SETTINGS: Readonly<ProbeSettings> = Object.freeze({
  intervalMs: 1000,
  recheckMs: 250,
  jitter: 0.1,
  rise: 2,
  fall: 2,
  timeouts: Object.freeze({
    // Relays sit on a LAN or a nearby network: a SYN-ACK takes well under 100 ms even under load.
    connectMs: 1000,
    // Busy MTAs may do DNS/ident lookups before greeting. postscreen's pregreet test (greet_wait 6 s)
    // delays the final 220 line: exempt the probe address in postscreen_access_list or raise this.
    bannerMs: 3000,
    ehloMs: 2000,
    // STARTTLS reply plus a full handshake (RSA key exchange on a loaded host).
    tlsMs: 3000,
    // QUIT is a courtesy: the verdict is already known, do not wait long for 221.
    quitMs: 500,
  }),
  // RFC 2606 name: never resolves, so nobody mistakes it for a real host. Set ehloName per zone.
  ehloName: 'mxlb-probe.invalid',
  starttls: 'off',
  tlsVerify: false,
});

/** What `probeTarget` needs of a member (a pool `Member` has it). */
export interface ProbedMember {
  address: string;
  port: number;
  /** Canonical host name, checked against the certificate when `tlsVerify` is on. */
  host: Name;
}

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

/**
 * What the SMTP check needs to probe `member` with `settings`. `timeouts`: a copy of
 * `settings.timeouts` to use, so that the members of one pool share one (the check only reads it).
 */
export function probeTarget(member: ProbedMember, settings: ProbeSettings, timeouts: ProbeTimeouts = { ...settings.timeouts }): ProbeTarget {
  const target: ProbeTarget = {
    address: member.address,
    port: member.port,
    ehloName: settings.ehloName,
    starttls: settings.starttls,
    timeouts,
  };
  if (settings.bannerPattern) target.bannerPattern = settings.bannerPattern;
  if (settings.minCertDays !== undefined) target.minCertDays = settings.minCertDays;
  if (settings.tlsVerify && settings.starttls !== 'off') target.tlsServername = member.host;
  return target;
}
