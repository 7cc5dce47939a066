/**
 * /explain's ring positions for a name with client views (docs/http-api.md "/explain"): the answer
 * cache keeps one rotation ring per view, and `/explain?client=&subnet=` shows the ring of the
 * explained client's view — not another view's, not nothing. Member host names answer the same for
 * every client (ECS scope 0). Real server, real SMTP servers, dig from several loopback source
 * addresses (-b) and with +subnet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const NAME = 'smtp.relay.example.com';
const SHAPE = 'UDP with EDNS (payload ≥ 1232)';

function zone(east: Mta[], west: Mta[]): string {
  const members = (list: Mta[], prefix: string) => list.map((m, i) => `{name: ${prefix}${i + 1}, address: ${m.host}, port: ${m.port}}`).join(', ');
  return `
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
  ns1 300 IN A 127.0.0.1
probe: {interval: 1h, rise: 1}
views:
  dc-east: [10.1.0.0/16, 127.0.0.2/32]
  dc-west: [10.2.0.0/16, 127.0.0.3/32]
pools:
  east: {members: [${members(east, 'e')}]}
  west: {members: [${members(west, 'w')}]}
names:
  smtp:
    tiers: [[east, west]]
    views:
      dc-east: {tiers: [[east], [west]]}
      dc-west: {tiers: [[west], [east]]}
`;
}

interface Explained {
  snapshotVersion: number;
  members: string[];
  ring: { slots: number; next: Array<{ shape: string; slot: number }> };
  clientNote: string;
}

test('/explain shows the ring of the explained client\'s view', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-views-ring-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mtas: Mta[] = [];
  t.teardown(() => Promise.all(mtas.map((m) => m.stop())));
  for (const host of ['127.0.0.45', '127.0.0.46', '127.0.0.47', '127.0.0.48']) mtas.push(await startMta({ host }));
  const [e1, e2, w1, w2] = mtas as [Mta, Mta, Mta, Mta];
  writeFileSync(join(dir, 'relay.example.com.yaml'), zone([e1, e2], [w1, w2]));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', ''], { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '', MXLB_REDIS: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const { host, port } = mxlb.dns[0]!;
  const explain = async (query: string): Promise<Explained> =>
    (await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/explain?name=${NAME}&type=A${query}`)).json()) as Explained;
  // Probes run once an hour: after the first verdicts (rise 1) the snapshot stays as it is.
  const settled = await eventually(async () => { const x = await explain(''); return x.members.length === 4 && !/unknown/.test(JSON.stringify(x)) ? x : false; }, { timeoutMs: 30_000, what: 'all four members up' });
  const version = settled.snapshotVersion;

  const ask = async (n: number, args: string[]) => { for (let i = 0; i < n; i++) t.is((await dig(host, port, [NAME, 'A', ...args])).status, 'NOERROR'); };
  await ask(3, ['-b', '127.0.0.2']); // dc-east: a ring of 2 (e1, e2): next slot 1
  await ask(2, ['-b', '127.0.0.9', '+subnet=10.2.7.0/24']); // dc-west by ECS: a ring of 2: next slot 0
  await ask(3, ['-b', '127.0.0.9']); // no view: a ring of 4: next slot 3

  const next = (x: Explained) => ({ slots: x.ring.slots, slot: x.ring.next.find((n) => n.shape === SHAPE)?.slot });
  const east = await explain('&client=127.0.0.2');
  const west = await explain('&client=127.0.0.9&subnet=10.2.7.0/24');
  const nobody = await explain('&client=127.0.0.9');
  const plain = await explain('');
  const subnetOnly = await explain('&subnet=10.2.7.0/24');
  for (const x of [east, west, nobody, plain, subnetOnly]) t.is(x.snapshotVersion, version, 'the snapshot did not change meanwhile');
  t.regex(east.clientNote, /view "dc-east"/);
  t.regex(west.clientNote, /view "dc-west"/);
  t.deepEqual(next(east), { slots: 2, slot: 1 }, 'dc-east: its own ring, after 3 replies');
  t.deepEqual(next(west), { slots: 2, slot: 0 }, 'dc-west (ECS): its own ring, after 2 replies');
  t.deepEqual(next(nobody), { slots: 4, slot: 3 }, 'no view: the name\'s own ring, after 3 replies');
  t.deepEqual(next(plain), { slots: 4, slot: 3 }, 'without a client: the ring of clients no view holds');
  t.deepEqual(next(subnetOnly), { slots: 2, slot: 0 }, 'subnet alone: a resolver no view holds sending that ECS');
  t.deepEqual((await explain('&client=127.0.0.3')).ring.next, [], 'dc-west by source address: no reply sent to that view yet');

  // Member host names have no views (docs/zone-format.md "Client views"): e1's name answers e1 to
  // a dc-west client too, with ECS scope 0 (the same for every client).
  const hostReply = await dig(host, port, ['e1.relay.example.com', 'A', '-b', '127.0.0.9', '+subnet=10.2.7.0/24']);
  t.deepEqual(hostReply.answer.map((r) => r[4]), [e1.host]);
  t.is(/CLIENT-SUBNET: (\S+)/.exec(hostReply.stdout)?.[1], '10.2.7.0/24/0');
});
