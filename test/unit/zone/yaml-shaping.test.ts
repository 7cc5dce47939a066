/** YAML zone shaping keys (zone/yaml/yaml-shaping.ts, yaml-warm-up.ts): values parsed, mistakes at their line. */
import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const HEAD = `origin: mail.test.
records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
`;

function zone(schedules: string, pool: string, warmUp: string): string {
  return `${HEAD}${schedules}pools:
  p:
${pool}    members:
      - name: a
        address: 127.0.0.1
${warmUp}names:
  smtp:
    tiers: [p]
    policy: latency
`;
}

const SCHEDULES = `warm-up-schedules:
  mine:
    time-zone: Europe/Berlin
    days: [50, {cap: 100, gmail: 20}, {gmail: 30, yahoo: 10}]
`;

test('pool shaping keys, schedules and a member opt-in parse to the model', (t) => {
  const text = zone(SCHEDULES, '    slow-start: 30s\n    latency: {limit: 500ms, step: 10%, delay-window: 5m, delay-samples: 3, delay-bias: 2s, delay-limit: 60s}\n    agent: {port: 4949, interval: 2s}\n    load: {low: 100, high: 400, metric: connections}\n', '        warm-up: {schedule: mine, start: 2026-12-01}\n');
  const b = parseYamlZone(text, { file: 'mail.test.yaml' }).zone.balancing!;
  const pool = b.pools.get('p')!;
  t.deepEqual(pool.shaping, {
    slowStart: { windowMs: 30_000, floor: 0.1 },
    latency: { alpha: 0.3, step: 0.1, exponent: 2, biasMs: 20, limitMs: 500, delayWindowMs: 300_000, delayMinSamples: 3, delayBiasMs: 2000, delayLimitMs: 60_000 },
    agent: { port: 4949, intervalMs: 2000, timeoutMs: 2000 },
    load: { metric: 'connections', low: 100, high: 400, staleMs: 60_000 },
  });
  t.is(b.names.get('smtp.mail.test')!.policy, 'latency');
  const plan = pool.members[0]!.warmUp!;
  t.is(plan.start, '2026-12-01');
  t.deepEqual(plan.schedule, { name: 'mine', timeZone: 'Europe/Berlin', days: [{ cap: 50 }, { cap: 100, providers: { gmail: 20 } }, { providers: { gmail: 30, yahoo: 10 } }] });
});

test('a preset needs no schedule entry; a member may set its own time zone and full volume', (t) => {
  const text = zone('', '', '        warm-up: {schedule: ses, start: 2026-12-01, time-zone: Asia/Tokyo, full-volume: 100000}\n');
  const plan = parseYamlZone(text, { file: 'mail.test.yaml' }).zone.balancing!.pools.get('p')!.members[0]!.warmUp!;
  t.is(plan.schedule.days.length, 45);
  t.is(plan.schedule.days[44]!.cap, 50_000);
  t.is(plan.schedule.timeZone, 'Asia/Tokyo');
  t.is(plan.fullVolume, 100_000);
});

const errors: Array<[string, string, RegExp]> = [
  ['an unknown schedule', zone('', '', '        warm-up: {schedule: sess, start: 2026-12-01}\n'), /:11: member p\/a warm-up schedule "sess" is not defined \(did you mean "ses"\?\)/],
  ['a bad start date', zone('', '', '        warm-up: {schedule: ses, start: tomorrow}\n'), /:11: .*start "tomorrow" must be a date YYYY-MM-DD/],
  ['an unknown time zone', zone('warm-up-schedules:\n  x:\n    time-zone: Mars/Olympus\n    days: [1]\n', '', ''), /:8: warm-up schedule x time-zone "Mars\/Olympus" is not a time zone/],
  ['days and percent together', zone('warm-up-schedules:\n  x:\n    days: [1]\n    percent: [5]\n', '', ''), /:8: warm-up schedule x needs either days .* not both/],
  ['watermarks upside down', zone('', '    load: {low: 10, high: 5}\n', ''), /:8: pool p load high \(5\) must be above low \(10\)/],
  ['an agent without a port', zone('', '    agent: {interval: 2s}\n', ''), /:8: pool p agent needs a port/],
];

for (const [title, text, expected] of errors) {
  test(`refused: ${title}`, (t) => {
    const error = t.throws(() => parseYamlZone(text, { file: 'mail.test.yaml' }), { instanceOf: SourceError });
    t.regex(error.message, expected);
  });
}
