/**
 * Cache-miss cost of balanced answers, before and after the decision-core change, in one run: the
 * pure resolver of a base commit (extracted with `git archive` into bench/.base/<commit>/) and of
 * the working tree, each over its own copy of the resolver test fixture (a relay zone with a
 * round-robin name over two tiers, a weighted name, and an MX binding with its additional data).
 * Rounds alternate between the two trees; prints the median ns per resolve() of each query and
 * the ratio after/before. This is what the answer cache pays to build one ring slot.
 *
 *   node --import=tsx bench/decision-core.ts [--base 2e7a69c] [--rounds 7] [--calls 40000]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const BASE = flag('base', '2e7a69c');
const ROUNDS = Number(flag('rounds', '7'));
const CALLS = Number(flag('calls', '40000'));

const root = fileURLToPath(new URL('..', import.meta.url));
const baseDir = join(root, 'bench', '.base', BASE);
if (!existsSync(join(baseDir, 'src'))) {
  mkdirSync(baseDir, { recursive: true });
  // Inside the repository, so the base tree's imports find the same node_modules.
  execFileSync('sh', ['-c', `git -C "${root}" archive "${BASE}" src test | tar -x -C "${baseDir}"`]);
}

interface Tree {
  label: string;
  resolve: (q: { name: string; type: number; class: number }, snapshot: unknown, variant?: number) => { answer: unknown[] };
  snapshot: unknown;
}

async function load(label: string, dir: string): Promise<Tree> {
  const { resolve } = await import(join(dir, 'src/dns/resolve.ts'));
  const fixtures = await import(join(dir, 'test/unit/dns/resolve-balanced-fixtures.ts'));
  const helpers = await import(join(dir, 'test/helpers/balanced-zone.ts'));
  // One member of the primary tier down: a degraded answer, the common case a miss is built for.
  const snapshot = helpers.snapshotWith(fixtures.relayZone(), { 'a/a2': 'down' }, 7, [...fixtures.POOL_A, ...fixtures.POOL_B, fixtures.w1, fixtures.w2]);
  return { label, resolve, snapshot };
}

const trees = [await load(`before (${BASE})`, baseDir), await load('after (working tree)', root)];
const queries = [
  { label: 'balanced A (round-robin, 2 tiers)', q: { name: 'smtp.relay.example.com', type: 1, class: 1 } },
  { label: 'balanced A (weighted)', q: { name: 'weighted.relay.example.com', type: 1, class: 1 } },
  { label: 'MX + additional (binding)', q: { name: 'relay.example.com', type: 15, class: 1 } },
];

function measure(tree: Tree, q: (typeof queries)[number]['q']): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink += tree.resolve(q, tree.snapshot, i & 31).answer.length;
  const ns = Number(process.hrtime.bigint() - start) / CALLS;
  if (sink === 0) throw new Error('no answers');
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const tree of trees) for (const { q } of queries) measure(tree, q); // warm up both JITs
const samples = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? trees : [...trees].reverse();
  for (const tree of order) {
    for (const { label, q } of queries) {
      const key = `${tree.label}|${label}`;
      samples.set(key, [...(samples.get(key) ?? []), measure(tree, q)]);
    }
  }
}
console.log(`resolve() cache-miss cost, median of ${ROUNDS} alternating rounds × ${CALLS} calls (ring slots 0–31)`);
console.log('| query | before ns | after ns | after/before |');
console.log('|---|---|---|---|');
for (const { label } of queries) {
  const before = median(samples.get(`${trees[0]!.label}|${label}`)!);
  const after = median(samples.get(`${trees[1]!.label}|${label}`)!);
  console.log(`| ${label} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${(after / before).toFixed(2)} |`);
}
