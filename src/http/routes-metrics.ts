import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';

/**
 * GET /metrics: the server's own registry in the Prometheus text exposition format (0.0.4), read
 * fresh at each scrape. Gauges come from the served snapshot; counters from the DNS hooks, the
 * probe results and the zone loader (src/metrics/).
 */
export function metricsRoutes(ctx: ServerContext): [string, RouteHandler][] {
  return [
    [
      'GET /metrics',
      async () => {
        await ctx.refreshDns?.();
        return { status: 200, body: await ctx.metrics.text(), contentType: ctx.metrics.contentType };
      },
    ],
  ];
}
