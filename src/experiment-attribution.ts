/**
 * Which arm of an A/B experiment a delivery outcome belongs to (pure): honest attribution.
 *
 * Contract: `attribute(plan, outcome)` returns the arm and how it was tied, or undefined.
 * - `member`: the outcome's member is in the pools of exactly one arm: only that arm's clients
 *   were handed its address.
 * - `client`: otherwise, when the outcome carries the SMTP client's address (Postfix `client=`,
 *   or `client` in POST /api/signals), the arm that address's /24 (/56) hashes to under the split
 *   in force — the same hash the DNS answer used, which is right when the sender asks mxlb itself
 *   (its resolver's address is its own subnet) or through a resolver sending ECS with its subnet.
 * - undefined with `shared: true`: the member serves several arms and no client address came (or
 *   the client's arm does not hold the member: answered before a split change, or through another
 *   name) — counted as unattributed, never guessed. A member in no arm's pools is not this experiment's
 *   traffic (`shared: false`) and is not counted at all.
 */
import { armFor, parseAddress, type Experiment, type ExperimentRun, type MemberId } from './pool/index.ts';
import type { Attribution, Outcome } from './signals/index.ts';

export interface AttributionPlan {
  experiment: Experiment;
  run: ExperimentRun;
  /** Member id → indexes of the arms whose tiers hold it. */
  arms: ReadonlyMap<MemberId, readonly number[]>;
}

export function attributionPlan(experiment: Experiment, run: ExperimentRun): AttributionPlan {
  const arms = new Map<MemberId, number[]>();
  experiment.arms.forEach((arm, index) => {
    for (const tier of arm.balanced.tiers) {
      for (const member of tier.members) {
        const list = arms.get(member.id) ?? [];
        if (!list.includes(index)) list.push(index);
        arms.set(member.id, list);
      }
    }
  });
  return { experiment, run, arms };
}

export type Attributed = { arm: number; via: Attribution } | { arm?: undefined; shared: boolean };

export function attribute(plan: AttributionPlan, outcome: Pick<Outcome, 'member' | 'client'>): Attributed {
  const arms = plan.arms.get(outcome.member);
  if (arms && arms.length === 1) return { arm: arms[0]!, via: 'member' };
  if (!arms) return { shared: false };
  const address = outcome.client !== undefined ? parseAddress(outcome.client) : undefined;
  if (address) {
    const d = armFor(plan.experiment, plan.run, { ...address, sourcePrefix: address.family === 4 ? 32 : 128 }, 'source');
    // A client whose arm does not hold this member was answered before a split change or by
    // another name: its outcome is not evidence about that arm's members.
    if (arms.includes(d.index)) return { arm: d.index, via: 'client' };
  }
  return { shared: true };
}
