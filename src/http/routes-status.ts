import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';
import { buildStatus } from './status-model.ts';
import { packageVersion } from '../version.ts';

/** The package version: status reports which build is answering. */
const VERSION = packageVersion();

/**
 * `GET /status`: every zone, balanced name, tier, pool and member with observed, override and
 * effective state, the last probe and the answer shares (shape: docs/http-api.md). Read-only and
 * synchronous: it reads the current snapshot, the prober's health and the in-memory windows.
 */
export function statusRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const status: RouteHandler = () => {
    const view = ctx.store.view();
    const dnsbl = ctx.dnsbl?.verdicts();
    const reputation = ctx.reputation?.states();
    const body = buildStatus({
      now: ctx.now(),
      version: VERSION,
      startedAt: ctx.startedAt,
      snapshot: ctx.keeper.current(),
      health: ctx.scheduler.snapshot(),
      stored: view.health,
      history: ctx.history,
      shares: ctx.shares.report(),
      store: { kind: ctx.store.kind, ...ctx.store.health() },
      zoneErrors: ctx.zoneReport()?.errors.map((e) => e.message) ?? [],
      firstRoundDone: ctx.scheduler.isFirstRoundDone(),
      ...(dnsbl ? { dnsbl: (member: string) => dnsbl.get(member) } : {}),
      ...(reputation ? { reputation: (member: string) => reputation.get(member) } : {}),
      ...(ctx.outcomes ? { delivery: (member: string, windowMs: number) => ctx.outcomes!.counts(member, windowMs) } : {}),
    });
    // Cluster mode: Redis connection, probing mode (leases or quorum) and leases held here.
    if (ctx.cluster) return { status: 200, body: { ...body, cluster: ctx.cluster() }, headers: { 'cache-control': 'no-store' } };
    return { status: 200, body, headers: { 'cache-control': 'no-store' } };
  };
  return [['GET /status', status]];
}
