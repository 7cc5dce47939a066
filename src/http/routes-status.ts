import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';
import type { SharesReport } from './shares.ts';
import type { Snapshot } from '../snapshot.ts';
import { buildStatus, type StatusDocument } from './status-model.ts';
import { parseStatusQuery, selectStatus, withShares } from './status-page.ts';
import { warmUpOf } from './routes-shaping.ts';
import { packageVersion } from '../version.ts';

/**
 * How long a built document is reused while the snapshot DNS answers from and the delivery
 * outcomes reported are unchanged (probe details are then at most this stale). The answer shares,
 * which move with every query, are patched into the reused document on each request
 * (`withShares`). Polling clients (the dashboard every second, 50 of them in the abuse bench) then
 * share one build.
 */
export const STATUS_CACHE_MS = 1_000;

/** The package version: status reports which build is answering. */
const VERSION = packageVersion();

/**
 * `GET /status`: every zone, balanced name, tier, pool and member with observed, override and
 * effective state, the last probe and the answer shares (shape: docs/http-api.md), paged or
 * summarised on request and by default beyond 1,000 members (./status-page.ts). Read-only: it
 * reads the snapshot DNS answers from, the prober's health and the in-memory windows.
 */
export function statusRoutes(ctx: ServerContext): [string, RouteHandler][] {
  // Reported delivery outcomes show at once (a client that posted them may read them back).
  let events = 0;
  if (typeof ctx.outcomes?.onRecord === 'function') ctx.outcomes.onRecord(() => (events += 1));
  let cached: { key: string; at: number; body: StatusDocument } | undefined;
  let patched: { base: StatusDocument; total: number; body: StatusDocument } | undefined;
  const status: RouteHandler = async (_request, url) => {
    const query = parseStatusQuery(url.searchParams);
    if (typeof query === 'string') return { status: 400, body: { error: query } };
    // DNS answers in a worker: bring its counters (answer shares) up to date first.
    await ctx.refreshDns?.();
    const snapshot = ctx.served?.() ?? ctx.keeper.current();
    const shares = ctx.shares.report();
    const now = ctx.now();
    // A longer probe history (the dashboard's first poll) is built for that request, not cached.
    if (query.samples !== undefined && query.samples !== 30) {
      const body = withWorkers(selectStatus(build(snapshot, shares, now, query.samples), query));
      return { status: 200, body: ctx.cluster ? { ...body, cluster: ctx.cluster() } : body, headers: { 'cache-control': 'no-store' } };
    }
    const key = `${snapshot.version} ${events}`;
    if (!cached || cached.key !== key || now - cached.at >= STATUS_CACHE_MS || now < cached.at) {
      cached = { key, at: now, body: build(snapshot, shares, now) };
      patched = { base: cached.body, total: shares.total, body: cached.body };
    }
    if (patched?.base !== cached.body || patched.total !== shares.total) patched = { base: cached.body, total: shares.total, body: withShares(cached.body, shares) };
    const body = withWorkers(selectStatus(patched.body, query));
    // Cluster mode: Redis connection, probing mode (leases or quorum) and leases held here.
    if (ctx.cluster) return { status: 200, body: { ...body, cluster: ctx.cluster() }, headers: { 'cache-control': 'no-store' } };
    return { status: 200, body, headers: { 'cache-control': 'no-store' } };
  };
  // The answering workers change with no snapshot (a restart, counts): added to every reply, not cached.
  const withWorkers = <T extends object>(body: T): T => (ctx.dnsWorkers ? { ...body, dnsWorkers: ctx.dnsWorkers() } : body);
  const build = (snapshot: Snapshot, shares: SharesReport, now: number, samples?: number): StatusDocument => {
    const view = ctx.store.view();
    const dnsbl = ctx.dnsbl?.verdicts();
    const reputation = ctx.reputation?.states();
    return buildStatus({
      now,
      version: VERSION,
      startedAt: ctx.startedAt,
      snapshot,
      health: ctx.scheduler.snapshot(),
      stored: view.health,
      history: ctx.history,
      shares,
      store: { kind: ctx.store.kind, ...ctx.store.health() },
      zoneErrors: ctx.zoneReport()?.errors.map((e) => e.message) ?? [],
      firstRoundDone: ctx.scheduler.isFirstRoundDone(),
      ...(samples !== undefined ? { samples } : {}),
      ...(dnsbl ? { dnsbl: (member: string) => dnsbl.get(member) } : {}),
      ...(reputation ? { reputation: (member: string) => reputation.get(member) } : {}),
      ...(ctx.outcomes ? { delivery: (member: string, windowMs: number) => ctx.outcomes!.counts(member, windowMs) } : {}),
      ...(ctx.shaping ? { warmUp: (member: string) => warmUpOf(ctx, member), load: (member: string) => ctx.shaping!.loadOf(member) } : {}),
    });
  };
  return [['GET /status', status]];
}
