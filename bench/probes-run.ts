/**
 * One live run of `npm run bench:probes`: an MTA farm of `members` SMTP responders on loopback,
 * the real `mxlb serve` probing all of them every `intervalMs` (a generated YAML zone, pools of
 * 1,000), then: probe CPU and RSS in steady state; a slice of MTAs stopped (verdicts down) and
 * started again (verdicts up), with each member's verdict delay read from its transition log event
 * (`member down` / `member up`, pino `time`) against the moment the farm closed or reopened its
 * listeners; CPU over each change window too. Everything started here is stopped in `finally`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startMxlb, type MxlbProcess } from '../test/helpers/mxlb-process.ts';
import { startMtaFarm } from '../test/helpers/mta-farm.ts';
import { eventually } from '../test/helpers/poll.ts';
import { memberName, poolName, writeScaleZone } from '../test/helpers/scale-zone.ts';

export interface RunOptions {
  members: number;
  intervalMs: number;
  slice: number;
  /** Steady-state CPU window (ms). */
  windowMs: number;
}

export interface RunResult {
  steadyCpu: number;
  downCpu: number;
  upCpu: number;
  rssMb: number;
  peakRssMb: number;
  /** Verdict delays in intervals, one per member of the slice (Infinity: not seen in time). */
  downDelays: number[];
  upDelays: number[];
  readyMs: number;
}

const TICK = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}

function statusKb(pid: number, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** Process CPU time over wall time while `during` runs (1.0 = one core busy). */
async function cpuDuring(pid: number, during: () => Promise<void>): Promise<number> {
  const ticks = cpuTicks(pid);
  const start = performance.now();
  await during();
  return (cpuTicks(pid) - ticks) / TICK / ((performance.now() - start) / 1000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every id in `ids` has a log line `msg` at or after `since`, or `deadlineMs` passed; returns delays (ms). */
async function transitions(mxlb: MxlbProcess, msg: string, ids: string[], since: number, deadlineMs: number): Promise<number[]> {
  const wanted = new Set(ids);
  const seen = new Map<string, number>();
  let scanned = 0;
  const end = Date.now() + deadlineMs;
  while (seen.size < wanted.size && Date.now() < end) {
    for (; scanned < mxlb.logs.length; scanned++) {
      const line = mxlb.logs[scanned]!;
      const member = line.member as string;
      if (line.msg === msg && wanted.has(member) && (line.time as number) >= since && !seen.has(member)) seen.set(member, (line.time as number) - since);
    }
    await sleep(100);
  }
  return ids.map((id) => seen.get(id) ?? Infinity);
}

/** What a run has started, for `stopEverything` on Ctrl-C (a signal skips `finally`). */
const running = new Set<() => Promise<unknown>>();

/** Stops the MTA farm and mxlb of a run in progress (bench/probes.ts calls it on SIGINT/SIGTERM). */
export async function stopEverything(): Promise<void> {
  await Promise.all([...running].map((stop) => stop().catch(() => undefined)));
}

export async function probeRun(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-probes-'));
  const farm = await startMtaFarm({ count: options.members });
  let mxlb: MxlbProcess | undefined;
  const stop = async () => {
    await mxlb?.stop();
    await farm.close();
  };
  running.add(stop);
  try {
    const interval = options.intervalMs;
    writeScaleZone(dir, {
      origin: 'scale.test',
      members: farm.members,
      poolSize: 1000,
      probe: { interval: `${interval}ms`, recheck: '250ms', jitter: 0.1, rise: 2, fall: 2, ehlo: 'probe.scale.test' },
    });
    const started = Date.now();
    mxlb = await startMxlb([], {
      command: [process.execPath, BIN, 'serve', '--zones', dir, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info', '--log-format', 'json'],
      timeoutMs: 60_000,
    });
    const pid = mxlb.child.pid!;
    const http = `http://${mxlb.http.host}:${mxlb.http.port}`;
    await eventually(async () => (await fetch(`${http}/readyz`, { signal: AbortSignal.timeout(5000) })).status === 200, { timeoutMs: 120_000, intervalMs: 250, what: 'first probe round' });
    const readyMs = Date.now() - started;
    await sleep(interval); // the first round's burst is over
    let rssKb = 0;
    const steadyCpu = await cpuDuring(pid, async () => {
      for (const end = Date.now() + options.windowMs; Date.now() < end; ) {
        rssKb = Math.max(rssKb, statusKb(pid, 'VmRSS'));
        await sleep(1000);
      }
    });
    const ids = farm.members.slice(0, options.slice).map((m) => `${poolName(m.index, 1000)}/${memberName(m.index)}`);
    const deadline = 3 * interval + 5000;
    let downDelays: number[] = [];
    let upDelays: number[] = [];
    const downCpu = await cpuDuring(pid, async () => {
      await farm.stop(0, options.slice);
      downDelays = await transitions(mxlb!, 'member down', ids, Date.now(), deadline);
    });
    const upCpu = await cpuDuring(pid, async () => {
      await farm.start(0, options.slice);
      upDelays = await transitions(mxlb!, 'member up', ids, Date.now(), deadline);
    });
    rssKb = Math.max(rssKb, statusKb(pid, 'VmRSS'));
    const peakRssMb = statusKb(pid, 'VmHWM') / 1024;
    return { steadyCpu, downCpu, upCpu, rssMb: rssKb / 1024, peakRssMb, downDelays: downDelays.map((d) => d / interval), upDelays: upDelays.map((d) => d / interval), readyMs };
  } finally {
    running.delete(stop);
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
