import type { ServerContext } from './context.ts';
import { guardRoutes, type ExposureOptions } from './exposure.ts';
import { adminRoutes } from './routes-admin.ts';
import { reputationRoutes } from './routes-reputation.ts';
import { shapingRoutes } from './routes-shaping.ts';
import { dashboardRoutes } from './routes-dashboard.ts';
import { deliveryRoutes } from './routes-delivery.ts';
import { healthRoutes } from './routes-health.ts';
import { explainRoutes } from './routes-explain.ts';
import { statusRoutes } from './routes-status.ts';
import { metricsRoutes } from './routes-metrics.ts';
import { signalRoutes } from './routes-signals.ts';
import { experimentRoutes } from './routes-experiments.ts';
import type { RouteHandler, Routes } from './server.ts';

/**
 * Every HTTP route of a running server; each concern lives in its own routes-*.ts module. With
 * `exposure`, each is guarded by the Host allowlist, the read token and redaction (exposure.ts).
 */
export function allRoutes(ctx: ServerContext, exposure?: Omit<ExposureOptions, 'adminAuth'>): Routes {
  const routes = new Map<string, RouteHandler>([...healthRoutes(ctx), ...adminRoutes(ctx), ...reputationRoutes(ctx), ...shapingRoutes(ctx), ...signalRoutes(ctx), ...deliveryRoutes(ctx), ...metricsRoutes(ctx), ...statusRoutes(ctx), ...explainRoutes(ctx), ...experimentRoutes(ctx), ...dashboardRoutes()]);
  return exposure ? guardRoutes(routes, { ...exposure, adminAuth: ctx.adminAuth }) : routes;
}
