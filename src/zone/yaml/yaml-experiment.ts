import { checkSplit, type BalancedName, type Experiment, type ExperimentArm, type Policy, type Tier } from '../../pool/index.ts';
import { entries, fields, int, oneOf, str, suggest, type Entry, type YamlSource } from './yaml-nodes.ts';

/**
 * A balanced name's `experiment:` (docs/routing.md "A/B experiments"): a name, two or more arms,
 * each a variant of the name (tiers, policy, max, ttl, member weights) with its percent, and
 * optional start and end times. Checked here so `mxlb zone validate` reports a bad definition
 * with file, line and reason: percents not summing to 100, unknown pools or members, an end
 * before the start, fewer than two arms.
 */
export const EXPERIMENT_KEYS = ['name', 'arms', 'start', 'end'] as const;
export const ARM_KEYS = ['percent', 'tiers', 'policy', 'max', 'ttl', 'weights'] as const;
/** Experiment and arm names: DNS-safe labels, as pools are (they appear in metrics labels and URLs). */
const LABEL = /^[a-z0-9A-Z](?:[a-z0-9A-Z-]{0,61}[a-z0-9A-Z])?$/;

/** What an arm may change; the rest comes from the name. */
export interface ArmReaders {
  tiers(entry: Entry, what: string): Tier[];
  ttl(entry: Entry, what: string): number;
  policies: readonly Policy[];
  maxAnswers: number;
}

export function readExperiment(src: YamlSource, entry: Entry, what: string, base: BalancedName, read: ArmReaders): Experiment {
  const at = `${what} experiment`;
  const f = fields(src, entry.value, at, EXPERIMENT_KEYS);
  const nameEntry = f.get('name');
  if (!nameEntry) src.fail(entry.at, `${at} has no name: give it one, e.g. "name: pools-ab" (the CLI and API use it)`);
  const name = str(src, nameEntry, `${at} name`).trim();
  if (!LABEL.test(name)) src.fail(nameEntry.at, `${at} name "${name}" must be a label (letters, digits, inner hyphens, at most 63)`);
  const experiment: Experiment = { name, arms: [] };
  const start = f.get('start');
  if (start) experiment.start = readTime(src, start, `${at} start`);
  const end = f.get('end');
  if (end) experiment.end = readTime(src, end, `${at} end`);
  if (experiment.start !== undefined && experiment.end !== undefined && experiment.end <= experiment.start) {
    src.fail(end!.at, `${at} end ${new Date(experiment.end).toISOString()} is not after its start ${new Date(experiment.start).toISOString()}`);
  }
  const armsEntry = f.get('arms');
  if (!armsEntry) src.fail(entry.at, `${at} has no arms: write e.g. "arms: {A: {percent: 50}, B: {percent: 50, tiers: [other]}}"`);
  const list = entries(src, armsEntry.value, `${at} arms`);
  if (list.length < 2) src.fail(armsEntry.at, `${at} needs at least two arms (it has ${list.length})`);
  const arms = list.map((arm) => readArm(src, arm, `${at} arm ${arm.key}`, base, read));
  const split = checkSplit(arms.map((a) => a.percent));
  if (typeof split === 'string') src.fail(armsEntry.at, `${at}: arm percents (${arms.map((a) => `${a.name}=${a.percent}`).join(', ')}) ${split}`);
  experiment.arms = arms;
  return experiment;
}

function readArm(src: YamlSource, entry: Entry, at: string, base: BalancedName, read: ArmReaders): ExperimentArm {
  if (!LABEL.test(entry.key)) src.fail(entry.keyNode, `${at}: an arm is named by a label (letters, digits, inner hyphens)`);
  const f = fields(src, entry.value, at, ARM_KEYS);
  const percent = f.get('percent');
  if (!percent) src.fail(entry.keyNode, `${at} has no percent: write e.g. "percent: 50"`);
  const balanced: BalancedName = { ...base };
  delete balanced.views;
  delete balanced.experiment;
  if (f.has('tiers')) balanced.tiers = read.tiers(f.get('tiers')!, at);
  if (f.has('policy')) balanced.policy = oneOf(src, f.get('policy')!, `${at} policy`, read.policies);
  if (f.has('max')) balanced.max = int(src, f.get('max')!, `${at} max`, 1, read.maxAnswers);
  if (f.has('ttl')) {
    balanced.ttl = read.ttl(f.get('ttl')!, `${at} ttl`);
    balanced.degradedTtl = Math.min(balanced.degradedTtl, balanced.ttl);
  }
  const weights = f.get('weights');
  if (weights) balanced.tiers = withWeights(src, weights, at, balanced.tiers);
  return { name: entry.key, percent: int(src, percent, `${at} percent`, 0, 100), balanced };
}

/** `weights: {primary/mta1: 300, mta2: 0}`: the arm's own member weights (by id, or by name when unique). */
function withWeights(src: YamlSource, entry: Entry, at: string, tiers: Tier[]): Tier[] {
  const members = tiers.flatMap((t) => t.members);
  const set = new Map<string, number>();
  for (const w of entries(src, entry.value, `${at} weights`)) {
    const found = members.filter((m) => m.id === w.key || m.name === w.key);
    if (found.length !== 1) {
      const hint = suggest(w.key, members.map((m) => m.id));
      src.fail(w.keyNode, `${at} weights: ${found.length === 0 ? `no member "${w.key}" in this arm's tiers${hint ? ` (did you mean "${hint}"?)` : ''}` : `"${w.key}" names ${found.length} members: write <pool>/<member>`}`);
    }
    set.set(found[0]!.id, int(src, w, `${at} weight of ${w.key}`, 0, 1_000_000));
  }
  return tiers.map((t) => ({ ...t, members: t.members.map((m) => (set.has(m.id) ? { ...m, weight: set.get(m.id)! } : m)) }));
}

/** An RFC 3339 time with a zone (`2026-12-07T09:00:00Z`), or a date (`2026-12-07`, UTC midnight). */
function readTime(src: YamlSource, entry: Entry, what: string): number {
  const value = entry.value && 'value' in entry.value ? (entry.value as { value: unknown }).value : undefined;
  const text = value instanceof Date ? value.toISOString() : str(src, entry, what).trim();
  const ok = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))?$/.test(text);
  const at = ok ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T')) : NaN;
  if (!Number.isFinite(at)) src.fail(entry.at, `${what} "${text}" is not a time: write e.g. 2026-12-07T09:00:00Z (with a zone) or 2026-12-07`);
  return at;
}
