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
 * flags handed over in its WorkerInit). Node 24 keeps them. The young generation still grows in
 * the moment between a worker isolate's start and that first statement (8–16 MB measured at
 * 10,000 members, run to run), so `serve` also runs `guardYoungGeneration`, which shrinks it back.
 *
 * Contract: `tuneHeap` once, before the answering workers start; `false` from the caller
 * (MXLB_V8_TUNING=0) leaves V8's defaults. `heapFlags()` is what `tuneHeap` set.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

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

/** The young generation's committed bytes (both semi-spaces) above which `guardYoungGeneration` shrinks it. */
export const YOUNG_LIMIT_BYTES = 4 * 1024 * 1024;

export interface YoungGuardOptions {
  /** How often the young generation's size is read (default 5 s). */
  checkMs?: number;
  /** While shrinking: how often it is read again (default 250 ms) and when to give up (default 20 s). */
  pollMs?: number;
  giveUpMs?: number;
  /** For tests: the young generation's committed bytes. */
  youngBytes?: () => number;
  /** For tests: sets a V8 flag. */
  setFlag?: (flag: string) => void;
  onShrink?: (event: { fromBytes: number; toBytes: number; ms: number; ok: boolean }) => void;
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Shrinks the young generation back when it has grown past `YOUNG_LIMIT_BYTES` anyway: on Node 20
 * it grows while an answering worker's isolate starts (the window before the worker's prelude sets
 * `--semi-space-growth-factor` again: 8-16 MB measured at 10,000 members, varying run to run),
 * and V8 shrinks it only in a memory-reducing collection, which its memory reducer starts only
 * at a low allocation rate (never, with probes running) or when `--optimize-for-size` says memory
 * counts. So the guard sets `--optimize-for-size` until the young generation is back at its
 * starting size (about a second; `--semi-space-growth-factor=1` then keeps it there) and clears it
 * again: kept on, it also starts memory-reducing collections all the time, which cost 0.3–0.45
 * more cores while 500 of 10,000 members changed verdict (docs/decisions.md "Scale of members").
 *
 * Contract: reads the size every `checkMs` on an unref'd timer; returns a stop function. After a
 * shrink that did not get below the limit within `giveUpMs` the next attempt waits twice as long
 * (at most 10 min), so a runtime that sizes its young generation itself is not pushed all the time.
 */
export function guardYoungGeneration(options: YoungGuardOptions = {}): () => void {
  const checkMs = options.checkMs ?? 5000;
  const pollMs = options.pollMs ?? 250;
  const giveUpMs = options.giveUpMs ?? 20_000;
  const youngBytes = options.youngBytes ?? newSpaceBytes;
  const setFlag = options.setFlag ?? setFlagsFromString;
  let wait = checkMs;
  let started: { at: number; bytes: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(check, ms);
    timer.unref();
  };
  function check(): void {
    const bytes = youngBytes();
    if (started === undefined) {
      if (bytes <= YOUNG_LIMIT_BYTES) return arm(wait);
      setFlag('--optimize-for-size');
      started = { at: performance.now(), bytes };
      return arm(pollMs);
    }
    const ms = performance.now() - started.at;
    const ok = bytes <= YOUNG_LIMIT_BYTES;
    if (!ok && ms < giveUpMs) return arm(pollMs);
    setFlag('--no-optimize-for-size');
    options.onShrink?.({ fromBytes: started.bytes, toBytes: bytes, ms, ok });
    started = undefined;
    wait = ok ? checkMs : Math.min(wait * 2, 600_000);
    arm(wait);
  }
  arm(checkMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (started !== undefined) setFlag('--no-optimize-for-size');
    started = undefined;
  };
}
