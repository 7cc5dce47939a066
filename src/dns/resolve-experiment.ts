/**
 * A/B experiments on the answer path (pure): which arm of a running experiment a client gets, and
 * the answer-cache key part that keeps one arm's answers from another arm's clients.
 *
 * Contract:
 * - `armOf(inputs, name, viewed)`: for a balanced name with an experiment that runs in the
 *   snapshot (`Snapshot.experiments`), a client outside every view (`viewed` false) gets its arm's
 *   variant of the name (`pool/experiment.ts` armFor: hash point of its /24 or /56 on the split's
 *   cumulative ranges) and the ArmDecision; otherwise the name as it is. A client in a view keeps
 *   its view: views say where a sender sits, which an experiment must not override.
 * - `armKey(snapshot, client)`: '' when no experiment runs (the key is unchanged: zero cost);
 *   else a string naming the client's arm in every running experiment, so two clients share a
 *   cache entry only when every experiment gives them the same arm. `assignments` lists them with
 *   a 32-bit hash of the client's subnet, for the per-arm counters (distinct clients).
 */
import { armFor, assignArm, clientSubnet, hash32, hashPoint, type ArmDecision, type BalancedName, type Experiment, type ExperimentRun } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import type { ZoneSet } from '../zone/index.ts';
import { zoneClient, type ViewClient } from './resolve-views.ts';
import type { SelectionInputs } from './resolve-selection.ts';

/** One running experiment as the key needs it: its definition and whether its zone honours ECS. */
interface Running {
  experiment: Experiment;
  run: ExperimentRun;
  ecs: boolean;
}

/** The client's arm in one running experiment, for the counters. */
export interface Assignment {
  experiment: string;
  arm: string;
  /** Hash of the client's subnet (FNV-1a + fmix32, not salted): the distinct-client sketch's input. */
  client: number;
}

const tables = new WeakMap<ReadonlyMap<string, ExperimentRun>, WeakMap<ZoneSet, Running[]>>();

function running(snapshot: Snapshot): Running[] {
  const runs = snapshot.experiments;
  if (!runs || runs.size === 0) return [];
  let byZones = tables.get(runs);
  if (!byZones) tables.set(runs, (byZones = new WeakMap()));
  let list = byZones.get(snapshot.zones);
  if (list) return list;
  list = [];
  for (const zone of snapshot.zones.zones.values()) {
    for (const name of zone.balancing?.names.values() ?? []) {
      const run = name.experiment && runs.get(name.experiment.name);
      if (run && run.split.length === name.experiment!.arms.length) list.push({ experiment: name.experiment!, run, ecs: zone.balancing!.ecs === true });
    }
  }
  byZones.set(snapshot.zones, list);
  return list;
}

/** Does any experiment run in this snapshot? (False: no client is needed for experiments.) */
export function experimentsRun(snapshot: Snapshot): boolean {
  return running(snapshot).length > 0;
}

/** See the module contract. */
export function armKey(snapshot: Snapshot, client: ViewClient): { key: string; assignments: Assignment[] } {
  const list = running(snapshot);
  if (list.length === 0) return { key: '', assignments: [] };
  let key = '\u0000x';
  const assignments: Assignment[] = [];
  for (const { experiment, run, ecs } of list) {
    const zc = zoneClient(client, ecs);
    if (!zc) {
      key += '-';
      continue;
    }
    // armFor's arithmetic without its words (no subnet text on the query path).
    const subnet = clientSubnet(zc.address);
    const { index } = assignArm(run.split, hashPoint(experiment.name, subnet));
    // The scope matters for ECS replies: the same arm over another scope is another reply.
    key += `${index}${zc.via === 'ecs' ? `/${subnet.length}` : ''},`;
    assignments.push({ experiment: experiment.name, arm: experiment.arms[index]!.name, client: hash32('', subnet.bytes, subnet.length) });
  }
  return { key, assignments };
}

/** See the module contract. */
export function armOf(inputs: SelectionInputs, name: BalancedName, viewed: boolean): { balanced: BalancedName; arm?: ArmDecision } {
  const experiment = name.experiment;
  const run = experiment && inputs.experiments?.get(experiment.name);
  if (!experiment || !run || viewed || !inputs.client || run.split.length !== experiment.arms.length) return { balanced: name };
  const arm = armFor(experiment, run, inputs.client.address, inputs.client.via);
  return { balanced: experiment.arms[arm.index]!.balanced, arm };
}
