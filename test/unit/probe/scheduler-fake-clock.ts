/**
 * Fake clock and scripted SMTP check for scheduler tests. Time only moves in `advance`; timers run
 * in due order, and after each one pending promise callbacks are flushed so probe results land.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import type { Clock } from '../../../src/probe/scheduler.ts';
import type { ProbeCheck, ProbeResult, ProbeTarget } from '../../../src/probe/types.ts';

export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Let promise callbacks (and their follow-ups) run. Bounded. */
  async flush(): Promise<void> {
    for (let i = 0; i < 5; i++) await immediate();
  }

  /** Move time forward by `ms`, running every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await this.flush();
    for (let guard = 0; guard < 100_000; guard++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
      await this.flush();
    }
    this.#now = end;
  }
}

export interface Call {
  address: string;
  port: number;
  at: number;
  signal: AbortSignal | undefined;
  settledAt?: number;
}

/**
 * A ProbeCheck whose outcome and duration come from `script(target, callIndexForAddress)`. It
 * resolves on the fake clock, honours abort (resolves at once with `aborted`) unless `ignoreAbort`,
 * and `hang` never resolves. Records every call and the peak concurrency, overall and per address.
 */
export function scriptedCheck(
  clock: FakeClock,
  script: (target: ProbeTarget, n: number) => { ok: boolean; ms?: number; reason?: string; hang?: boolean; ignoreAbort?: boolean },
) {
  const calls: Call[] = [];
  const perAddress = new Map<string, number>();
  const active = new Map<string, number>();
  let running = 0;
  const stats = { maxRunning: 0, maxPerAddress: 0 };
  const check: ProbeCheck = (target, signal) => {
    const key = `${target.address}:${target.port}`;
    const n = perAddress.get(key) ?? 0;
    perAddress.set(key, n + 1);
    const call: Call = { address: target.address, port: target.port, at: clock.now(), signal };
    calls.push(call);
    running++;
    active.set(key, (active.get(key) ?? 0) + 1);
    stats.maxRunning = Math.max(stats.maxRunning, running);
    stats.maxPerAddress = Math.max(stats.maxPerAddress, active.get(key)!);
    const step = script(target, n);
    return new Promise<ProbeResult>((resolve) => {
      const startedAt = clock.now();
      let done = false;
      let timer: unknown;
      const finish = (result: ProbeResult) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        running--;
        active.set(key, active.get(key)! - 1);
        call.settledAt = clock.now();
        resolve(result);
      };
      const result = (ok: boolean, reason?: string): ProbeResult =>
        ok ? { ok, phases: [], startedAt, totalMs: clock.now() - startedAt } : { ok, reason: reason ?? 'connect-refused', phases: [], startedAt, totalMs: clock.now() - startedAt };
      if (!step.ignoreAbort) signal?.addEventListener('abort', () => finish(result(false, 'aborted')), { once: true });
      if (step.hang) return;
      timer = clock.setTimeout(() => finish(result(step.ok, step.reason)), step.ms ?? 10);
    });
  };
  return { check, calls, stats, running: () => running };
}
