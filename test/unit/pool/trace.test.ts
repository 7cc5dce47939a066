import test from 'ava';
import { describeDecision } from '../../../src/pool/describe.ts';
import { selectMembers } from '../../../src/pool/select.ts';
import { formatTrace } from '../../../src/pool/trace.ts';
import { balanced, m, states, tier } from './fixture.ts';

test('the trace lists every member once with state, weight, verdict and why, and every tier decision', (t) => {
  const members = [m('a', 1), m('a', 2), m('a', 3, { weight: 0 }), m('a', 4), m('a', 5, { v6: true })];
  const name = balanced([tier(members.slice(0, 3), 2), tier([members[3]!, members[4]!])]);
  const sel = selectMembers(name, states({ 'a/m1': 'down', 'a/m2': 'drained' }), { random: () => 0, variant: 0, family: 4 });
  const byId = Object.fromEntries(describeDecision(sel.decision).members.map((x) => [x.id, x]));
  t.is(describeDecision(sel.decision).members.length, 5);
  t.deepEqual(Object.fromEntries(Object.entries(byId).map(([id, x]) => [id, x.verdict])), {
    'a/m1': 'excluded', 'a/m2': 'excluded', 'a/m3': 'excluded', 'a/m4': 'selected', 'a/m5v6': 'excluded',
  });
  t.is(byId['a/m1']?.why, 'down: connect-refused');
  t.regex(byId['a/m3']?.why ?? '', /weight 0/);
  t.regex(byId['a/m5v6']?.why ?? '', /IPv6 address, IPv4 asked/);
  t.is(byId['a/m4']?.position, 0);
  t.deepEqual(describeDecision(sel.decision).tiers.map((x) => [x.decision, x.usable, x.members]), [['below-minimum', 0, 3], ['chosen', 1, 1]]);
  t.deepEqual(describeDecision(sel.decision).degradedBecause, ['backup tier 1 in use']);

  const text = formatTrace(describeDecision(sel.decision)).join('\n');
  t.regex(text, /^smtp\.relay\.test A: answer, ttl 5 \(degraded: backup tier 1 in use\)/);
  t.regex(text, /tier 0 \[a\]: 0\/3 usable, min 2: below-minimum/);
  t.regex(text, /a\/m4 192\.0\.2\.4 up w=100: selected #1 — usable/);
  t.regex(text, /a\/m2 192\.0\.2\.2 drained w=100: excluded — drained by alice: maintenance/);
});

test('weight overrides show both weights in the text', (t) => {
  const name = balanced([tier([m('a', 1), m('a', 2)])], { policy: 'weighted' });
  const sel = selectMembers(name, states({ 'a/m1': { weight: 5 } }), { random: () => 0.5, variant: 0, family: 4 });
  t.regex(formatTrace(describeDecision(sel.decision)).join('\n'), /a\/m1 192\.0\.2\.1 up w=5 \(configured 100\)/);
});
