/**
 * What /explain says about A/B experiments (pure): the arm a simulated client gets and why (its
 * hashed subnet, the hash point, the split's range that holds it), or that an experiment runs on
 * the name and which flags show a client's arm.
 */
import type { ArmDecision, Decision } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * The client line with the experiment's part: its arm (when the simulated client gets one), or
 * that an experiment runs on the name. A name without views says only that, not "what every
 * client gets", since an arm is not what every client gets.
 */
export function withArm(note: string, query: { client?: string; subnet?: string }, decisions: readonly Decision[], snapshot: Snapshot): string {
  const arm = armNote(decisions, snapshot, query.client !== undefined || query.subnet !== undefined);
  if (decisions.some((d) => d.arm) && !decisions.some((d) => d.view)) {
    return `${[query.client && `source ${query.client}`, query.subnet && `ECS ${query.subnet}`].filter(Boolean).join(', ')}: no client views here${arm}`;
  }
  return note + arm;
}

/** The arm sentence for the explain text (empty when no experiment touches the answer). */
export function armNote(decisions: readonly Decision[], snapshot: Snapshot, hasClient: boolean): string {
  const arm = decisions.find((d) => d.arm)?.arm;
  if (arm) return `; experiment ${arm.experiment}: arm ${arm.arm} — ${armWhy(arm)}`;
  if (hasClient || !snapshot.experiments || snapshot.experiments.size === 0) return '';
  const owners = new Set(decisions.map((d) => d.owner));
  for (const zone of snapshot.zones.zones.values()) {
    for (const name of zone.balancing?.names.values() ?? []) {
      const e = name.experiment;
      if (e && owners.has(name.owner) && snapshot.experiments.has(e.name)) return `; experiment ${e.name} runs on this name: pass --client (and --subnet) to see which arm a client gets`;
    }
  }
  return '';
}

/** "10.9.3.0/24 (ECS) hashes to 0.4312, in [0%, 50%) of the split A=50 B=50". */
export function armWhy(arm: ArmDecision): string {
  return `${arm.subnet} (${arm.via === 'ecs' ? 'ECS subnet' : 'source address'}, hashed by /${arm.scope}) hashes to ${arm.point.toFixed(4)}, in [${pct(arm.range[0])}, ${pct(arm.range[1])}) = arm ${arm.arm}'s share of the split ${arm.split.join('/')}`;
}
