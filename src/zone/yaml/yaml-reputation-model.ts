import { isSeq, type Node } from 'yaml';
import { SourceError } from '../../errors.ts';
import { DEFAULT_REPUTATION, rulesFromList, RulesError, type RateThreshold, type ReputationSettings } from '../../reputation/index.ts';
import { bool, duration, fields, int, str, type Entry, type YamlSource } from './yaml-nodes.ts';

/**
 * The reputation model's keys of a `reputation:` block (zone defaults, pool overrides; key by key,
 * a pool's `thresholds` metric by metric): `window`, `min-sample`, `thresholds` (bounce, deferral,
 * complaint, each `suspect` and `quarantine` as a percentage such as `5%` or `0.1%`), `hold`,
 * `cool-down`, `enforce`, and `rules`: `default` (mxlb's shipped rules, the default), `none`, or a
 * list of rules in the rules-file format (docs/reputation.md), which replaces the shipped ones.
 */
export const MODEL_KEYS = ['window', 'min-sample', 'thresholds', 'hold', 'cool-down', 'enforce', 'rules'] as const;
const METRICS = ['bounce', 'deferral', 'complaint'] as const;

export type ModelDraft = Partial<Omit<ReputationSettings, 'rules' | 'bounce' | 'deferral' | 'complaint'>> & {
  rules?: ReputationSettings['rules'] | 'default';
  bounce?: Partial<RateThreshold>;
  deferral?: Partial<RateThreshold>;
  complaint?: Partial<RateThreshold>;
};

function percent(src: YamlSource, entry: Entry, what: string): number {
  const text = str(src, entry, what).trim();
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (!m || Number(m[1]) > 100) src.fail(entry.at, `${what} "${text}" must be a percentage such as 5% or 0.1%`);
  return Number(m[1]) / 100;
}

/** Reads the model keys of one `reputation:` block (the others are read elsewhere). */
export function readModel(src: YamlSource, got: ReadonlyMap<string, Entry>, where: string): ModelDraft {
  const out: ModelDraft = {};
  for (const [key, e] of got) {
    const what = `${where} ${key}`;
    switch (key) {
      case 'window': out.windowMs = duration(src, e, what, 60_000, 3_600_000); break;
      case 'min-sample': out.minSample = int(src, e, what, 1, 10_000_000); break;
      case 'hold': out.holdMs = duration(src, e, what, 1000, 7 * 24 * 3_600_000); break;
      case 'cool-down': out.coolDownMs = duration(src, e, what, 1000, 7 * 24 * 3_600_000); break;
      case 'enforce': out.enforce = bool(src, e, what); break;
      case 'thresholds':
        for (const [metric, m] of fields(src, e.value, what, METRICS)) {
          const t: Partial<RateThreshold> = {};
          for (const [level, l] of fields(src, m.value, `${what} ${metric}`, ['suspect', 'quarantine'])) t[level as keyof RateThreshold] = percent(src, l, `${what} ${metric} ${level}`);
          out[metric as (typeof METRICS)[number]] = t;
        }
        break;
      case 'rules': out.rules = readRules(src, e, what); break;
    }
  }
  return out;
}

function readRules(src: YamlSource, e: Entry, what: string): ReputationSettings['rules'] | 'default' {
  if (e.value && isSeq(e.value)) {
    try {
      return rulesFromList(e.value, (node: Node | null | undefined) => src.line(node), src.file);
    } catch (error) {
      if (error instanceof RulesError) throw new SourceError(src.file, error.line, `${what}: ${error.reason}`);
      throw error;
    }
  }
  const text = str(src, e, what).trim();
  if (text === 'default') return 'default';
  if (text === 'none') return [];
  return src.fail(e.at, `${what} must be "default", "none" or a list of rules (docs/reputation.md)`);
}

/** A pool's model settings: the zone's draft with the pool's on top; undefined when neither writes any. */
export function mergeModel(zone: ModelDraft | undefined, pool: ModelDraft | undefined): Partial<ReputationSettings> | undefined {
  if (!zone && !pool) return undefined;
  const merged: ModelDraft = { ...zone, ...pool };
  for (const metric of METRICS) {
    if (zone?.[metric] || pool?.[metric]) {
      const t = { ...DEFAULT_REPUTATION[metric], ...zone?.[metric], ...pool?.[metric] };
      if (t.quarantine < t.suspect) t.suspect = t.quarantine;
      merged[metric] = t;
    }
  }
  const { rules, ...rest } = merged;
  const out = rest as Partial<ReputationSettings>;
  if (rules !== undefined && rules !== 'default') out.rules = rules;
  return out;
}
