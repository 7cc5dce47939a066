/**
 * V8 heap settings for `mxlb serve`, set from inside the process (node:v8 `setFlagsFromString`;
 * docs/decisions.md "Scale of members" has the measurements). Both flags are read by V8 at every
 * collection, so they take effect after start, unlike `--max-semi-space-size` or
 * `--max-old-space-size`, which are read once when a heap is created:
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps its starting size (1 MB semi-spaces)
 *   instead of doubling whenever many objects survive a scavenge. At 10,000 members probed every
 *   10 s the control plane's young generation grew to 32 MB on Node 20 and 128 MB on Node 24
 *   (V8 sizes its maximum by the machine's memory), all of it resident.
 * - `--heap-growing-percent=30`: a full collection is due once the old generation grew by 30 %
 *   over what survived the last one, instead of V8's factor of up to 4: probe results, health and
 *   history entries live one probe interval, so they are promoted and die old; with the default
 *   factor the old generation held 3–4 times its live data.
 *
 * V8 flags are per process: the answering workers get both too. Node 20 (V8 11.3) puts
 * `--semi-space-growth-factor` back to its minimum of 2 whenever a worker thread's isolate starts
 * (V8 re-applies its flag implications then; measured: the control plane's young generation grew
 * to 32 MB again, and it never shrinks while probes keep it busy), so every answering worker
 * sets them again as its first statement, before its modules load (../dns/worker-source.ts, the
 * flags handed over in its WorkerInit). Node 24 keeps them.
 *
 * Contract: `tuneHeap` once, before the answering workers start; `false` from the caller
 * (MXLB_V8_TUNING=0) leaves V8's defaults. `heapFlags()` is what `tuneHeap` set.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=30'];

let applied: readonly string[] = [];

/** Applies HEAP_FLAGS; returns the flags set (none when `enabled` is false). */
export function tuneHeap(enabled: boolean): readonly string[] {
  if (!enabled) return [];
  reapplyHeapFlags(HEAP_FLAGS);
  applied = HEAP_FLAGS;
  return HEAP_FLAGS;
}

/** The flags `tuneHeap` set in this process (to hand to a worker thread), none before or when off. */
export function heapFlags(): readonly string[] {
  return applied;
}

/** Sets `flags` (again); an answering worker does the same inline before its modules load (../dns/worker-source.ts PRELUDE). */
export function reapplyHeapFlags(flags: readonly string[]): void {
  for (const flag of flags) setFlagsFromString(flag);
}
