/**
 * src/heap-tuning.ts in a child process (V8 flags are per process): with the settings, a workload
 * whose objects survive scavenges keeps the young generation at its starting size; without them
 * V8 grows it (to 32 MB on Node 20, 128 MB on Node 24 on this machine).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/heap-tuning.ts', import.meta.url));

/** The young generation's size (MB) after the workload, with or without tuneHeap. */
function newSpaceMb(enabled: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { tuneHeap } from ${JSON.stringify(MODULE)};
    const flags = tuneHeap(${enabled});
    if (flags.length !== (${enabled} ? 2 : 0)) throw new Error('flags: ' + flags);
    // A ring of live objects: a third of all allocations survive several scavenges (like probe results).
    const N = 200000, keep = new Array(N);
    for (let i = 0, k = 0; i < 4e6; i++) { const o = { a: i, b: [i] }; if (i % 3 === 0) { keep[k] = o; k = (k + 1) % N; } }
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
  `;
  const run = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}

test('with the heap settings the young generation keeps its starting size; without, V8 grows it', (t) => {
  const tuned = newSpaceMb(true);
  const untuned = newSpaceMb(false);
  t.true(tuned <= 4, `tuned young generation ${tuned} MB`);
  t.true(untuned >= 4 * tuned, `untuned young generation ${untuned} MB vs tuned ${tuned} MB`);
});

/**
 * Node 20 puts `--semi-space-growth-factor` back to 2 when a worker thread's isolate starts
 * (measured: the young generation then grows to 32 MB again); `reapplyHeapFlags` once the thread
 * is online keeps it small. Node 24 keeps the flag, so only the tuned side is asserted.
 */
test('the heap settings survive a worker thread start when re-applied as it comes online', (t) => {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { heapFlags, reapplyHeapFlags, tuneHeap } from ${JSON.stringify(MODULE)};
    tuneHeap(true);
    if (heapFlags().length !== 2) throw new Error('heapFlags: ' + heapFlags());
    const worker = new Worker('setTimeout(() => {}, 100)', { eval: true });
    await new Promise((resolve) => worker.once('online', () => { reapplyHeapFlags(heapFlags()); resolve(); }));
    const N = 200000, keep = new Array(N);
    for (let i = 0, k = 0; i < 4e6; i++) { const o = { a: i, b: [i] }; if (i % 3 === 0) { keep[k] = o; k = (k + 1) % N; } }
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
    await worker.terminate();
  `;
  const run = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  const mb = Number(run.stdout.trim());
  t.true(mb <= 4, `young generation ${mb} MB after a worker started`);
});
