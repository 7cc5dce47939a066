/**
 * CPU affinity of the answering threads (`serve --answer-cpus`, docs/operations.md "CPU
 * affinity"): the answering workers run only on the CPUs given, every other thread of the process
 * (the control plane, V8's platform and GC threads, libuv's pool) only on the rest.
 *
 * Why: nice values (./thread-priority.ts) weigh CPU time but do not preempt. Linux's EEVDF
 * scheduler lets a running thread finish its protected slice (about 1.5 ms on 2 CPUs) before a
 * woken thread of the same policy runs, so an answering thread that shares a CPU with a busy
 * control plane (a zone parse, 50 clients polling /status) waits up to that long per query
 * (docs/benchmarks.md "bench:abuse"). On a CPU of its own it never waits for the control plane.
 * This is what Knot (`cpu-affinity`) and NSD (`cpu-affinity`, `server-N-cpu-affinity`) offer.
 *
 * Contract: `affinityPlan` checks the lists against the CPUs this process may use (an outer
 * `taskset`, systemd `CPUAffinity=` or cpuset) and fills in the control CPUs; it throws
 * MxlbError('usage') naming the flag. `pinThreads` applies a plan to every thread that exists now;
 * `pinThread` to one (a restarted answering worker: a new thread inherits its creator's mask, the
 * control plane's). Linux only: Node has no sched_setaffinity(2), so each thread is pinned by
 * util-linux `taskset -p -c LIST TID` (per-thread affinity takes a thread id).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseCpuList, type CpuAffinity } from '../config.ts';
import { MxlbError } from '../errors.ts';
import { threadIds } from './thread-priority.ts';

/** The CPUs each side runs on. */
export interface AffinityPlan {
  answering: readonly number[];
  control: readonly number[];
}

/** The CPUs this process may run on (Linux `Cpus_allowed_list`); undefined elsewhere. */
export function allowedCpus(status = (): string => readFileSync('/proc/self/status', 'utf8')): number[] | undefined {
  try {
    const line = /^Cpus_allowed_list:\s*(\S+)/m.exec(status());
    return line ? parseCpuList(line[1]!, 'Cpus_allowed_list') : undefined;
  } catch {
    return undefined;
  }
}

/** `1,2,3,5` → `1-3,5`: the form taskset(1) takes and /status shows. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(i === j ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The plan for `requested` on a process allowed `allowed` (undefined: not Linux). Throws MxlbError('usage'). */
export function affinityPlan(requested: CpuAffinity, allowed: readonly number[] | undefined): AffinityPlan {
  if (!allowed) throw new MxlbError('usage', '--answer-cpus needs Linux (per-thread CPU affinity through /proc and taskset)');
  const may = new Set(allowed);
  const outside = (cpus: readonly number[]) => cpus.filter((cpu) => !may.has(cpu));
  const allowedText = formatCpuList(allowed);
  if (outside(requested.answering).length > 0) throw new MxlbError('usage', `--answer-cpus ${formatCpuList(requested.answering)}: this process may only use CPUs ${allowedText}`);
  const control = requested.control ?? allowed.filter((cpu) => !requested.answering.includes(cpu));
  if (control.length === 0) throw new MxlbError('usage', `--answer-cpus ${formatCpuList(requested.answering)} leaves no CPU for the control plane (allowed: ${allowedText}); give --control-cpus, which may overlap`);
  if (outside(control).length > 0) throw new MxlbError('usage', `--control-cpus ${formatCpuList(control)}: this process may only use CPUs ${allowedText}`);
  return { answering: requested.answering, control };
}

/** Pins one thread of this process to `cpus`; rejects with taskset's reason. */
export function pinThread(tid: number, cpus: readonly number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-p', '-c', formatCpuList(cpus), String(tid)], { timeout: 5000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'taskset not found (Debian/Ubuntu: util-linux; RHEL: util-linux-core)' : String(stderr).trim() || error.message;
      reject(new MxlbError('cpu-affinity', `could not pin thread ${tid} to CPUs ${formatCpuList(cpus)}: ${why}`));
    });
  });
}

/**
 * Pins every thread of this process: `answeringTids` to the answering CPUs, the rest to the
 * control CPUs. A thread that ended meanwhile is skipped; any other failure rejects.
 */
export async function pinThreads(plan: AffinityPlan, answeringTids: ReadonlySet<number>): Promise<{ answering: number; control: number }> {
  const tids = threadIds();
  const live = new Set(tids);
  for (const tid of answeringTids) if (!live.has(tid)) throw new MxlbError('cpu-affinity', `answering thread ${tid} is not a thread of this process`);
  const results = await Promise.allSettled(tids.map((tid) => pinThread(tid, answeringTids.has(tid) ? plan.answering : plan.control)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' && threadExists(tids[i]!) ? [r.reason as Error] : []));
  if (failed.length > 0) throw failed[0]!;
  return { answering: answeringTids.size, control: tids.length - answeringTids.size };
}

function threadExists(tid: number): boolean {
  try {
    readFileSync(`/proc/self/task/${tid}/stat`);
    return true;
  } catch {
    return false;
  }
}
