/**
 * `npm run bench:cluster`: how fast a health verdict made by one instance reaches another.
 *
 * A real redis-server, two real `mxlb serve --redis` instances (A and B) and real MTAs on loopback.
 * The MTAs are stopped and started in turn (probe interval 100 ms, rise 1, fall 1) so the instance
 * holding each member's lease changes its verdict again and again. For every verdict change:
 * - store → store: the prober's `member down|up` log line to the other instance's
 *   `remote verdict applied` line (pino timestamps, same machine clock, 1 ms resolution; the
 *   snapshot is rebuilt synchronously right after the latter);
 * - in the answers: the prober's log line to the first UDP answer of the other instance that
 *   reflects the change (a query loop against it, about one query per 0.3 ms).
 * Prints count, median, p90, p99 and max of both. Target (issue 5): p99 under 100 ms on loopback.
 *
 *   npm run bench:cluster -- [--changes 60]
 */
import { ask } from '../test/helpers/flow-zone.ts';
import { startMta, type Mta } from '../test/helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../test/helpers/mxlb-process.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { clusterZoneYaml, NAME, ORIGIN } from '../test/helpers/cluster.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--changes');
const CHANGES = Math.max(50, Number(at >= 0 ? args[at + 1] : 60) || 60);

type Line = Record<string, unknown>;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => `${v.toFixed(1)} ms`;
  return `${name.padEnd(28)} n=${sorted.length}  median ${f(quantile(sorted, 0.5))}  p90 ${f(quantile(sorted, 0.9))}  p99 ${f(quantile(sorted, 0.99))}  max ${f(sorted[sorted.length - 1]!)}`;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-bench-cluster-'));
  const redis = await startRedis();
  const mtas: Mta[] = [];
  const nodes: MxlbProcess[] = [];
  try {
    for (let i = 1; i <= 4; i++) mtas.push(await startMta({ host: `127.0.0.${200 + i}` }));
    writeFileSync(join(dir, `${ORIGIN}.yaml`), clusterZoneYaml(mtas, { intervalMs: 100, recheckMs: 50, rise: 1, fall: 1 }));
    for (const id of ['A', 'B']) {
      nodes.push(await startMxlb(['--zones', dir, '--state-file', '', '--redis', redis.url, '--instance-id', id]));
    }
    const [a, b] = nodes as [MxlbProcess, MxlbProcess];
    const byId = new Map([['A', a], ['B', b]]);
    const members = mtas.map((_, i) => `pool/mta${i + 1}`);

    // Wait until both instances answer all four and leases are spread (2 + 2).
    const holder = async (member: string) => redis.cli('GET', `mxlb:lease:${member}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const holders = await Promise.all(members.map(holder));
      const answers = await Promise.all(nodes.map((n) => ask(n.dns[0]!, NAME, 1)));
      if (holders.includes('A') && holders.includes('B') && answers.every((r) => r.addresses.length === 4)) break;
      if (Date.now() > deadline) throw new Error(`cluster did not settle: holders ${holders.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const storeMs: number[] = [];
    const answerMs: number[] = [];
    let changes = 0;
    for (let round = 0; changes < CHANGES; round++) {
      const index = round % mtas.length;
      const member = members[index]!;
      const mta = mtas[index]!;
      const prober = await holder(member);
      const from = byId.get(prober);
      const to = prober === 'A' ? b : a;
      if (!from) continue; // lease moving between instances right now: pick the next member
      for (const next of ['down', 'up'] as const) {
        const seenFrom = from.logs.length;
        const seenTo = to.logs.length;
        // Watch the other instance's answers from before the change until it shows it.
        let shownAt: number | undefined;
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            const reply = await ask(to.dns[0]!, NAME, 1, 1000).catch(() => undefined);
            const has = reply?.addresses.includes(mta.host);
            if (reply && has === (next === 'up')) {
              shownAt = performance.timeOrigin + performance.now();
              return;
            }
          }
        })();
        if (next === 'down') await mta.stop();
        else await mta.restart();
        const isTransition = (l: Line) => l.member === member && l.msg === `member ${next}`;
        const isApplied = (l: Line) => l.member === member && l.msg === 'remote verdict applied' && l.state === next;
        await until(() => from.logs.slice(seenFrom).some(isTransition), 5000, `${prober} to see ${member} ${next}`);
        await until(() => to.logs.slice(seenTo).some(isApplied), 5000, `the other instance to apply ${member} ${next}`);
        await Promise.race([watcher, new Promise((resolve) => setTimeout(resolve, 2000))]);
        watching = false;
        await watcher;
        const decided = from.logs.slice(seenFrom).find(isTransition)!.time as number;
        const applied = to.logs.slice(seenTo).find(isApplied)!.time as number;
        storeMs.push(applied - decided);
        if (shownAt !== undefined) answerMs.push(Math.max(0, shownAt - decided));
        changes++;
      }
    }
    console.log(`bench:cluster — verdict propagation between two mxlb instances through Redis (${redis.url}), ${changes} changes`);
    console.log(summary('store → other store', storeMs));
    console.log(summary('store → other DNS answer', answerMs));
    const p99 = quantile([...answerMs].sort((x, y) => x - y), 0.99);
    console.log(`target p99 < 100 ms in the answers: ${p99 < 100 ? 'met' : 'NOT met'} (${p99.toFixed(1)} ms)`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(mtas.map((m) => m.stop()));
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
