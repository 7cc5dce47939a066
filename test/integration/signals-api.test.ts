/**
 * POST /api/signals through the real `mxlb serve`: token required, a bad batch is refused whole
 * (400 naming index and field, unknown members named), a retried batch is acknowledged without
 * counting twice, and the counts show in /status (`delivery`) and /metrics.
 */
import test from 'ava';
import { serve, setUp, TOKEN } from './admin-setup.ts';
import { eventually } from '../helpers/poll.ts';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function post(base: string, body: unknown, token: string | null = TOKEN): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api/signals`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Delivery = { last15m: Record<string, number>; last1h: Record<string, number> };

async function delivery(base: string, id: string): Promise<Delivery | undefined> {
  const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; delivery?: Delivery }[] }[] }[] };
  return doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === id)?.delivery;
}

test('signals API: validation, idempotent batches, /status and /metrics', async (t) => {
  const setup = await setUp(t, 140);
  const mxlb = await serve(t, setup);
  const base = `http://127.0.0.1:${mxlb.http.port}`;
  await eventually(async () => (await delivery(base, 'primary/mta1')) !== undefined, { timeoutMs: 30_000, what: 'zone served' });

  t.is((await post(base, { batch: 'b0', outcomes: [] }, null)).status, 401);
  t.is((await post(base, { batch: 'b0', outcomes: [] }, 'wrong-token-0000')).status, 401);

  const good = {
    batch: 'host1:1:0-300',
    outcomes: [
      { member: 'primary/mta1', status: 'sent', domain: 'gmail.com', dsn: '2.0.0', delay: 0.4 },
      { member: 'primary/mta1', status: 'sent', domain: 'outlook.com' },
      { member: 'primary/mta1', status: 'deferred', domain: 'gmail.com', dsn: '4.7.28', reply: '421-4.7.28 unusual rate' },
      { member: 'primary/mta2', status: 'bounced', provider: 'yahoo', dsn: '5.7.1' },
    ],
  };
  // A bad record anywhere refuses the whole batch.
  const broken = { ...good, outcomes: [...good.outcomes, { member: 'primary/mta1', status: 'lost' }] };
  const refused = await post(base, broken);
  t.is(refused.status, 400);
  t.like(refused.body, { index: 4, field: 'status' });
  const unknown = await post(base, { batch: 'x', outcomes: [{ member: 'primary/nope', status: 'sent' }, { member: 'other/mta9', status: 'sent' }] });
  t.is(unknown.status, 400);
  t.deepEqual(unknown.body.unknown, ['primary/nope', 'other/mta9']);
  t.is((await post(base, '{"batch": ')).status, 400);
  t.like(await delivery(base, 'primary/mta1'), { last15m: { sent: 0, deferred: 0 } });

  t.deepEqual((await post(base, good)).body, { batch: good.batch, accepted: 4, duplicate: false });
  t.deepEqual((await post(base, good)).body, { batch: good.batch, accepted: 4, duplicate: true });
  t.is((await post(base, { ...good, outcomes: good.outcomes.slice(1) })).status, 409);

  t.like(await delivery(base, 'primary/mta1'), { last15m: { sent: 2, deferred: 1, bounced: 0 }, last1h: { sent: 2, deferred: 1 } });
  t.like(await delivery(base, 'primary/mta2'), { last15m: { bounced: 1, sent: 0 } });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.regex(metrics, /mxlb_delivery_outcomes_total\{member="primary\/mta1",provider="gmail",status="sent"\} 1/);
  t.regex(metrics, /mxlb_delivery_outcomes_total\{member="primary\/mta1",provider="gmail",status="deferred"\} 1/);
  t.regex(metrics, /mxlb_delivery_outcomes_total\{member="primary\/mta1",provider="microsoft",status="sent"\} 1/);
  t.regex(metrics, /mxlb_delivery_outcomes_total\{member="primary\/mta2",provider="yahoo",status="bounced"\} 1/);
});
