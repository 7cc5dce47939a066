/**
 * CPU priority of the control plane thread versus the answering threads (Linux: nice is per
 * thread, and a new thread inherits its creator's). The control plane lowers its own priority once
 * the answering workers exist, so a zone parse or a burst of HTTP requests yields a shared core to
 * the answers (CFS: nice 5 weighs about a third of nice 0). A worker restarted later would inherit
 * the lowered priority; `atAnsweringPriority` raises the control plane back for the moment of the
 * thread's creation when the system allows it (root, CAP_SYS_NICE, or RLIMIT_NICE such as
 * systemd's `LimitNICE=+0`), else the restarted worker runs at the control plane's priority.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The priority answering threads are created at: the process's own before it was lowered. */
let answering: number | undefined;

/**
 * Lowers the calling (control plane) thread by `by` nice steps, and with it every other thread of
 * the process but the answering ones (`answeringTids`): V8's platform threads and libuv's pool were
 * created at start at full priority, and they do the control plane's garbage collection (a
 * 200,000-record zone parse allocates over a gigabyte) and file reads. Threads it creates later
 * inherit the lowered priority. False where the platform refuses.
 */
export function lowerControlPlane(by: number, answeringTids: ReadonlySet<number> = new Set()): boolean {
  try {
    const now = getPriority();
    answering ??= now;
    setPriority(Math.min(19, now + by));
  } catch {
    return false;
  }
  for (const tid of otherThreads()) {
    if (answeringTids.has(tid)) continue;
    try {
      setPriority(tid, Math.min(19, getPriority(tid) + by));
    } catch {
      // A thread that ended meanwhile, or a platform without per-thread priorities.
    }
  }
  return true;
}

/** The process's threads other than the calling one (Linux /proc/self/task; none elsewhere). */
function otherThreads(): number[] {
  return threadIds().filter((tid) => tid !== process.pid);
}

/** Every thread of this process by kernel thread id (Linux /proc/self/task; none elsewhere). */
export function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}

/** Runs `create` (which starts a thread) at the answering priority when it can be restored. */
export function atAnsweringPriority<T>(create: () => T): T {
  let lowered: number | undefined;
  try {
    const now = getPriority();
    if (answering !== undefined && now > answering) {
      setPriority(answering);
      lowered = now;
    }
  } catch {
    // EACCES without the right to raise a priority: the thread inherits the lowered one.
  }
  try {
    return create();
  } finally {
    if (lowered !== undefined) {
      try {
        setPriority(lowered);
      } catch {
        // Lowering one's own priority is always allowed; nothing to do if even that fails.
      }
    }
  }
}
