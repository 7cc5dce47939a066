/**
 * `serve --workers N` through the real `mxlb serve` (issue 15 item 2): two answering workers on
 * the same loopback addresses share the queries (SO_REUSEPORT, Node ≥ 22.12), their counters add
 * up in /status and /metrics, and a worker killed by an uncaught error (the test-only
 * MXLB_TEST_CRASH_QNAME) is restarted with the last snapshot while the other keeps answering.
 * On Node 20 without the batched-UDP addon (no reusePort in dgram and net) the same flags give one
 * worker, said in the log and /status (test/integration/udp-batched.test.ts starts that case), and the
 * restart still brings answers back. Every loop is bounded in count and time. Serial: each test
 * starts a server with two answering threads, and four at once overloaded the shared 2-core machine.
 */
import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supportsReusePort, type DnsWorkersStatus } from '../../src/dns/index.ts';
import { findNativeUdp } from '../../src/dns/index.ts';
import { buildQuery, parseReply, replyHeader, udpExchange } from '../helpers/dns-client.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { parseProm, sumOf } from '../helpers/prom-parse.ts';

const EXAMPLES = new URL('../../zones/', import.meta.url);
// The addon sets SO_REUSEPORT itself, so with it Node 20 shares the port too.
const SHARED = supportsReusePort() || findNativeUdp().path !== undefined;
const CRASH = 'ns1.relay.example.com';

/** Each test's zones folder. */
const dirs = new WeakMap<object, string>();

async function serve(t: { teardown(fn: () => unknown): void }, env: NodeJS.ProcessEnv = {}, zones = ['relay.example.com.zone']): Promise<MxlbProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-workers-'));
  dirs.set(t, dir);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const zone of zones) cpSync(new URL(zone, EXAMPLES), join(dir, zone));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--workers', '2'], { env });
  t.teardown(() => mxlb.stop());
  return mxlb;
}

async function workers(mxlb: MxlbProcess): Promise<DnsWorkersStatus> {
  const response = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/status`);
  return ((await response.json()) as { dnsWorkers: DnsWorkersStatus }).dnsWorkers;
}

/** One query from a fresh socket (a new source port, so the kernel may pick either worker): NOERROR with an answer, or false. */
async function answered(mxlb: MxlbProcess, name = 'smtp.relay.example.com', timeoutMs = 1000, failures: string[] = []): Promise<boolean> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await udpExchange(host, port, buildQuery({ id: 7, name }), timeoutMs);
  const ok = reply !== null && replyHeader(reply).rcode === 0 && replyHeader(reply).ancount > 0;
  if (!ok) failures.push(reply === null ? `timeout ${new Date().toISOString()}` : `rcode ${replyHeader(reply).rcode}, ${replyHeader(reply).ancount} answers`);
  return ok;
}

test.serial('--workers 2: both workers answer on one address and their counts add up in /status and /metrics', async (t) => {
  const mxlb = await serve(t);
  const status = await workers(mxlb);
  if (!SHARED) {
    t.like(status, { requested: 2, started: 1, sharing: 'single' });
    t.regex(status.note ?? '', /Node ≥ 22\.12/);
    await mxlb.waitForLog((line) => line.level === 40 && String(line.msg).includes('needs Node ≥ 22.12'));
  } else t.like(status, { requested: 2, started: 2, alive: 2, sharing: 'reuseport' });
  let sent = 0;
  for (let i = 0; i < 64; i++) {
    t.true(await answered(mxlb), `query ${i} answered`);
    sent++;
  }
  const after = await workers(mxlb);
  const perWorker = after.workers.map((w) => w.queries);
  t.log(`queries per worker: ${perWorker.join(' / ')}`);
  // 64 source ports hashed over two sockets: each gets some (all on one: 2 × 2^-64).
  if (SHARED) t.true(perWorker.every((n) => n > 0));
  const total = perWorker.reduce((a, b) => a + b, 0);
  t.is(total, sent);
  const metrics = parseProm(await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/metrics`)).text());
  t.is(sumOf(metrics, 'mxlb_dns_queries_total'), sent);
});

test.serial('a reloaded zone reaches every worker: answers from any source port carry the new record', async (t) => {
  const mxlb = await serve(t);
  const file = join(dirs.get(t)!, 'relay.example.com.zone');
  const { host, port } = mxlb.dns[0]!;
  const address = async (): Promise<string | undefined> => {
    const reply = await udpExchange(host, port, buildQuery({ name: 'smtp.relay.example.com' }), 1000);
    return reply ? parseReply(reply).answers.map((a) => (a as { address?: string }).address).join(' ') : undefined;
  };
  t.regex((await address()) ?? '', /192\.0\.2\.25/);
  const before = Math.max(...(await workers(mxlb)).workers.map((w) => w.snapshotVersion));
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^(smtp\s.*\bA\s+)192\.0\.2\.25$/m, '$1192.0.2.99'));
  mxlb.child.kill('SIGHUP');
  // Until every worker swapped the new zone in (the oldest one is what /status shows)…
  await eventually(async () => (await workers(mxlb)).workers.every((w) => w.snapshotVersion > before), { timeoutMs: 10_000, what: 'every worker on the new snapshot' });
  // …then 32 fresh source ports (both workers, with SO_REUSEPORT) all get the new address.
  for (let i = 0; i < 32; i++) t.regex((await address()) ?? 'no reply', /192\.0\.2\.99/, `query ${i}`);
  const split = (await workers(mxlb)).workers.map((w) => w.queries);
  t.log(`queries per worker: ${split.join(' / ')}`);
});

test.serial('/explain gives the next ring slot of each worker (each has its own answer cache)', async (t) => {
  const mxlb = await serve(t, {}, ['mail.example.net.yaml']);
  const url = `http://${mxlb.http.host}:${mxlb.http.port}/explain?name=smtp.mail.example.net&type=A&client=127.0.0.1`;
  type Explain = { snapshotVersion: number; ring: { slots: number; next: Array<{ shape: string; slot: number }> } };
  // The example members are never up (nothing listens there): fail-open answers rotate over them.
  // Probe verdicts change the snapshot (and restart every ring) in the first seconds: retry until stable.
  const doc = await eventually(async () => {
    const before = (await (await fetch(url)).json()) as Explain;
    for (let i = 0; i < 24; i++) await answered(mxlb, 'smtp.mail.example.net');
    const after = (await (await fetch(url)).json()) as Explain;
    return after.snapshotVersion === before.snapshotVersion && after.ring.next.length >= (SHARED ? 2 : 1) && after;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'ring positions of every worker within one snapshot' });
  t.log(`explain ring: ${doc.ring.slots} slots, next ${JSON.stringify(doc.ring.next)}`);
  t.true(doc.ring.slots > 1);
  const shapes = doc.ring.next.map((n) => n.shape);
  if (SHARED) t.deepEqual(new Set(shapes), new Set(['worker 1/2, UDP without EDNS', 'worker 2/2, UDP without EDNS']));
  else t.deepEqual(shapes, ['UDP without EDNS']);
});

test.serial('a worker killed by an uncaught error is restarted with the last snapshot while answers continue', async (t) => {
  const mxlb = await serve(t, { MXLB_TEST_CRASH_QNAME: CRASH });
  t.true(await answered(mxlb));
  // Background load: a query every 10 ms from a fresh source port, one retry, for at most 20 s.
  let stop = false;
  let queries = 0;
  let firstTryLost = 0;
  let failed = 0;
  let exitedAt: unknown = 0;
  let loadRunning = true;
  /** Why background queries failed (`timeout …`, `rcode 5 …`), for the log. */
  const failures: string[] = [];
  const load = (async () => {
    const until = Date.now() + 20_000;
    while (!stop && Date.now() < until && queries < 20_000) {
      queries++;
      if (await answered(mxlb, undefined, 400, failures)) continue;
      firstTryLost++;
      if (!(await answered(mxlb, undefined, 1000, failures))) failed++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    loadRunning = false;
  })();
  try {
    // One crash query: whichever worker its source port hashes to dies (it gets no reply).
    await udpExchange(mxlb.dns[0]!.host, mxlb.dns[0]!.port, buildQuery({ name: CRASH }), 100);
    const exited = await mxlb.waitForLog((line) => line.msg === 'answering worker exited; restarting it on the same addresses', 10_000);
    const restarted = await mxlb.waitForLog((line) => line.msg === 'answering worker restarted', 15_000);
    exitedAt = exited.time;
    // The background load must still be running once the worker is back (it spans the restart).
    t.true(loadRunning, 'the load spans the restart');
    t.log(`restarted ${Number(restarted.time) - Number(exited.time)} ms after the exit`);
    const status = await eventually(async () => {
      const s = await workers(mxlb);
      return s.alive === s.started && s.workers.every((w) => w.snapshotVersion > 0) && s;
    }, { timeoutMs: 10_000, what: 'every worker alive again with a snapshot' });
    t.log(JSON.stringify(status.workers), `exit code ${String(exited.code)}`);
    t.deepEqual(status.workers.map((w) => w.restarts).sort(), SHARED ? [0, 1] : [1], 'exactly one worker died and came back');
    const metrics = parseProm(await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/metrics`)).text());
    t.is(sumOf(metrics, 'mxlb_dns_worker_restarts_total'), 1);
    t.is(sumOf(metrics, 'mxlb_dns_workers', { state: 'alive' }), SHARED ? 2 : 1);
    t.is(sumOf(metrics, 'mxlb_dns_workers', { state: 'requested' }), 2);
    // Answers after the restart, from many source ports: the restarted worker gets its share again.
    const before = status.workers.map((w) => w.queries);
    for (let i = 0; i < 64; i++) t.true(await answered(mxlb), `query ${i} after the restart`);
    const gained = (await workers(mxlb)).workers.map((w, i) => w.queries - before[i]!);
    t.log(`answers per worker after the restart: ${gained.join(' / ')}`);
    if (SHARED) t.true(gained.every((n) => n > 0), 'both workers answer after the restart');
    // Enough background queries to span the crash and the restart (a fast restart is over in < 1 s).
    await eventually(() => queries >= 30, { timeoutMs: 10_000, what: '30 background queries' });
  } finally {
    stop = true;
    await load;
  }
  t.log(`${queries} queries during the crash and restart: ${firstTryLost} lost on the first try, ${failed} after a retry; crash at ${new Date(Number(exitedAt)).toISOString()}; failures: ${failures.join('; ')}`);
  t.true(queries > 20, 'the load ran');
  if (SHARED) t.is(failed, 0, 'the other worker answered throughout');
  // One worker (Node 20): queries fail while it restarts (100 ms backoff + thread start), then answer again.
  else t.true(failed < queries, 'answers came back');
});
