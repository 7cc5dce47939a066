/** The one weight composition (pool/weight.ts): factors in, weight, serving weight and exclusion out. */
import test from 'ava';
import { composeWeight, exclusionOf, type Exclusion } from '../../../src/pool/weight.ts';
import { m, states, type StateSpec } from './fixture.ts';

interface Row {
  title: string;
  weight: number;
  spec: StateSpec | StateSpec[];
  factors: string[];
  effective: number;
  serving: number;
  exclusion: Exclusion | undefined;
}

const rows: Row[] = [
  { title: 'configured weight, up', weight: 100, spec: 'up', factors: ['configured base 100 configured', 'state scale 1 usable'], effective: 100, serving: 100, exclusion: undefined },
  { title: 'not yet probed counts as usable', weight: 40, spec: 'unknown', factors: ['configured base 40 configured', 'state scale 1 usable'], effective: 40, serving: 40, exclusion: undefined },
  { title: 'down: state 0', weight: 100, spec: 'down', factors: ['configured base 100 configured', 'state scale 0 down'], effective: 0, serving: 100, exclusion: 'down' },
  { title: 'drained although up: the override wins', weight: 100, spec: ['up', 'drained'], factors: ['configured base 100 configured', 'state scale 0 drained'], effective: 0, serving: 100, exclusion: 'drained' },
  { title: 'quarantined and down: the override is the reason', weight: 100, spec: ['down', 'quarantined'], factors: ['configured base 100 configured', 'state scale 0 quarantined'], effective: 0, serving: 100, exclusion: 'quarantined' },
  { title: 'operator weight replaces the configured one', weight: 100, spec: { weight: 5 }, factors: ['configured base 100 configured', 'operator base 5 operator-weight', 'state scale 1 usable'], effective: 5, serving: 5, exclusion: undefined },
  { title: 'operator weight lifts a standby', weight: 0, spec: { weight: 30 }, factors: ['configured base 0 configured', 'operator base 30 operator-weight', 'state scale 1 usable'], effective: 30, serving: 30, exclusion: undefined },
  { title: 'configured 0: standby', weight: 0, spec: 'up', factors: ['configured base 0 configured', 'state scale 1 usable'], effective: 0, serving: 0, exclusion: 'standby' },
  { title: 'standby and drained: drained is the reason', weight: 0, spec: 'drained', factors: ['configured base 0 configured', 'state scale 0 drained'], effective: 0, serving: 0, exclusion: 'drained' },
];

for (const row of rows) {
  test(`weight: ${row.title}`, (t) => {
    const member = m('a', 1, { weight: row.weight });
    const w = composeWeight(member, states({ 'a/m1': row.spec })('a/m1'), 0);
    t.deepEqual(w.factors.map((f) => `${f.name} ${f.kind} ${f.value} ${f.reason}`), row.factors);
    t.is(w.weight, row.effective);
    t.is(w.serving, row.serving);
    t.is(exclusionOf(w), row.exclusion);
  });
}
