/**
 * Watching one DNS server's answers for one address, in a bounded tick loop (every `tickMs`, a
 * burst of `burst` parallel `A` queries; the union of their addresses is that tick's view).
 *
 * "Gone" needs care because PowerDNS's default `ifportup` answers ONE random up address per query:
 * a single answer without the victim proves nothing. The victim counts as gone at the first tick
 * after the last tick that showed it, once `cleanTicks` ticks in a row have answered without it
 * (with 3 queries per tick and 1 of 4 addresses drawn at random, 25 clean ticks by chance has
 * probability 0.42^25 ≈ 4e-10). Ticks where every query was lost count as neither. The price of
 * random answers: ticks just before the victim really left may not have drawn it, so "gone" reads
 * early by k ticks with probability 0.42^k (mean 0.7 tick, ≈ 15 ms at 20 ms ticks), and "back"
 * late by as much; servers that answer every healthy address (mxlb, gdnsd) have no such error.
 * "Back" is the first tick that shows the victim again.
 * Every loop is bounded by its cap in time and by 2 · cap / tickMs + 10 ticks in count.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the watch needs of a DNS client (UdpAsker in the benchmark). */
export interface Asker {
  /** The answer's IPv4 addresses, or null when the query got no (usable) reply in time. */
  ask(qname: string, timeoutMs: number): Promise<string[] | null>;
}

export interface WatchOptions {
  qname: string;
  tickMs: number;
  burst: number;
  /** Ticks in a row without the victim that confirm it is gone. */
  cleanTicks: number;
}

export interface Watched {
  /** ms from `t0` to the event, or null when it did not happen within the cap. */
  ms: number | null;
  /** Queries without a reply (or with a malformed one) during the watch. */
  lost: number;
}

interface Tick {
  at: number;
  /** null when no query of the burst was answered. */
  addresses: Set<string> | null;
  lost: number;
}

async function tick(asker: Asker, options: WatchOptions): Promise<Tick> {
  const at = performance.now();
  const replies = await Promise.all(Array.from({ length: options.burst }, () => asker.ask(options.qname, Math.max(200, options.tickMs * 5))));
  const answered = replies.filter((r): r is string[] => r !== null);
  return { at, addresses: answered.length === 0 ? null : new Set(answered.flat()), lost: replies.length - answered.length };
}

/** Runs `visit` once per tick from now until it returns true or `capMs` after `t0` has passed. */
async function ticks(asker: Asker, options: WatchOptions, t0: number, capMs: number, visit: (t: Tick) => boolean): Promise<number> {
  let lost = 0;
  // The time bound ends the loop; the count bound is a backstop (ticks never run much shorter).
  const maxTicks = 2 * Math.ceil(capMs / options.tickMs) + 10;
  for (let i = 0; i < maxTicks && performance.now() - t0 <= capMs; i++) {
    const started = performance.now();
    const t = await tick(asker, options);
    lost += t.lost;
    if (visit(t)) break;
    const wait = options.tickMs - (performance.now() - started);
    if (wait > 0) await sleep(Math.ceil(wait)); // timers truncate fractions: 4.9 would sleep 4
  }
  return lost;
}

export async function timeUntilGone(asker: Asker, victim: string, t0: number, capMs: number, options: WatchOptions): Promise<Watched> {
  let firstClean: number | null = null;
  let streak = 0;
  let gone: number | null = null;
  const lost = await ticks(asker, options, t0, capMs + options.cleanTicks * options.tickMs, (t) => {
    if (t.addresses === null) return false;
    if (t.addresses.has(victim)) {
      firstClean = null;
      streak = 0;
      return false;
    }
    if (firstClean === null) {
      if (t.at - t0 > capMs) return true; // first clean tick after the cap: not detected in time
      firstClean = t.at;
    }
    streak += 1;
    if (streak >= options.cleanTicks) {
      gone = firstClean;
      return true;
    }
    return false;
  });
  return { ms: gone === null ? null : Math.max(0, gone - t0), lost };
}

export async function timeUntilBack(asker: Asker, victim: string, t0: number, capMs: number, options: WatchOptions): Promise<Watched> {
  let back: number | null = null;
  const lost = await ticks(asker, options, t0, capMs, (t) => {
    if (t.addresses?.has(victim)) back = t.at;
    return back !== null;
  });
  return { ms: back === null ? null : Math.max(0, back - t0), lost };
}

/**
 * Waits until the union of the last `windowTicks` ticks' answers holds every address in `hosts`;
 * returns the addresses still missing at the deadline (empty = all present).
 */
export async function waitAllPresent(asker: Asker, hosts: readonly string[], timeoutMs: number, windowTicks: number, options: WatchOptions): Promise<string[]> {
  const window: Set<string>[] = [];
  let missing = [...hosts];
  const t0 = performance.now();
  await ticks(asker, options, t0, timeoutMs, (t) => {
    window.push(t.addresses ?? new Set());
    if (window.length > windowTicks) window.shift();
    const seen = new Set(window.flatMap((s) => [...s]));
    missing = hosts.filter((h) => !seen.has(h));
    return missing.length === 0;
  });
  return missing;
}

/**
 * Polls for `durationMs` (a warm-up: PowerDNS registers a health check on the first query of a
 * LUA record) and returns the addresses seen in the last `windowTicks` ticks.
 */
export async function observe(asker: Asker, durationMs: number, windowTicks: number, options: WatchOptions): Promise<Set<string>> {
  const window: Set<string>[] = [];
  const t0 = performance.now();
  await ticks(asker, options, t0, durationMs, (t) => {
    window.push(t.addresses ?? new Set());
    if (window.length > windowTicks) window.shift();
    return false;
  });
  return new Set(window.flatMap((s) => [...s]));
}
