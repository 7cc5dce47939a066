import type { ServerContext } from './context.ts';
import { adminRoutes } from './routes-admin.ts';
import { dashboardRoutes } from './routes-dashboard.ts';
import { healthRoutes } from './routes-health.ts';
import { explainRoutes } from './routes-explain.ts';
import { statusRoutes } from './routes-status.ts';
import { metricsRoutes } from './routes-metrics.ts';
import { signalRoutes } from './routes-signals.ts';
import type { RouteHandler, Routes } from './server.ts';

/** Every HTTP route of a running server; each concern lives in its own routes-*.ts module. */
export function allRoutes(ctx: ServerContext): Routes {
  return new Map<string, RouteHandler>([...healthRoutes(ctx), ...adminRoutes(ctx), ...signalRoutes(ctx), ...metricsRoutes(ctx), ...statusRoutes(ctx), ...explainRoutes(ctx), ...dashboardRoutes()]);
}
