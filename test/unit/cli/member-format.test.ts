import test from 'ava';
import { age, auditTable, memberTable, table } from '../../../src/cli/member-format.ts';
import type { MemberView } from '../../../src/http/admin-view.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

test('ages keep the two largest units', (t) => {
  t.deepEqual([0, 45_000, 192_000, 7_500_000, 273_600_000].map(age), ['0s', '45s', '3m12s', '2h5m', '3d4h']);
  t.is(age(3_600_000), '1h');
});

test('tables align columns and leave the last one unpadded', (t) => {
  t.is(table(['A', 'BB', 'C'], [['xxx', 'y', 'long last'], ['z', '', '']]), 'A    BB  C\nxxx  y   long last\nz\n');
});

const base: MemberView = {
  id: 'primary/mta1', pool: 'primary', name: 'mta1', address: '192.0.2.1', port: 25, host: 'mta1.relay.test', zone: 'relay.test',
  state: 'up', observed: 'up', since: NOW - 120_000, weight: 100, configuredWeight: 100, cacheSeconds: 30,
};

test('the member table shows state, override and weight overrides readably', (t) => {
  const members: MemberView[] = [
    base,
    { ...base, id: 'primary/mta2', name: 'mta2', address: '2001:db8::2', port: 2525, state: 'drained', since: NOW - 5000,
      override: { kind: 'drained', reason: 'kernel update', author: 'ops (alice@h)', at: NOW - 5000, expiresAt: NOW + 1_800_000 } },
    { ...base, id: 'backup/mta3', pool: 'backup', name: 'mta3', state: 'down', observed: 'down', observedReason: 'banner-421', weight: 5,
      weightOverride: { weight: 5, reason: 'ramp', author: 'ci', at: NOW } },
  ];
  t.is(
    memberTable(members, NOW),
    [
      'MEMBER        POOL     ADDRESS             STATE         WEIGHT  SINCE   OVERRIDE',
      'primary/mta1  primary  192.0.2.1           up            100     2m ago  -',
      'primary/mta2  primary  [2001:db8::2]:2525  drained (up)  100     5s ago  drained: kernel update (by ops (alice@h), until 2026-11-25 12:30:00Z (in 30m))',
      'backup/mta3   backup   192.0.2.1           down          5*      2m ago  weight 5 (configured 100): ramp (by ci); probe: banner-421',
      '',
    ].join('\n'),
  );
  t.is(memberTable([], NOW), 'no members: no balanced zone is loaded\n');
});

test('the audit table says who did what and what it replaced', (t) => {
  const text = auditTable([
    { at: NOW, author: 'ops (alice@h)', action: 'undrain', member: 'primary/mta1', previous: { kind: 'drained', reason: 'kernel update', author: 'ops', at: 0 } },
    { at: NOW - 60_000, author: 'ci', action: 'weight', member: 'primary/mta2', next: { weight: 5, reason: 'ramp', author: 'ci', at: 0 } },
  ]);
  t.is(
    text,
    [
      'TIME                  MEMBER        ACTION   AUTHOR         DETAIL',
      '2026-11-25 12:00:00Z  primary/mta1  undrain  ops (alice@h)  was drained: kernel update',
      '2026-11-25 11:59:00Z  primary/mta2  weight   ci             weight 5; ramp',
      '',
    ].join('\n'),
  );
  t.is(auditTable([]), 'the audit log is empty\n');
});
