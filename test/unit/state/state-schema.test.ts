/**
 * The state schema, table-driven: for each kind of persisted value, a field, a bad value and the
 * reason an operator reads. Good values come back with their known fields only.
 */
import test from 'ava';
import { checkAuditEntry, checkExperimentControl, checkHealth, checkOverride, checkWeightOverride, type Checked } from '../../../src/state/state-schema.ts';

const experiment = { experiment: 'pools-ab', running: true, split: [60, 40], reason: 'more to B' };

const override = { kind: 'drained', reason: 'kernel update', author: 'alice', at: 1_700_000_000_000, expiresAt: 1_700_000_600_000 };
const weight = { weight: 5, reason: 'warming up', author: 'bob', at: 1_700_000_000_000 };
const health = { state: 'down', since: 1_700_000_000_000, reason: '3 consecutive failures', lastProbeAt: 1_700_000_000_500, lastFailure: { at: 1_700_000_000_500, reason: 'connect-refused', detail: 'ECONNREFUSED' } };
const audit = { at: 1_700_000_000_000, author: 'ops (alice@host)', action: 'drain', member: 'primary/mta1', next: override };

type Row = [what: string, check: (v: unknown) => Checked<unknown>, base: Record<string, unknown>, field: string, bad: unknown, reason: RegExp];

const rows: Row[] = [
  ['override', checkOverride, override, 'expiresAt', 'soon', /^expiresAt: "soon" is not a time/],
  ['override', checkOverride, override, 'expiresAt', 1e300, /^expiresAt: 1e\+300 is not a time/],
  ['override', checkOverride, override, 'expiresAt', -1, /^expiresAt: -1 is not a time/],
  ['override', checkOverride, override, 'expiresAt', 1.5, /^expiresAt: 1\.5 is not a time/],
  ['override', checkOverride, override, 'expiresAt', null, /^expiresAt: null is not a time/],
  ['override', checkOverride, override, 'at', 'x', /^at: "x" is not a time/],
  ['override', checkOverride, override, 'at', undefined, /^at is missing/],
  ['override', checkOverride, override, 'kind', undefined, /^kind is missing/],
  ['override', checkOverride, override, 'kind', 'paused', /^kind: "paused" is not one of drained, quarantined/],
  ['override', checkOverride, override, 'reason', 42, /^reason: 42 is not a text/],
  ['override', checkOverride, override, 'reason', 'x'.repeat(5000), /^reason: "x{50,}\.\.\. is not a text/],
  ['override', checkOverride, override, 'author', ['a'], /^author: an array is not a text/],
  ['weight', checkWeightOverride, weight, 'weight', -1, /^weight: -1 is not a weight/],
  ['weight', checkWeightOverride, weight, 'weight', 2.5, /^weight: 2\.5 is not a weight/],
  ['weight', checkWeightOverride, weight, 'weight', 1e9, /^weight: 1000000000 is not a weight/],
  ['weight', checkWeightOverride, weight, 'weight', '5', /^weight: "5" is not a weight/],
  ['weight', checkWeightOverride, weight, 'expiresAt', 'tomorrow', /^expiresAt: "tomorrow" is not a time/],
  ['health', checkHealth, health, 'state', 'bogus', /^state: "bogus" is not one of unknown, up, down/],
  ['health', checkHealth, health, 'state', undefined, /^state is missing/],
  ['health', checkHealth, health, 'since', '2024-01-01', /^since: "2024-01-01" is not a time/],
  ['health', checkHealth, health, 'lastProbeAt', true, /^lastProbeAt: true is not a time/],
  ['health', checkHealth, health, 'lastFailure', 'refused', /^lastFailure is "refused", not an object/],
  ['health', checkHealth, health, 'lastFailure', { at: 'now', reason: 'x' }, /^lastFailure\.at: "now" is not a time/],
  ['health', checkHealth, health, 'lastFailure', { at: 1 }, /^lastFailure\.reason is missing/],
  ['audit', checkAuditEntry, audit, 'member', 'no-slash', /^member: "no-slash" is not a member id/],
  ['audit', checkAuditEntry, audit, 'at', {}, /^at: an object is not a time/],
  ['audit', checkAuditEntry, audit, 'next', { ...override, expiresAt: 'soon' }, /^next\.expiresAt: "soon" is not a time/],
  ['audit', checkAuditEntry, audit, 'previous', 7, /^previous is 7, not an override, a weight override, an experiment or a warm-up control/],
  ['experiment', checkExperimentControl, experiment, 'split', [60, 30], /^split: an array is not a split \(2-100 whole percents summing to 100\)/],
  ['experiment', checkExperimentControl, experiment, 'split', [100], /^split: an array is not a split/],
  ['experiment', checkExperimentControl, experiment, 'experiment', 'a b', /^experiment: "a b" is not an experiment name/],
  ['experiment', checkExperimentControl, experiment, 'running', 'yes', /^running: "yes" is not true or false/],
  ['audit', checkAuditEntry, { ...audit, member: 'experiment/pools-ab', action: 'experiment-start' }, 'next', { ...experiment, split: 'half' }, /^next\.split: "half" is not a split/],
];

test('an experiment start is kept in the audit log as written', (t) => {
  const entry = { at: 1_700_000_000_000, author: 'ops', action: 'experiment-start', member: 'experiment/pools-ab', next: experiment };
  t.deepEqual(checkAuditEntry(entry), { ok: true, value: entry });
});

for (const [what, check, base, field, bad, reason] of rows) {
  test(`${what} ${field} = ${JSON.stringify(bad)?.slice(0, 30) ?? 'missing'} is refused`, (t) => {
    const value: Record<string, unknown> = { ...base, [field]: bad };
    if (bad === undefined) delete value[field];
    const checked = check(value);
    t.false(checked.ok);
    if (!checked.ok) t.regex(checked.reason, reason);
  });
}

test('good values pass and come back with their known fields only', (t) => {
  t.deepEqual(checkOverride({ ...override, extra: 'dropped' }), { ok: true, value: override });
  t.deepEqual(checkWeightOverride(weight), { ok: true, value: weight });
  t.deepEqual(checkHealth(health), { ok: true, value: health });
  t.deepEqual(checkHealth({ state: 'unknown', since: 0 }), { ok: true, value: { state: 'unknown', since: 0 } });
  t.deepEqual(checkAuditEntry({ ...audit, previous: weight }), { ok: true, value: { ...audit, previous: weight } });
});

test('a value that is not an object says what it is', (t) => {
  for (const [value, shown] of [[null, 'null'], ['x', '"x"'], [[1], 'an array'], [3, '3']] as const) {
    const checked = checkOverride(value);
    t.false(checked.ok);
    if (!checked.ok) t.is(checked.reason, `is ${shown}, not an object`);
  }
});

test('a warm-up control is kept in the audit log as written (it used to be refused on load)', (t) => {
  const entry = { at: 1_700_000_000_000, author: 'ops', action: 'warmup-pause', member: 'p/m2', previous: { pausedDays: 0 }, next: { pausedDays: 0, pausedSince: 1_700_000_000_000, pausedBy: 'operator', reason: 'Gmail 4.7.28 deferrals' } };
  t.deepEqual(checkAuditEntry(entry), { ok: true, value: entry });
  t.false(checkAuditEntry({ ...entry, next: { pausedDays: -1 } }).ok);
});
