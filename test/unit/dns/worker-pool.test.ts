/**
 * `serve --workers N` (src/dns/worker-pool.ts): which Node versions share a port between workers
 * (reusePort for dgram and net: v22.12.0 and v23.1.0 on), how many workers each runtime starts,
 * the `--workers` flag, and the `mxlb status` line.
 */
import test from 'ava';
import { availableParallelism } from 'node:os';
import { workersLine } from '../../../src/cli/status.ts';
import { serveConfig } from '../../../src/config.ts';
import { supportsReusePort, workerPlan, type DnsWorkersStatus } from '../../../src/dns/index.ts';

test('reusePort: Node 22.12+, 23.1+, 24 and later; not 20, 22.11 or 23.0', (t) => {
  for (const v of ['22.12.0', '22.22.1', '23.1.0', '24.0.0', '24.22.3', '26.1.0']) t.true(supportsReusePort(v), v);
  for (const v of ['18.20.0', '20.20.2', '21.7.3', '22.11.0', '23.0.0']) t.false(supportsReusePort(v), v);
});

test('workerPlan: N workers with reusePort where supported; one, with the reason, on Node 20', (t) => {
  t.deepEqual(workerPlan(1, '24.22.3'), { count: 1, reusePort: false });
  t.deepEqual(workerPlan(4, '24.22.3'), { count: 4, reusePort: true });
  const old = workerPlan(4, '20.20.2');
  t.like(old, { count: 1, reusePort: false });
  t.regex(old.note ?? '', /--workers 4 needs Node ≥ 22\.12 or the batched-UDP addon .*Node 20\.20\.2 answers with one worker/);
  // The addon sets SO_REUSEPORT itself: every worker on Node 20 too.
  t.deepEqual(workerPlan(4, '20.20.2', true), { count: 4, reusePort: true });
  t.deepEqual(workerPlan(1, '20.20.2', true), { count: 1, reusePort: false });
  // One worker asked: nothing to explain on any runtime.
  t.is(workerPlan(1, '20.20.2').note, undefined);
});

test('--workers: 1 to 256, MXLB_WORKERS, default the number of CPUs', (t) => {
  t.is(serveConfig({}, {}).workers, Math.max(1, availableParallelism()));
  t.is(serveConfig({ workers: 3 }, {}).workers, 3);
  t.is(serveConfig({}, { MXLB_WORKERS: '5' }).workers, 5);
  t.is(serveConfig({ workers: 2 }, { MXLB_WORKERS: '5' }).workers, 2);
  for (const bad of [0, -1, 1.5, 257, Number.NaN]) t.throws(() => serveConfig({ workers: bad }, {}), { message: /--workers must be a whole number from 1 to 256/ });
  t.throws(() => serveConfig({}, { MXLB_WORKERS: 'many' }), { message: /--workers/ });
  // The crash trigger is read from the environment only, never a flag.
  t.is(serveConfig({}, {}).testCrashQname, undefined);
  t.is(serveConfig({}, { MXLB_TEST_CRASH_QNAME: 'x.example' }).testCrashQname, 'x.example');
});

test('mxlb status: workers alive, restarts, queries per worker, and why fewer than asked', (t) => {
  const two: DnsWorkersStatus = {
    requested: 2, started: 2, alive: 1, sharing: 'reuseport', udp: 'batched',
    workers: [{ index: 1, alive: true, restarts: 0, snapshotVersion: 7, queries: 120 }, { index: 2, alive: false, restarts: 1, snapshotVersion: 7, queries: 80 }],
  };
  t.is(workersLine(two), 'dns: 1 of 2 answering worker(s) alive (SO_REUSEPORT), 1 restart(s), 1 restarting; queries 120 / 80; UDP in batches');
  const node20: DnsWorkersStatus = { requested: 2, started: 1, alive: 1, sharing: 'single', udp: 'dgram', udpNote: 'turned off (MXLB_NATIVE_UDP=0)', note: workerPlan(2, '20.20.2').note!, workers: [{ index: 1, alive: true, restarts: 0, snapshotVersion: 7, queries: 3 }] };
  t.is(workersLine(node20), 'dns: 1 of 1 answering worker(s) alive, 0 restart(s); UDP through dgram: turned off (MXLB_NATIVE_UDP=0)\ndns: fewer workers than asked: --workers 2 needs Node ≥ 22.12 or the batched-UDP addon (SO_REUSEPORT for UDP and TCP; npm run build:native); Node 20.20.2 answers with one worker');
  t.is(workersLine({ ...two, alive: 2, workers: two.workers.map((w) => ({ ...w, alive: true })), cpus: { answering: '1', control: '0' } }), 'dns: 2 of 2 answering worker(s) alive (SO_REUSEPORT), 1 restart(s); queries 120 / 80; on CPUs 1 (control plane 0); UDP in batches');
});
