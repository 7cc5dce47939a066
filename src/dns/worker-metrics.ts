/**
 * DNS metrics across the worker boundary. On the worker, `MetricsBatcher` is the DnsServer's
 * `DnsMetrics`: it only adds to counters (one Map update per hook call, no allocation in steady
 * state), and `take()` hands over what was counted since the last batch. On the control plane,
 * `replayBatch` feeds a batch into the DnsMetricsHub with counts, so /metrics and the answer
 * shares read the same events they read when DNS ran in-process, at most one batch late.
 *
 * The `served` hook's readers remember members arrays by identity (one lookup per answer): the
 * replay interns each members list, so the same list is the same array from batch to batch.
 */
import type { DnsMetrics, Transport } from './answer.ts';
import type { DnsMetricsHub } from './metrics-hooks.ts';
import { ArmCounts, type ClientSketch } from './arm-counts.ts';
import type { CacheMapStats, CacheStats } from './cache.ts';
import type { DnsLimitCounters } from './server.ts';
import type { MetricsBatch } from './worker-protocol.ts';

export class MetricsBatcher implements DnsMetrics {
  #answered = new Map<number, number>();
  #served = new Map<readonly string[], number>();
  #dropped = new Map<string, number>();
  readonly #arms = new ArmCounts();

  answered(transport: Transport, rcode: number, cacheHit: boolean, qtype: number): void {
    const key = ((qtype * 4096 + rcode) * 2 + (transport === 'tcp' ? 1 : 0)) * 2 + (cacheHit ? 1 : 0);
    this.#answered.set(key, (this.#answered.get(key) ?? 0) + 1);
  }

  served(members: readonly string[]): void {
    this.#served.set(members, (this.#served.get(members) ?? 0) + 1);
  }

  dropped(transport: Transport, reason: string): void {
    const key = `${transport} ${reason}`;
    this.#dropped.set(key, (this.#dropped.get(key) ?? 0) + 1);
  }

  arm(experiment: string, arm: string, client: number | ClientSketch): void {
    this.#arms.arm(experiment, arm, client);
  }

  /** The counts since the previous call, and resets them. */
  take(): Pick<MetricsBatch, 'answered' | 'served' | 'dropped' | 'arms'> {
    const arms = this.#arms.take();
    const batch = {
      ...(arms.length > 0 ? { arms } : {}),
      answered: [...this.#answered],
      served: [...this.#served],
      dropped: [...this.#dropped].map(([key, n]): [Transport, string, number] => {
        const space = key.indexOf(' ');
        return [key.slice(0, space) as Transport, key.slice(space + 1), n];
      }),
    };
    this.#answered.clear();
    this.#served.clear();
    this.#dropped.clear();
    return batch;
  }
}

/** Most interned members lists kept; beyond it the table starts afresh (readers re-resolve). */
const MAX_INTERNED = 10_000;

/** Control-plane side: replays batches into the hub. */
export class BatchReplayer {
  #interned = new Map<string, readonly string[]>();

  constructor(private readonly hub: DnsMetricsHub) {}

  replay(batch: Pick<MetricsBatch, 'answered' | 'served' | 'dropped' | 'arms'>): void {
    for (const [experiment, arm, n, sketch] of batch.arms ?? []) this.hub.arm(experiment, arm, sketch, n);
    for (const [key, n] of batch.answered) {
      const cacheHit = key % 2 === 1;
      const rest = Math.floor(key / 2);
      const transport: Transport = rest % 2 === 1 ? 'tcp' : 'udp';
      const pair = Math.floor(rest / 2);
      this.hub.answered(transport, pair % 4096, cacheHit, Math.floor(pair / 4096), n);
    }
    for (const [members, n] of batch.served) this.hub.served(this.#intern(members), n);
    for (const [transport, reason, n] of batch.dropped) this.hub.dropped(transport, reason, n);
  }

  #intern(members: readonly string[]): readonly string[] {
    const key = members.join('\n');
    let same = this.#interned.get(key);
    if (!same) {
      if (this.#interned.size >= MAX_INTERNED) this.#interned = new Map();
      same = Object.freeze([...members]);
      this.#interned.set(key, same);
    }
    return same;
  }
}

/** RRL and TCP-limit totals added up (a live worker's and those of workers that died). */
export function sumLimits(a: DnsLimitCounters, b: DnsLimitCounters): DnsLimitCounters {
  const tcp = { ...a.tcp };
  for (const key of Object.keys(tcp) as (keyof DnsLimitCounters['tcp'])[]) tcp[key] += b.tcp[key];
  const sum: DnsLimitCounters = { rrl: { limited: a.rrl.limited + b.rrl.limited, slipped: a.rrl.slipped + b.rrl.slipped, dropped: a.rrl.dropped + b.rrl.dropped }, tcp };
  if (a.cookies || b.cookies) {
    const cookies = { ...(a.cookies ?? b.cookies)! };
    if (a.cookies && b.cookies) for (const key of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[key] += b.cookies[key];
    sum.cookies = cookies;
  }
  if (a.cache || b.cache) sum.cache = sumCache(a.cache, b.cache);
  return sum;
}

function sumCache(a: CacheStats | undefined, b: CacheStats | undefined): CacheStats {
  const map = (x: CacheMapStats | undefined, y: CacheMapStats | undefined): CacheMapStats => ({
    entries: (x?.entries ?? 0) + (y?.entries ?? 0),
    bytes: (x?.bytes ?? 0) + (y?.bytes ?? 0),
    evictions: (x?.evictions ?? 0) + (y?.evictions ?? 0),
  });
  return { answer: map(a?.answer, b?.answer), negative: map(a?.negative, b?.negative) };
}

/** The totals a worker that died leaves behind: its counters, but none of its cache's entries or bytes (they went with it). */
export function retiredLimits(limits: DnsLimitCounters): DnsLimitCounters {
  if (!limits.cache) return limits;
  const gone = (m: CacheMapStats): CacheMapStats => ({ entries: 0, bytes: 0, evictions: m.evictions });
  return { ...limits, cache: { answer: gone(limits.cache.answer), negative: gone(limits.cache.negative) } };
}

const EMPTY_LIMITS: DnsLimitCounters = { rrl: { limited: 0, slipped: 0, dropped: 0 }, tcp: { full: 0, perSource: 0, evicted: 0, idle: 0, queryTimeout: 0, lifetime: 0 } };

/**
 * One worker slot's counters as its batches report them (./worker-host.ts). When its thread dies,
 * `retire()` keeps what it counted, so the slot's totals never go backwards across restarts.
 */
export class WorkerCounters {
  #limits: DnsLimitCounters = EMPTY_LIMITS;
  /** Counters of threads of this slot that died. */
  #dead: DnsLimitCounters = EMPTY_LIMITS;
  #tcpStatus = { open: 0, midQuery: 0, rejected: 0 };
  /** The snapshot version the thread answers from, as of its last batch. */
  version = 0;
  /** Queries answered by this slot since start. */
  answered = 0;

  absorb(batch: MetricsBatch): void {
    for (const [, n] of batch.answered) this.answered += n;
    this.#limits = batch.limits;
    this.#tcpStatus = batch.tcpStatus;
    this.version = batch.version;
  }

  retire(): void {
    this.#dead = retiredLimits(this.limits());
    this.#limits = EMPTY_LIMITS;
  }

  limits(): DnsLimitCounters {
    return sumLimits(this.#limits, this.#dead);
  }

  tcpStatus(): { open: number; midQuery: number; rejected: number } {
    return { ...this.#tcpStatus };
  }
}
