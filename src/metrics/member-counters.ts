/**
 * The per-member probe counters, `mxlb_probe_results_total{member,result,reason}` and
 * `mxlb_member_transitions_total{member,to}`, kept as one small record per member and written as
 * text at scrape time (./text-gauges.ts). Why not prom-client Counters (docs/decisions.md
 * "Per-member gauges as text"): a prom-client series is a label-keyed map entry with its own
 * labels object, and every `inc` builds the key string again: at 10,000 members about 2.4 MB live
 * and a key string per probe result, ~1,000 a second.
 *
 * Contract: `record` once per probe result (the scheduler's onResult, off the query path);
 * `retain` drops members that left the zones; `write` appends both families, HELP and TYPE
 * always, a sample for every label set counted so far (as prom-client would).
 */
import type { MemberId } from '../pool/index.ts';
import { type GaugeText, label } from './text-gauges.ts';

const RESULTS = 'mxlb_probe_results_total';
const RESULTS_HELP = 'SMTP probe results by member, result (pass/fail) and reason (ok, connect-refused, banner-timeout, …).';
const TRANSITIONS = 'mxlb_member_transitions_total';
const TRANSITIONS_HELP = 'Observed health transitions decided by the rise/fall state machine, by member and new state (up/down).';

interface Counts {
  passes: number;
  /** Failed results by reason; most members never fail, so created on the first failure. */
  failures: Map<string, number> | undefined;
  ups: number;
  downs: number;
  /** Transitions to any other state (none today beyond up and down). */
  otherTransitions: Map<string, number> | undefined;
}

export class MemberProbeCounters {
  readonly #members = new Map<MemberId, Counts>();

  record(member: MemberId, ok: boolean, reason: string, transitionTo?: string): void {
    let counts = this.#members.get(member);
    if (!counts) this.#members.set(member, (counts = { passes: 0, failures: undefined, ups: 0, downs: 0, otherTransitions: undefined }));
    if (ok) counts.passes++;
    else (counts.failures ??= new Map()).set(reason, (counts.failures.get(reason) ?? 0) + 1);
    if (transitionTo === 'up') counts.ups++;
    else if (transitionTo === 'down') counts.downs++;
    else if (transitionTo !== undefined) (counts.otherTransitions ??= new Map()).set(transitionTo, (counts.otherTransitions.get(transitionTo) ?? 0) + 1);
  }

  /** Forgets every member not in `members`. */
  retain(members: ReadonlySet<MemberId>): void {
    for (const member of this.#members.keys()) if (!members.has(member)) this.#members.delete(member);
  }

  write(out: GaugeText): void {
    out.family(RESULTS, RESULTS_HELP, 'counter');
    for (const [member, counts] of this.#members) {
      const memberLabel = label('member', member);
      if (counts.passes > 0) out.sample(RESULTS, `${memberLabel},result="pass",reason="ok"`, counts.passes);
      for (const [reason, n] of counts.failures ?? []) out.sample(RESULTS, `${memberLabel},result="fail",${label('reason', reason)}`, n);
    }
    out.family(TRANSITIONS, TRANSITIONS_HELP, 'counter');
    for (const [member, counts] of this.#members) {
      if (counts.ups > 0) out.sample(TRANSITIONS, `${label('member', member)},to="up"`, counts.ups);
      if (counts.downs > 0) out.sample(TRANSITIONS, `${label('member', member)},to="down"`, counts.downs);
      for (const [to, n] of counts.otherTransitions ?? []) out.sample(TRANSITIONS, `${label('member', member)},${label('to', to)}`, n);
    }
  }
}
