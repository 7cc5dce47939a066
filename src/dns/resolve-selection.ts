/**
 * What balanced selections within one `resolve` call read and return (pure, immutable values).
 *
 * Contract: every selection function of `resolve-balanced.ts`, `resolve-hosts.ts` and
 * `resolve-additional.ts` takes the same read-only `SelectionInputs` and returns its records with a
 * `Selected`: the rotation count it needs, the member ids it put into records (in record order) and
 * its decisions. Nothing is threaded through and mutated; `resolve` folds the `Selected` parts of
 * the answer and the additional section with `combine`.
 */
import { UNKNOWN_STATE, type Decision, type MemberId, type StateLookup } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import type { ZoneClient } from './resolve-views.ts';

export interface SelectionInputs {
  /** Snapshot version: seeds the weighted policy's randomness. */
  readonly version: number;
  /** The ring slot being built (any integer; selection takes it modulo its rotation length). */
  readonly variant: number;
  /** Snapshot member states; a member without a verdict is UNKNOWN_STATE (usable, cold start). */
  readonly states: StateLookup;
  /** The snapshot's member map: immutable per snapshot, so plans made from it may be cached by it. */
  readonly members: ReadonlyMap<MemberId, unknown>;
  /** True when someone reads the decisions (/explain): every selection is then made in full. */
  readonly explain: boolean;
  /** Who asked, as this zone matches client views (`resolve-views.ts`); absent: nobody known (default views). */
  readonly client?: ZoneClient;
  /** The snapshot's running experiments (`resolve-experiment.ts`); absent: none. */
  readonly experiments?: Snapshot['experiments'];
}

export interface Selected {
  /** Most rotations any selection needs (≥ 1): the resolution's `variants`. */
  readonly variants: number;
  /** Ids of the members put into records, in record order (`Resolution.members`). */
  readonly members: readonly MemberId[];
  /** Every selection made, in order (for /explain). */
  readonly decisions: readonly Decision[];
}

export const NOTHING_SELECTED: Selected = Object.freeze({ variants: 1, members: Object.freeze([]), decisions: Object.freeze([]) });

export function selectionInputs(snapshot: Snapshot, variant: number, explain = false, client?: ZoneClient): SelectionInputs {
  const members = snapshot.members;
  const inputs: SelectionInputs = {
    version: snapshot.version,
    variant: Number.isFinite(variant) ? Math.floor(variant) : 0,
    states: (id: MemberId) => members.get(id) ?? UNKNOWN_STATE,
    members,
    explain,
  };
  if (snapshot.experiments && snapshot.experiments.size > 0) Object.assign(inputs, { experiments: snapshot.experiments });
  return client ? { ...inputs, client } : inputs;
}

/** One selection's contribution. */
export function selected(decision: Decision, variants: number, members: readonly MemberId[] = []): Selected {
  return { variants, members, decisions: [decision] };
}

/** The parts in order: the largest rotation count, members and decisions concatenated. */
export function combine(...parts: readonly Selected[]): Selected {
  return combineAll(parts);
}

/** `combine` over a list (plain loops: this runs on every cache miss of a balanced answer). */
export function combineAll(parts: readonly Selected[]): Selected {
  let only: Selected | undefined;
  let count = 0;
  for (const part of parts) {
    if (part === NOTHING_SELECTED) continue;
    only = part;
    count++;
  }
  if (count <= 1) return only ?? NOTHING_SELECTED;
  let variants = 1;
  const members: MemberId[] = [];
  const decisions: Decision[] = [];
  for (const part of parts) {
    if (part.variants > variants) variants = part.variants;
    for (const id of part.members) members.push(id);
    for (const decision of part.decisions) decisions.push(decision);
  }
  return { variants, members, decisions };
}
