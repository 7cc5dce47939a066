import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';

/**
 * `/healthz`: the process answers. `/readyz`: zones loaded and the first probe round done (until
 * then members count as usable but verdicts are not in), with the reasons in the body.
 * A store that cannot persist or share (state file not writable, Redis unreachable) makes the
 * instance `degraded` but not unready: it keeps answering from its last state (fail-static), and
 * taking it out of service would only move the load elsewhere for no gain.
 */
export function healthRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const readyz: RouteHandler = () => {
    const snapshot = ctx.keeper.current();
    const reasons: string[] = [];
    if (snapshot.zones.zones.size === 0) reasons.push('no zone loaded');
    if (!ctx.scheduler.isFirstRoundDone()) reasons.push('first probe round not done');
    const ready = reasons.length === 0;
    const store = ctx.store.health();
    const degradedBecause = store.ok ? [] : [store.reason ?? `${ctx.store.kind} store not ok`];
    return {
      status: ready ? 200 : 503,
      body: {
        ready,
        reasons,
        degraded: degradedBecause.length > 0,
        degradedBecause,
        zones: snapshot.zones.zones.size,
        zoneErrors: ctx.zoneReport()?.errors.map((e) => e.message) ?? [],
        store: { kind: ctx.store.kind, ...store },
        ...(ctx.cluster ? { cluster: ctx.cluster() } : {}),
      },
    };
  };
  return [
    ['GET /healthz', () => ({ status: 200, body: { alive: true } })],
    ['GET /readyz', readyz],
  ];
}
