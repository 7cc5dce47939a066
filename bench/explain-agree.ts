/**
 * How often `/explain` predicts the exact reply a client then gets, against the real `mxlb serve`
 * probing real MTAs on loopback: before each query, GET /explain for the same name and type and
 * take the rotation `ring.next` names for the client's shape (plain UDP without EDNS, or slot 0);
 * then query and compare the records in order. Pairs whose snapshot version changed in between
 * are not counted (listed as skipped). Names: round-robin with max ≥ members, round-robin with
 * max < members, weighted, and the MX binding; one member stopped half-way so down members count.
 *
 *   node --import=tsx bench/explain-agree.ts [--queries 200]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExplainDocument } from '../src/http/explain-model.ts';
import { ask, flowZoneYaml } from '../test/helpers/flow-zone.ts';
import { startMta } from '../test/helpers/mta.ts';
import { startMxlb } from '../test/helpers/mxlb-process.ts';
import { eventually } from '../test/helpers/poll.ts';

const at = process.argv.indexOf('--queries');
const QUERIES = at >= 0 ? Number(process.argv[at + 1]) : 200;
const ORIGIN = 'agree.test';

const mtas = await Promise.all([1, 2, 3, 4].map((i) => startMta({ host: `127.0.71.${i}` })));
const dir = mkdtempSync(join(tmpdir(), 'mxlb-agree-'));
writeFileSync(join(dir, `${ORIGIN}.yaml`), flowZoneYaml({
  origin: ORIGIN,
  probe: { interval: '300ms', recheck: '100ms' },
  pools: { p: { members: mtas.map((m, i) => ({ name: `m${i + 1}`, address: m.host, port: m.port, weight: (i + 1) * 100 })) } },
  names: { all: { tiers: [['p']] }, two: { tiers: [['p']], max: 2 }, weighted: { tiers: [['p']], policy: 'weighted', max: 2 } },
  mx: { '@': 'all' },
}));
const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
const base = `http://${mxlb.http.host}:${mxlb.http.port}`;
const explain = async (name: string, type: string): Promise<ExplainDocument> =>
  (await (await fetch(`${base}/explain?name=${name}&type=${type}`)).json()) as ExplainDocument;

try {
  await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 20_000, what: 'ready' });
  const rows: string[] = [];
  for (const phase of ['all up', 'm2 stopped']) {
    if (phase === 'm2 stopped') {
      await mtas[1]!.stop();
      await eventually(async () => (await explain(`all.${ORIGIN}`, 'A')).members.length === 3, { timeoutMs: 20_000, what: 'm2 out' });
    }
    for (const [name, type, qtype] of [[`all.${ORIGIN}`, 'A', 1], [`two.${ORIGIN}`, 'A', 1], [`weighted.${ORIGIN}`, 'A', 1], [ORIGIN, 'MX', 15]] as const) {
      let agree = 0;
      let differ = 0;
      let skipped = 0;
      for (let i = 0; i < QUERIES; i++) {
        const doc = await explain(name, type);
        const slot = doc.ring.next.find((n) => n.shape === 'UDP without EDNS')?.slot ?? 0;
        const predicted = doc.ring.rotations[slot]!.records.join(' ');
        const reply = await ask(mxlb.dns[0]!, name, qtype);
        const got = (qtype === 1 ? reply.addresses : reply.mx.map((m) => `${m.preference} ${m.exchange}.`)).join(' ');
        if ((await explain(name, type)).snapshotVersion !== doc.snapshotVersion) skipped++;
        else if (got === predicted) agree++;
        else differ++;
      }
      rows.push(`| ${phase} | ${name} ${type} | ${(await explain(name, type)).ring.slots} | ${agree} | ${differ} | ${skipped} |`);
    }
  }
  console.log(`| members | query | ring slots | replies as predicted | differing | skipped (snapshot changed) |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
} finally {
  await mxlb.stop();
  await Promise.all(mtas.map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
}
