/**
 * The schema of persisted state (pure): health verdicts, overrides, weight overrides and audit
 * entries as the state file and Redis hold them. Everything read back is checked field by field
 * before it can reach a snapshot; a check returns the value rebuilt from its known fields, or the
 * first field that is wrong and why (`expiresAt: "soon" is not a time (epoch ms)`).
 *
 * Contract: `check*` never throws; an `ok` value carries only the fields listed here, each of the
 * declared type and within its bounds (times are whole epoch milliseconds a Date can show, so
 * nothing downstream meets NaN, a string or a RangeError from `toISOString`).
 */
import type { ObservedState, Override, OverrideKind, WeightOverride } from '../pool/index.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The admin API's and the YAML parser's bound on weights (src/http/admin-body.ts MAX_WEIGHT). */
export const MAX_STORED_WEIGHT = 1_000_000;
/** Largest time a JavaScript Date can represent (ECMA-262 §21.4.1.1). */
const MAX_TIME = 8.64e15;
/** Reasons, authors and details are short texts; anything longer is not ours. */
const MAX_TEXT = 2000;

const OBSERVED: readonly ObservedState[] = ['unknown', 'up', 'down'];
const KINDS: readonly OverrideKind[] = ['drained', 'quarantined'];

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as an operator would read it in the file: `"soon"`, `-1`, `null`, `an array`. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One field's rule: undefined when the value is fine, else what it should be. */
type Rule = (value: unknown) => string | undefined;

const time: Rule = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TIME ? undefined : 'is not a time (whole epoch milliseconds)');
const text: Rule = (v) => (typeof v === 'string' && v.length <= MAX_TEXT ? undefined : `is not a text (a string of at most ${MAX_TEXT} characters)`);
const oneOf =
  (allowed: readonly string[]): Rule =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `is not one of ${allowed.join(', ')}`;
const weight: Rule = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_STORED_WEIGHT ? undefined : `is not a weight (a whole number from 0 to ${MAX_STORED_WEIGHT})`;

interface Field {
  rule: Rule;
  optional?: boolean;
}

/**
 * Checks `value` against `fields` in order; the first failure is the reason. Fields not listed are
 * left out of the result (they never reach the snapshot, and are not written back).
 */
function checkObject<T>(value: unknown, fields: Record<string, Field>, nested: Record<string, (v: unknown) => Checked<unknown>> = {}): Checked<T> {
  if (!isObject(value)) return { ok: false, reason: `is ${show(value)}, not an object` };
  const out: Json = {};
  for (const [name, field] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined && field.optional) continue;
    if (v === undefined) return { ok: false, reason: `${name} is missing` };
    const problem = field.rule(v);
    if (problem) return { ok: false, reason: `${name}: ${show(v)} ${problem}` };
    out[name] = v;
  }
  for (const [name, check] of Object.entries(nested)) {
    const v = value[name];
    if (v === undefined) continue;
    const checked = check(v);
    if (!checked.ok) return { ok: false, reason: `${name}.${checked.reason}` };
    out[name] = checked.value;
  }
  return { ok: true, value: out as T };
}

function checkFailure(value: unknown): Checked<{ at: number; reason: string; detail?: string }> {
  return checkObject(value, { at: { rule: time }, reason: { rule: text }, detail: { rule: text, optional: true } });
}

export function checkHealth(value: unknown): Checked<PersistedHealth> {
  const checked = checkObject<PersistedHealth>(
    value,
    { state: { rule: oneOf(OBSERVED) }, since: { rule: time }, reason: { rule: text, optional: true }, lastProbeAt: { rule: time, optional: true } },
    { lastFailure: checkFailure },
  );
  return fixNested(checked, 'lastFailure');
}

export function checkOverride(value: unknown): Checked<Override> {
  return checkObject<Override>(value, {
    kind: { rule: oneOf(KINDS) },
    reason: { rule: text },
    author: { rule: text },
    at: { rule: time },
    expiresAt: { rule: time, optional: true },
  });
}

export function checkWeightOverride(value: unknown): Checked<WeightOverride> {
  return checkObject<WeightOverride>(value, {
    weight: { rule: weight },
    reason: { rule: text },
    author: { rule: text },
    at: { rule: time },
    expiresAt: { rule: time, optional: true },
  });
}

/**
 * An operator's start or stop of an A/B experiment, as the `next` of an `experiment-start` /
 * `experiment-stop` audit entry (src/experiment-keeper.ts reads the newest per experiment back).
 */
export interface ExperimentControl {
  experiment: string;
  running: boolean;
  /** Percent per arm in arm order (start only; absent: the zone's split). */
  split?: number[];
  reason?: string;
}

const label: Rule = (v) => (typeof v === 'string' && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(v) ? undefined : 'is not an experiment name (a label)');
const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'is not true or false');
const split: Rule = (v) =>
  Array.isArray(v) && v.length >= 2 && v.length <= 100 && v.every((p) => Number.isInteger(p) && p >= 0 && p <= 100) && v.reduce((a: number, b: number) => a + b, 0) === 100
    ? undefined
    : 'is not a split (2-100 whole percents summing to 100)';

export function checkExperimentControl(value: unknown): Checked<ExperimentControl> {
  return checkObject<ExperimentControl>(value, {
    experiment: { rule: label },
    running: { rule: bool },
    split: { rule: split, optional: true },
    reason: { rule: text, optional: true },
  });
}

/** A warm-up control as `warmup-<action>` entries write it (src/shaping-warmups.ts, shaping/ WarmUpControl). */
export function checkWarmUpControl(value: unknown): Checked<unknown> {
  const count: Rule = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000 ? undefined : 'is not a number of days');
  const date: Rule = (v) => (typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v) ? undefined : 'is not a date (YYYY-MM-DD)');
  return checkObject(value, {
    pausedDays: { rule: count },
    start: { rule: date, optional: true },
    pausedSince: { rule: time, optional: true },
    pausedBy: { rule: oneOf(['operator', 'suspect']), optional: true },
    finished: { rule: bool, optional: true },
    reason: { rule: text, optional: true },
  });
}

/** `previous` / `next` of an audit entry: an override, a weight override, an experiment or a warm-up control, as written. */
function checkAuditValue(value: unknown): Checked<unknown> {
  if (isObject(value) && 'kind' in value) return checkOverride(value);
  if (isObject(value) && 'weight' in value) return checkWeightOverride(value);
  if (isObject(value) && 'experiment' in value) return checkExperimentControl(value);
  if (isObject(value) && 'pausedDays' in value) return checkWarmUpControl(value);
  return { ok: false, reason: `is ${show(value)}, not an override, a weight override, an experiment or a warm-up control` };
}

export function checkAuditEntry(value: unknown): Checked<AuditEntry> {
  const checked = checkObject<AuditEntry>(
    value,
    { at: { rule: time }, author: { rule: text }, action: { rule: text }, member: { rule: memberId } },
    { previous: checkAuditValue, next: checkAuditValue },
  );
  return fixNested(fixNested(checked, 'previous'), 'next');
}

/** A member id as a key of the state: `<pool>/<member>`, printable, no spaces. */
export function memberId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value) && /^[^/]+\/[^/]+$/.test(value) ? undefined : 'is not a member id (<pool>/<member>)';
}

/** `lastFailure.is an object…` → `lastFailure: … is not an object`. */
function fixNested<T>(checked: Checked<T>, name: string): Checked<T> {
  if (checked.ok || !checked.reason.startsWith(`${name}.is `)) return checked;
  return { ok: false, reason: `${name} ${checked.reason.slice(name.length + 1)}` };
}
