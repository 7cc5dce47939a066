import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';

/**
 * GET /metrics: the server's own registry in the Prometheus text exposition format (0.0.4), read
 * fresh at each scrape. Gauges come from the served snapshot; counters from the DNS hooks, the
 * probe results and the zone loader (src/metrics/). The per-member gauges and counters follow
 * as bytes (src/metrics/text-gauges.ts): tens of thousands of series at 10,000 members.
 */
export function metricsRoutes(ctx: ServerContext): [string, RouteHandler][] {
  return [
    [
      'GET /metrics',
      async () => {
        await ctx.refreshDns?.();
        const { text, gauges } = await ctx.metrics.parts();
        return { status: 200, body: text, trailer: gauges, contentType: ctx.metrics.contentType };
      },
    ],
  ];
}
