/**
 * Gauges read from the current snapshot at scrape time (member states, zones, snapshot version)
 * and the zone reload counter fed by the zone loader. Reading at scrape time means a gauge can
 * never disagree with what the DNS path serves: both read the same Snapshot.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EffectiveStateName, MemberId } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import { type GaugeText, label, type TextGauge } from './text-gauges.ts';
import type { ZoneReloadReport, ZoneSet } from '../zone/index.ts';

export const MEMBER_STATES: readonly EffectiveStateName[] = ['unknown', 'up', 'down', 'drained', 'quarantined'];

/** Every configured member of every balanced zone, with its pool. */
export function configuredMembers(zones: ZoneSet): Map<MemberId, string> {
  const members = new Map<MemberId, string>();
  for (const zone of zones.zones.values()) {
    for (const pool of zone.balancing?.pools.values() ?? []) for (const m of pool.members) members.set(m.id, pool.name);
  }
  return members;
}

const STATE_HELP = 'Effective state of each configured member (override ?? observed), one-hot: 1 for its current state, 0 for the others.';
const UP_HELP = 'Observed probe verdict of each configured member, ignoring overrides: 1 up, 0 down or no verdict yet.';

/** `mxlb_member_state{member,pool,state}` (one-hot) and `mxlb_member_up{member,pool}` of every configured member. */
function memberGauges(out: GaugeText, snap: Snapshot): void {
  const members = [...configuredMembers(snap.zones)].map(([member, pool]) => ({ labels: `${label('member', member)},${label('pool', pool)}`, state: snap.members.get(member) }));
  if (members.length === 0) return;
  out.gauge('mxlb_member_state', STATE_HELP);
  for (const { labels, state } of members) {
    const current = state?.state ?? 'unknown';
    for (const name of MEMBER_STATES) out.sample('mxlb_member_state', `${labels},state="${name}"`, name === current ? 1 : 0);
  }
  out.gauge('mxlb_member_up', UP_HELP);
  for (const { labels, state } of members) out.sample('mxlb_member_up', labels, state?.observed === 'up' ? 1 : 0);
}

export class StateMetrics {
  readonly #reloads: Counter<'result'>;
  readonly #lastReload: Gauge<'result'>;
  #failingFiles = 0;

  /** mxlb_member_state and mxlb_member_up, written as text at scrape time (./text-gauges.ts says why). */
  readonly textGauges: readonly TextGauge[];

  constructor(registry: Registry, snapshot: () => Snapshot) {
    const registers = [registry];
    this.textGauges = [(out) => memberGauges(out, snapshot())];
    const zones: Gauge = new Gauge({
      name: 'mxlb_zones',
      help: 'Zones being served.',
      registers,
      collect: () => {
        zones.set(snapshot().zones.zones.size);
      },
    });
    const failing: Gauge = new Gauge({
      name: 'mxlb_zone_files_failing',
      help: 'Zone files whose last reload failed (their last good version is still served).',
      registers,
      collect: () => {
        failing.set(this.#failingFiles);
      },
    });
    const version: Gauge = new Gauge({
      name: 'mxlb_snapshot_version',
      help: 'Version of the served snapshot; grows on every zone, health or override change.',
      registers,
      collect: () => {
        version.set(snapshot().version);
      },
    });
    this.#reloads = new Counter({
      name: 'mxlb_zone_reloads_total',
      help: 'Zone folder reloads (start, file change, SIGHUP) by result: ok, or failed when any file did not load.',
      labelNames: ['result'] as const,
      registers,
    });
    this.#lastReload = new Gauge({
      name: 'mxlb_zone_last_reload_timestamp_seconds',
      help: 'Unix time of the latest zone reload by result (ok/failed).',
      labelNames: ['result'] as const,
      registers,
    });
    // Both results present from the start, so rate() and absent() behave before the first failure.
    for (const result of ['ok', 'failed']) this.#reloads.inc({ result }, 0);
  }

  /** The zone loader's onChange listener. */
  readonly zoneReloaded = (report: ZoneReloadReport, now = Date.now()): void => {
    const result = report.errors.length > 0 ? 'failed' : 'ok';
    this.#failingFiles = report.errors.length;
    this.#reloads.inc({ result });
    this.#lastReload.set({ result }, now / 1000);
  };
}
