/** `mxlb status` layout (pure): tables within 100 columns, states, details, colour only on request. */
import test from 'ava';
import { formatStatus } from '../../../src/cli/status.ts';
import { buildStatus } from '../../../src/http/status-model.ts';
import { inputs } from '../http/status-fixture.ts';

const doc = buildStatus(inputs());

test('plain layout: header, tiers, answers per family, a row per member with its detail below', (t) => {
  const text = formatStatus(doc, 'http://127.0.0.1:8053');
  t.regex(text, /^mxlb 9\.9\.9 at http:\/\/127\.0\.0\.1:8053: up 1m30s, snapshot 42, store memory ok\n/);
  t.regex(text, /1 zone\(s\), 1 balanced name\(s\), 4 member\(s\): 2 up, 1 down, 1 drained\n2 balanced answer\(s\) in the last 60 s/);
  t.regex(text, /zone error: bad\.zone:3: unknown type FOO/);
  // Tier 0 serves neither family: A comes from tier 1, and AAAA is NODATA (its only IPv6 member is
  // drained while IPv4 members serve, pool/plan.ts rule 4).
  t.regex(text, /tier 0 \[a\] {2}1\/3 healthy, min 2\n {4}tier 1 \[b\] {2}1\/1 healthy, min 1 {2}serving/);
  t.regex(text, /AAAA → nodata {2}degraded: .*no usable IPv6 member/);
  t.regex(text, /A {4}→ tier 1: b\/b1 {2}degraded: .*backup tier 1 in use/);
  t.regex(text, /a\/a1 +192\.0\.2\.1 +up +1m +100 +12\.5 ms ok +100%\n/);
  t.regex(text, /a\/a2 +192\.0\.2\.2 +down +2s +100 +0\.3 ms connect-refused +-\n +↳ connect ECONNREFUSED 192\.0\.2\.2:25\n/);
  t.regex(text, /a\/a6 +2001:db8::6 +drained \(up\) +- +100 +- +-\n +↳ drained by alice: maintenance\n/);
  t.regex(text, /b\/b1 +198\.51\.100\.1 +up +1h +10 \(50\) +- +100%\n +↳ weight by bob: ramp\n/);
  t.regex(text, /recent transitions \(newest first\):\n {2}2026-11-25 11:59:58Z {2}a\/a2 {2}up → down {2}2 consecutive failures/);
  t.true(text.split('\n').every((line) => line.length <= 100), 'fits 100 columns');
  t.false(text.includes('\u001b['));
});

test('colour marks states when asked, without changing the text', (t) => {
  const colored = formatStatus(doc, 'http://x', true);
  t.true(colored.includes('\u001b[31mdown\u001b[0m'));
  t.true(colored.includes('\u001b[33mdrained (up)\u001b[0m'));
  // eslint-disable-next-line no-control-regex
  t.is(colored.replace(/\u001b\[\d+m/g, ''), formatStatus(doc, 'http://x', false));
});

test('cluster mode: one line with the instance, Redis and how probing is shared', (t) => {
  const cluster = { instanceId: 'ns1', redis: 'redis://10.0.0.9:6379', connected: true, probing: 'leases' as const, quorum: 0, leases: { mode: 'leases' as const, held: 2, members: 4, liveInstances: 2, fairShare: 2 } };
  const text = formatStatus({ ...doc, cluster } as typeof doc, 'http://x');
  t.regex(text, /\ncluster: instance ns1, redis redis:\/\/10\.0\.0\.9:6379 connected\nprobing: leases \(leases\), 2 of 4 member\(s\) probed here, 2 live instance\(s\)\n/);
  t.true(text.split('\n').every((line) => line.length <= 100));
  const lost = formatStatus({ ...doc, cluster: { ...cluster, connected: false } } as typeof doc, 'http://x');
  t.regex(lost, /redis redis:\/\/10\.0\.0\.9:6379 UNREACHABLE: last snapshot served\n/);
});
