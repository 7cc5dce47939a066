/**
 * A/B experiments at run time (edge: one timer): which experiments run with which split, the
 * operators' start and stop, per-arm delivery tallies from the outcome store, and the report.
 *
 * Contract:
 * - An experiment runs when the operators' newest action says so (`start`, with its split), or,
 *   without one, while now is inside its zone's `start`/`end` (either may be absent). `stop` holds
 *   until the next `start`. The verdict goes to the snapshot (`setExperiments`) at once and at
 *   every start/end boundary (checked each `tickMs`), so answers follow within a tick.
 * - Actions are audit entries (`experiment-start` / `experiment-stop`, member
 *   `experiment/<name>`), persisted by the state store like overrides and read back (validated
 *   by `state-schema.ts`) at start; with Redis the audit log is shared, so an action taken on one
 *   instance reaches the others at their next tick.
 * - Tallies: outcomes recorded while an experiment runs, by arm, tied honestly
 *   (`experiment-attribution.ts`); kept in memory per run (a `start` begins a new run; a restart
 *   begins counting afresh), bounded (counts plus at most 5,000 delays per arm).
 */
import { attribute, attributionPlan, type AttributionPlan } from './experiment-attribution.ts';
import type { Logger } from './log.ts';
import type { Name } from './name.ts';
import { defaultSplit, parseSplit, type Experiment, type ExperimentRun } from './pool/index.ts';
import { addOutcome, emptyTally, experimentReport, type ArmTally, type ExperimentReport, type OutcomeStore } from './signals/index.ts';
import { checkExperimentControl, type AuditEntry, type ExperimentControl, type StateStore } from './state/index.ts';
import type { ZoneSet } from './zone/index.ts';
import type { ExperimentMetricsRow } from './metrics/index.ts';

export type ExperimentState = 'running' | 'stopped' | 'scheduled' | 'ended';

export interface ExperimentStatus {
  name: string;
  owner: Name;
  zone: Name;
  state: ExperimentState;
  /** Why it is in that state, in words. */
  why: string;
  start?: number;
  end?: number;
  /** Percent per arm in force (running) or that a start without --split uses. */
  split: number[];
  arms: Array<{ name: string; percent: number; pools: string[] }>;
  /** The newest operator action, if any. */
  control?: { action: 'start' | 'stop'; author: string; at: number; reason?: string };
  /** When the current run's tallies began (epoch ms). */
  since?: number;
}

export class UnknownExperiment extends Error {}
export class BadSplit extends Error {}

interface Defined {
  experiment: Experiment;
  owner: Name;
  zone: Name;
}

interface Tallies {
  since: number;
  plan: AttributionPlan;
  arms: ArmTally[];
  unattributed: number;
}

export interface ExperimentKeeperOptions {
  store: StateStore;
  outcomes?: OutcomeStore;
  setExperiments: (runs: ReadonlyMap<string, ExperimentRun>) => void;
  logger: Logger;
  now?: () => number;
  tickMs?: number;
}

export class ExperimentKeeper {
  readonly #o: ExperimentKeeperOptions;
  readonly #now: () => number;
  #defined = new Map<string, Defined>();
  readonly #controls = new Map<string, { control: ExperimentControl; entry: AuditEntry }>();
  readonly #tallies = new Map<string, Tallies>();
  #runs: ReadonlyMap<string, ExperimentRun> = new Map();
  #auditSeen = -1;
  #timer: NodeJS.Timeout | undefined;
  #stopOutcomes: (() => void) | undefined;

  constructor(options: ExperimentKeeperOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#readAudit();
    this.#stopOutcomes = options.outcomes?.onRecord((batch) => {
      for (const [name, t] of this.#tallies) {
        if (!this.#runs.has(name)) continue;
        for (const outcome of batch) {
          const got = attribute(t.plan, outcome);
          if (got.arm !== undefined) addOutcome(t.arms[got.arm]!, outcome, got.via);
          else if (got.shared) t.unattributed += 1;
        }
      }
    });
    this.#timer = setInterval(() => this.tick(), options.tickMs ?? 1000);
    this.#timer.unref();
  }

  /** The served zones changed: their experiments (a name defined twice across zones: the first zone's). */
  setZones(zones: ZoneSet): void {
    const defined = new Map<string, Defined>();
    for (const zone of zones.zones.values()) {
      for (const name of zone.balancing?.names.values() ?? []) {
        const e = name.experiment;
        if (!e) continue;
        if (defined.has(e.name)) this.#o.logger.warn({ experiment: e.name, owner: name.owner }, 'experiment name used by two balanced names: the second is ignored');
        else defined.set(e.name, { experiment: e, owner: name.owner, zone: zone.origin });
      }
    }
    this.#defined = defined;
    this.tick();
  }

  /** Re-reads operators' actions (other instances' too) and re-evaluates start/end times. */
  tick(): void {
    this.#readAudit();
    const now = this.#now();
    const runs = new Map<string, ExperimentRun>();
    for (const [name, d] of this.#defined) {
      const status = this.#statusOf(name, d, now);
      if (status.state === 'running') runs.set(name, { split: status.split });
    }
    const changed = runs.size !== this.#runs.size || [...runs].some(([name, run]) => this.#runs.get(name)?.split.join() !== run.split.join());
    for (const [name, run] of runs) {
      const was = this.#runs.get(name);
      const t = this.#tallies.get(name);
      const d = this.#defined.get(name)!;
      // A new run, or a zone reload that redefined the experiment, starts new tallies; a new
      // split re-plans attribution (clients hash to other arms) and keeps the counts so far.
      if (!was || !t || (t.plan.experiment !== d.experiment && !sameArms(t.plan, attributionPlan(d.experiment, run)))) {
        this.#tallies.set(name, { since: now, plan: attributionPlan(d.experiment, run), arms: d.experiment.arms.map((a) => emptyTally(a.name)), unattributed: 0 });
      } else if (t.plan.experiment !== d.experiment || was.split.join() !== run.split.join()) t.plan = attributionPlan(d.experiment, run);
    }
    if (!changed) return;
    this.#runs = runs;
    this.#o.logger.info({ running: [...runs.keys()] }, 'experiments in force');
    this.#o.setExperiments(runs);
  }

  list(): ExperimentStatus[] {
    const now = this.#now();
    return [...this.#defined].map(([name, d]) => this.#statusOf(name, d, now)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): ExperimentStatus {
    const d = this.#defined.get(name);
    if (!d) throw new UnknownExperiment(this.#unknown(name));
    return this.#statusOf(name, d, this.#now());
  }

  /** Starts (or re-splits) an experiment; `split` as `A=60,B=40`. Audited; a new run's tallies begin now. */
  async start(name: string, options: { split?: string; author: string; reason?: string }): Promise<ExperimentStatus> {
    const d = this.#defined.get(name);
    if (!d) throw new UnknownExperiment(this.#unknown(name));
    const control: ExperimentControl = { experiment: name, running: true };
    if (options.split !== undefined) {
      const split = parseSplit(d.experiment, options.split);
      if (typeof split === 'string') throw new BadSplit(`--split ${options.split}: ${split}`);
      control.split = split;
    }
    if (options.reason) control.reason = options.reason;
    this.#tallies.delete(name);
    this.#runs = new Map([...this.#runs].filter(([n]) => n !== name));
    await this.#act(name, 'start', control, options.author);
    return this.get(name);
  }

  /** Stops an experiment: every client gets the name's normal answer again. Audited. */
  async stop(name: string, options: { author: string; reason?: string }): Promise<ExperimentStatus> {
    if (!this.#defined.has(name)) throw new UnknownExperiment(this.#unknown(name));
    const control: ExperimentControl = { experiment: name, running: false };
    if (options.reason) control.reason = options.reason;
    await this.#act(name, 'stop', control, options.author);
    return this.get(name);
  }

  /** Per-arm tallies and tests of the current (or last) run; see signals/ab-report.ts. */
  report(name: string, options: { minSample?: number } = {}): { status: ExperimentStatus; since?: number; report: ExperimentReport } {
    const status = this.get(name);
    const t = this.#tallies.get(name);
    const tallies = t ? t.arms : this.#defined.get(name)!.experiment.arms.map((a) => emptyTally(a.name));
    const report = experimentReport(tallies, { ...(options.minSample !== undefined ? { minSample: options.minSample } : {}), unattributed: t?.unattributed ?? 0 });
    return t ? { status, since: t.since, report } : { status, report };
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopOutcomes?.();
  }

  async #act(name: string, action: 'start' | 'stop', control: ExperimentControl, author: string): Promise<void> {
    const previous = this.#controls.get(name)?.control;
    const entry: AuditEntry = { at: this.#now(), author, action: `experiment-${action}`, member: `experiment/${name}`, next: control };
    if (previous) entry.previous = previous;
    this.#controls.set(name, { control, entry });
    this.#o.logger.info({ experiment: name, action, author, split: control.split }, `experiment ${action}`);
    await this.#o.store.appendAudit(entry);
    this.tick();
  }

  #readAudit(): void {
    const entries = this.#o.store.audit(10_000);
    if (entries.length === 0 || entries[0]!.at <= this.#auditSeen) return;
    for (const entry of [...entries].reverse()) {
      if (!entry.action.startsWith('experiment-') || !entry.member.startsWith('experiment/')) continue;
      const checked = checkExperimentControl(entry.next);
      if (!checked.ok) continue;
      const known = this.#controls.get(checked.value.experiment);
      if (!known || known.entry.at <= entry.at) this.#controls.set(checked.value.experiment, { control: checked.value, entry });
    }
    this.#auditSeen = entries[0]!.at;
  }

  #statusOf(name: string, d: Defined, now: number): ExperimentStatus {
    const e = d.experiment;
    const c = this.#controls.get(name);
    let split = defaultSplit(e);
    if (c?.control.running && c.control.split && c.control.split.length === e.arms.length) split = c.control.split;
    let state: ExperimentState;
    let why: string;
    if (c) {
      state = c.control.running ? 'running' : 'stopped';
      why = `${c.control.running ? 'started' : 'stopped'} by ${c.entry.author} at ${new Date(c.entry.at).toISOString()}${c.control.reason ? `: ${c.control.reason}` : ''}`;
    } else if (e.start !== undefined && now < e.start) {
      state = 'scheduled';
      why = `starts at ${new Date(e.start).toISOString()} (zone)`;
    } else if (e.end !== undefined && now >= e.end) {
      state = 'ended';
      why = `ended at ${new Date(e.end).toISOString()} (zone)`;
    } else {
      state = 'running';
      why = e.end !== undefined ? `running until ${new Date(e.end).toISOString()} (zone)` : 'running (zone: no end)';
    }
    const status: ExperimentStatus = {
      name,
      owner: d.owner,
      zone: d.zone,
      state,
      why,
      split,
      arms: e.arms.map((a) => ({ name: a.name, percent: a.percent, pools: [...new Set(a.balanced.tiers.flatMap((t) => t.pools))] })),
    };
    if (e.start !== undefined) status.start = e.start;
    if (e.end !== undefined) status.end = e.end;
    if (c) status.control = { action: c.control.running ? 'start' : 'stop', author: c.entry.author, at: c.entry.at, ...(c.control.reason ? { reason: c.control.reason } : {}) };
    const t = this.#tallies.get(name);
    if (t) status.since = t.since;
    return status;
  }

  #unknown(name: string): string {
    const known = [...this.#defined.keys()];
    return `no experiment "${name}"; ${known.length > 0 ? `experiments: ${known.join(', ')}` : 'no served zone defines one'}`;
  }
}

/** Same arms with the same members (a zone reload that left the experiment as it was). */
function sameArms(a: AttributionPlan, b: AttributionPlan): boolean {
  const arms = (p: AttributionPlan) => JSON.stringify([p.experiment.arms.map((x) => x.name), [...p.arms].sort()]);
  return arms(a) === arms(b);
}

/** What /metrics shows of each experiment (metrics/experiment-metrics.ts). */
export function experimentMetricsRows(keeper: ExperimentKeeper, counts: { totals(experiment?: string): Array<{ experiment: string; arm: string; answers: number; clients: number }> }): ExperimentMetricsRow[] {
  return keeper.list().map((status) => {
    const { report } = keeper.report(status.name);
    const totals = counts.totals(status.name);
    return {
      experiment: status.name,
      running: status.state === 'running',
      unattributed: report.unattributed,
      arms: status.arms.map((arm, i) => {
        const r = report.arms[i];
        const t = totals.find((x) => x.arm === arm.name);
        const outcomes: Record<string, number> = r ? { sent: r.delivered.count, deferred: r.deferred.count, bounced: r.bounced.count, throttled: r.throttled.count, complaint: r.complaints } : {};
        return { arm: arm.name, percent: status.split[i] ?? arm.percent, answers: t?.answers ?? 0, clients: t?.clients ?? 0, outcomes, attribution: r ? { ...r.attribution } : {} };
      }),
    };
  });
}
