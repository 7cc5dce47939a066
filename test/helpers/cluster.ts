/**
 * A real mxlb cluster for tests: one real redis-server (test/helpers/redis.ts), real MTAs on
 * distinct loopback addresses (test/helpers/mta.ts, counting connections), one balanced YAML zone
 * over them, and several real `mxlb serve --redis` processes with fixed instance ids. Everything
 * started here is stopped in the test's teardown.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { ask } from './flow-zone.ts';
import { startMta, type Mta } from './mta.ts';
import { startMxlb, type MxlbProcess } from './mxlb-process.ts';
import { eventually } from './poll.ts';
import { startRedis, type RedisServer } from './redis.ts';

export const ORIGIN = 'relay.test';
export const NAME = `smtp.${ORIGIN}`;
export const TOKEN = 'cluster-token-0123456789abcdef';

export interface ClusterOptions {
  /** Instance ids (default A, B, C). */
  instances?: string[];
  mtas?: number;
  /** First loopback address is 127.0.0.<base+1>. */
  base: number;
  intervalMs?: number;
  recheckMs?: number;
  rise?: number;
  fall?: number;
  /** Extra `mxlb serve` arguments for every instance (e.g. ['--quorum', '2']). */
  args?: string[];
}

export interface TestCluster {
  redis: RedisServer;
  mtas: Mta[];
  /** Running instances by id (a stopped one is removed until started again). */
  nodes: Map<string, MxlbProcess>;
  zonesDir: string;
  intervalMs: number;
  /** Member ids in MTA order: pool/mta1 … */
  members: string[];
  /** Starts (or restarts) instance `id`, optionally over another zones folder; `redisArgs` replace `--redis URL`. */
  start(id: string, zonesDir?: string, redisArgs?: string[]): Promise<MxlbProcess>;
  /** SIGKILL: the instance dies without releasing anything. */
  kill(id: string): Promise<void>;
  /** SIGTERM: clean shutdown. */
  stop(id: string): Promise<void>;
  node(id: string): MxlbProcess;
  /** The addresses `smtp.relay.test A` gets from instance `id` now, sorted. */
  answers(id: string): Promise<string[]>;
  /** Which instance holds the probe lease of `member` (null: none). */
  leaseHolder(member: string): Promise<string | null>;
  /** GET /readyz of instance `id`: status and body. */
  readyz(id: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Writes a zone for these MTAs into a new folder, with another address per member index. */
  zoneVariant(overrides: Record<number, { host: string; port: number }>): string;
}

export function clusterZoneYaml(mtas: readonly { host: string; port: number }[], o: Required<Pick<ClusterOptions, 'intervalMs' | 'recheckMs' | 'rise' | 'fall'>>): string {
  return [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe:',
    `  interval: ${o.intervalMs}ms`,
    `  recheck: ${o.recheckMs}ms`,
    `  rise: ${o.rise}`,
    `  fall: ${o.fall}`,
    'pools:',
    '  pool:',
    '    members:',
    ...mtas.map((m, i) => `      - { name: mta${i + 1}, address: ${m.host}, port: ${m.port} }`),
    'names:',
    '  smtp:',
    '    tiers: [[pool]]',
    '    ttl: 2',
    '',
  ].join('\n');
}

export async function startCluster(t: ExecutionContext, options: ClusterOptions): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-cluster-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const redis = await startRedis();
  const mtas: Mta[] = [];
  const nodes = new Map<string, MxlbProcess>();
  // Teardown runs last-registered first: instances, then MTAs, then Redis.
  t.teardown(() => redis.close());
  t.teardown(() => Promise.all(mtas.map((m) => m.stop())));
  t.teardown(() => Promise.all([...nodes.values()].map((n) => n.stop())));
  const timing = { intervalMs: options.intervalMs ?? 1000, recheckMs: options.recheckMs ?? 250, rise: options.rise ?? 2, fall: options.fall ?? 2 };
  for (let i = 1; i <= (options.mtas ?? 4); i++) mtas.push(await startMta({ host: `127.0.0.${options.base + i}` }));
  let variants = 0;
  const writeZones = (list: { host: string; port: number }[]) => {
    const zonesDir = join(dir, `zones${variants++}`);
    mkdirSync(zonesDir);
    writeFileSync(join(zonesDir, `${ORIGIN}.yaml`), clusterZoneYaml(list, timing));
    return zonesDir;
  };
  const zonesDir = writeZones(mtas);
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, `ops ${TOKEN}\n`, { mode: 0o600 });

  const node = (id: string) => {
    const found = nodes.get(id);
    if (!found) throw new Error(`instance ${id} is not running`);
    return found;
  };
  const cluster: TestCluster = {
    redis,
    mtas,
    nodes,
    zonesDir,
    intervalMs: timing.intervalMs,
    members: mtas.map((_, i) => `pool/mta${i + 1}`),
    async start(id, zones = zonesDir, redisArgs = ['--redis', redis.url]) {
      const args = ['--zones', zones, '--state-file', '', ...redisArgs, '--instance-id', id, '--admin-token-file', tokenFile, ...(options.args ?? [])];
      const mxlb = await startMxlb(args, { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '', MXLB_REDIS: '' } });
      nodes.set(id, mxlb);
      return mxlb;
    },
    async kill(id) {
      const mxlb = node(id);
      nodes.delete(id);
      const exited = new Promise((resolve) => mxlb.child.once('exit', resolve));
      mxlb.child.kill('SIGKILL');
      await exited;
    },
    async stop(id) {
      const mxlb = node(id);
      nodes.delete(id);
      await mxlb.stop();
    },
    node,
    async answers(id) {
      const reply = await ask(node(id).dns[0]!, NAME, 1);
      return reply.addresses.sort();
    },
    async leaseHolder(member) {
      const holder = await redis.cli('GET', `mxlb:lease:${member}`);
      return holder === '' ? null : holder;
    },
    async readyz(id) {
      const { host, port } = node(id).http;
      const response = await fetch(`http://${host}:${port}/readyz`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    zoneVariant(overrides) {
      return writeZones(mtas.map((m, i) => overrides[i] ?? { host: m.host, port: m.port }));
    },
  };
  for (const id of options.instances ?? ['A', 'B', 'C']) await cluster.start(id);
  return cluster;
}

/** Waits until every running instance answers exactly `expected` (sorted addresses). */
export async function allAnswer(cluster: TestCluster, expected: string[], timeoutMs = 15_000): Promise<void> {
  const want = [...expected].sort().join(',');
  await eventually(
    async () => {
      for (const id of cluster.nodes.keys()) if ((await cluster.answers(id)).join(',') !== want) return false;
      return true;
    },
    { timeoutMs, intervalMs: 20, what: `every instance answering ${want}` },
  );
}
