/** /status pages and summaries (src/http/status-page.ts), over a hand-made document. */
import test from 'ava';
import { DEFAULT_LIMIT, parseStatusQuery, selectStatus, withShares, type StatusPage } from '../../../src/http/status-page.ts';
import type { MemberStatus, StatusDocument } from '../../../src/http/status-model.ts';

function doc(perPool: number[]): StatusDocument {
  const member = (pool: string, i: number) => ({ id: `${pool}/m${i}`, effective: i % 3 === 0 ? 'down' : 'up', share: { answers: 0, first: 0, fraction: 0, firstFraction: 0 } }) as unknown as MemberStatus;
  const pools = perPool.map((n, p) => ({ name: `p${p}`, probe: {} as never, members: Array.from({ length: n }, (_, i) => member(`p${p}`, i)) }));
  return {
    server: {} as never,
    totals: { zones: 1, names: 0, pools: pools.length, members: perPool.reduce((a, b) => a + b, 0), byState: {} },
    sharesWindowSeconds: 60,
    answersInWindow: 0,
    zones: [{ origin: 'relay.test', file: 'relay.test.yaml', serial: 1, balanced: true, names: [], mx: [], pools }],
    recentTransitions: [],
  };
}
const q = (text: string) => {
  const query = parseStatusQuery(new URLSearchParams(text));
  if (typeof query === 'string') throw new Error(query);
  return query;
};
const ids = (body: object) => (body as StatusDocument).zones.flatMap((z) => z.pools.flatMap((p) => p.members.map((m) => m.id)));

test('a small document is returned unchanged when nothing is asked', (t) => {
  const small = doc([3, 2]);
  t.is(selectStatus(small, q('')), small);
});

test('a large one is paged by default, and limit/offset walk it in document order across pools', (t) => {
  const large = doc([DEFAULT_LIMIT, 700]);
  const first = selectStatus(large, q('')) as StatusDocument & { page: StatusPage };
  t.deepEqual(first.page, { offset: 0, limit: DEFAULT_LIMIT, members: 1700, returned: DEFAULT_LIMIT, next: DEFAULT_LIMIT });
  const page = selectStatus(large, q('limit=10&offset=995')) as StatusDocument & { page: StatusPage };
  t.deepEqual(ids(page), [...[995, 996, 997, 998, 999].map((i) => `p0/m${i}`), ...[0, 1, 2, 3, 4].map((i) => `p1/m${i}`)]);
  const last = selectStatus(large, q('limit=500&offset=1500')) as StatusDocument & { page: StatusPage };
  t.deepEqual(last.page, { offset: 1500, limit: 500, members: 1700, returned: 200 });
  t.is(ids(last).length, 200);
});

test('zone and pool select; summary counts members by state without listing them', (t) => {
  const d = doc([4, 3]);
  t.deepEqual(ids(selectStatus(d, q('pool=p1'))), ['p1/m0', 'p1/m1', 'p1/m2']);
  t.deepEqual(ids(selectStatus(d, q('zone=other.test'))), []);
  t.deepEqual(ids(selectStatus(d, q('zone=Relay.Test.'))).length, 7);
  const summary = selectStatus(d, q('summary=1')) as { summary: boolean; zones: Array<{ pools: unknown[] }> };
  t.true(summary.summary);
  t.deepEqual(summary.zones[0]!.pools, [{ name: 'p0', members: 4, byState: { down: 2, up: 2 } }, { name: 'p1', members: 3, byState: { down: 1, up: 2 } }]);
});

test('bad parameters are reported', (t) => {
  for (const text of ['limit=0', 'limit=x', 'offset=-1', 'summary=yes', 'page=2', `limit=${10_001}`]) t.is(typeof parseStatusQuery(new URLSearchParams(text)), 'string', text);
});

test('withShares patches the current shares into a reused document', (t) => {
  const d = doc([2]);
  const patched = withShares(d, { windowSeconds: 60, total: 4, members: { 'p0/m1': { answers: 4, first: 4, fraction: 1, firstFraction: 1 } } });
  t.is(patched.answersInWindow, 4);
  t.deepEqual(patched.zones[0]!.pools[0]!.members.map((m) => m.share.answers), [0, 4]);
  t.is(d.zones[0]!.pools[0]!.members[1]!.share.answers, 0, 'the cached document is not changed');
});

test('samples: 1 to 300 probes per member (the history the server keeps); anything else is refused', (t) => {
  t.like(parseStatusQuery(new URLSearchParams('samples=300')), { samples: 300 });
  for (const text of ['samples=0', 'samples=301', 'samples=x']) t.regex(String(parseStatusQuery(new URLSearchParams(text))), /samples must be a whole number from 1 to 300/, text);
});
