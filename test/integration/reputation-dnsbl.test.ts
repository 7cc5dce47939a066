/**
 * A DNSBL listing takes a member out of the answers through the real server: Debian's rbldnsd on
 * loopback lists one MTA's address; after `confirm` lookups the reputation model quarantines it
 * (author `mxlb reputation`, the list, code and TXT reason as the reason) and it leaves A and MX
 * answers; after delisting, `clear` lookups and the hold, it comes back by itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { answers, mxHosts, ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { eventually } from '../helpers/poll.ts';
import { startRbldnsd } from '../helpers/rbldnsd.ts';

const BL = ':127.0.0.2:Listed by bl.test, see https://bl.test/lookup?ip=$\n127.0.0.2\n';

test('listed on a DNSBL: out of A and MX after confirm lookups, back after delisting and the hold', async (t) => {
  const setup = await setUp(t, 180);
  const listed = setup.mtas[0]!.host;
  const bl = await startRbldnsd({ 'bl.test': BL }, { checkSeconds: 1 });
  t.teardown(() => bl.stop());
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zoneYaml(setup.mtas).replace('pools:\n', [
    'reputation:',
    '  hold: 2s',
    '  cool-down: 1s',
    '  dnsbl:',
    `    resolver: ${bl.resolver}`,
    '    interval: 1s',
    '    recheck: 200ms',
    '    timeout: 500ms',
    '    confirm: 2',
    '    clear: 2',
    '    lists: [{ zone: bl.test }]',
    'pools:',
    '',
  ].join('\n')));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all members served' });
  const mxAll = await mxHosts(mxlb);
  t.is(mxAll.length, 3);

  await bl.setZone('bl.test', `${BL}${listed}\n`);
  const started = Date.now();
  await eventually(async () => !(await answers(mxlb)).includes(listed), { timeoutMs: 20_000, what: 'the listed member out of A answers' });
  t.log(`out of the answers ${Date.now() - started} ms after the listing was published (rbldnsd re-reads every 1 s, interval 1 s, confirm 2)`);
  t.is((await mxHosts(mxlb)).length, 2, 'and out of the MX answer');
  const doc = (await (await fetch(`${base}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { zones: { pools: { members: { id: string; override?: { author: string; reason: string }; reputation?: { level: string } }[] }[] }[] };
  const m = doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((x) => x.id === 'primary/mta1')!;
  t.is(m.override?.author, 'mxlb reputation');
  t.is(m.override?.reason, `dnsbl bl.test 127.0.0.2: Listed by bl.test, see https://bl.test/lookup?ip=${listed}`);
  t.is(m.reputation?.level, 'quarantined');

  await bl.setZone('bl.test', BL);
  const delisted = Date.now();
  await eventually(async () => (await answers(mxlb)).includes(listed), { timeoutMs: 20_000, what: 'the member back after delisting' });
  t.log(`back ${Date.now() - delisted} ms after delisting (clear 2, hold 2 s)`);
  t.is((await mxHosts(mxlb)).length, 3);
});
