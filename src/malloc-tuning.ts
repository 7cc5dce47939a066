/**
 * glibc malloc settings for `mxlb serve`, set through the native addon (native/udp-batch.c
 * `tuneMalloc`, `trimMalloc`; docs/decisions.md "Scale of members" has the measurements).
 *
 * Why: at 10,000 members probed every 10 s the control plane opens and closes about 1,000 SMTP
 * connections a second. Each read allocates a 64 KB buffer in C and frees it moments later, from
 * several threads. With glibc's defaults those blocks come from one arena per thread (up to 8 per
 * core), and the arenas keep the freed pages, about 15 MB more resident than the data needs:
 *
 * - `M_ARENA_MAX` 2: threads share two arenas instead of up to 16 on this machine.
 * - `M_MMAP_THRESHOLD` 64 KB: the 64 KB read buffers are mapped on their own and unmapped when
 *   freed instead of fragmenting an arena (glibc's default starts at 128 KB and rises to 32 MB
 *   after the first such block is freed).
 * - `M_TRIM_THRESHOLD` 128 KB: free memory at the top of an arena goes back at 128 KB, not 32 MB.
 * - `malloc_trim(0)` every `trimEveryMs`: gives back the free pages inside the arenas too.
 *
 * These are the environment's MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_
 * applied from inside, which a package's start command cannot set. Without glibc (musl) or without
 * the addon nothing changes. `MXLB_MALLOC_TUNING=0` leaves glibc's defaults.
 *
 * Contract: `tuneMalloc` once in the control plane, before the answering workers start; returns
 * what was applied (logged) and a stop function for the trim timer (unref'd).
 */
import type { NativeUdp } from './dns/index.ts';

export const MALLOC_SETTINGS = { arenaMax: 2, mmapThresholdBytes: 64 * 1024, trimThresholdBytes: 128 * 1024 } as const;

/** How often free arena pages go back to the system (malloc_trim(0) took 0.2-0.8 ms at 10,000 members, measured). */
export const TRIM_EVERY_MS = 10_000;

export interface MallocTuning {
  /** Whether glibc took the settings; when not, why. */
  applied: boolean;
  reason?: string;
  stop(): void;
}

export function tuneMalloc(addon: Pick<NativeUdp, 'tuneMalloc' | 'trimMalloc'> | undefined, enabled: boolean, trimEveryMs: number = TRIM_EVERY_MS): MallocTuning {
  const none = (reason: string): MallocTuning => ({ applied: false, reason, stop: () => undefined });
  if (!enabled) return none('turned off (MXLB_MALLOC_TUNING=0)');
  if (!addon) return none('the native addon is not built');
  if (typeof addon.tuneMalloc !== 'function') return none('the native addon predates tuneMalloc (run: npm run build:native)');
  const { arenaMax, mmapThresholdBytes, trimThresholdBytes } = MALLOC_SETTINGS;
  if (!addon.tuneMalloc(arenaMax, mmapThresholdBytes, trimThresholdBytes)) return none('not glibc');
  const timer = setInterval(() => addon.trimMalloc(), trimEveryMs);
  timer.unref();
  return { applied: true, stop: () => clearInterval(timer) };
}
