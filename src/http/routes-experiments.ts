/**
 * A/B experiment routes (docs/http-api.md "Experiments", docs/routing.md "A/B experiments"):
 *
 *   GET  /experiments                         every experiment of the served zones: state, split,
 *                                             arms (pools, answers, distinct clients)
 *   GET  /experiments/:name                   one experiment, the same fields
 *   GET  /experiments/:name/report?min-sample=N   per-arm samples, rates with 95 % intervals,
 *                                             delays, tests against the control arm, the verdict
 *   POST /api/experiments/:name/start         { split?: "A=60,B=40", reason? }   (admin token)
 *   POST /api/experiments/:name/stop          { reason? }                        (admin token)
 *
 * Contract: reads are guarded like /status (the read token, when one is set); writes check the
 * bearer token first (401/403, nothing changed), then the body (400 naming the field), then the
 * experiment (404 naming the known ones); a write answers the experiment's new status once the
 * store made the audit entry durable, and DNS answers follow with the next snapshot (at once).
 */
import type { IncomingMessage } from 'node:http';
import { BadSplit, UnknownExperiment, type ExperimentStatus } from '../experiment-keeper.ts';
import { comparisonLine } from '../signals/index.ts';
import { auditAuthor } from './auth.ts';
import { BadRequest, readJsonBody } from './admin-body.ts';
import type { ServerContext } from './context.ts';
import type { HttpReply, RouteHandler, RouteParams } from './server.ts';

const NO_STORE = { 'cache-control': 'no-store' };
const MIN_SAMPLE_FLOOR = 10;

/** An experiment's status with each arm's answers and distinct clients (since this server started). */
export function experimentView(ctx: ServerContext, status: ExperimentStatus): ExperimentStatus & { arms: Array<ExperimentStatus['arms'][number] & { answers: number; clients: number }> } {
  const totals = ctx.armCounts?.totals(status.name) ?? [];
  return {
    ...status,
    arms: status.arms.map((arm) => {
      const t = totals.find((x) => x.arm === arm.name);
      return { ...arm, answers: t?.answers ?? 0, clients: t?.clients ?? 0 };
    }),
  };
}

function notRunning(): HttpReply {
  return { status: 404, body: { error: 'experiments are not available on this server' } };
}

export function experimentRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const guard = async (work: () => HttpReply | Promise<HttpReply>): Promise<HttpReply> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UnknownExperiment) return { status: 404, body: { error: error.message } };
      if (error instanceof BadSplit || error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
  };
  const flushed = async () => {
    await ctx.refreshDns?.();
  };
  const list: RouteHandler = async () => {
    if (!ctx.experiments) return notRunning();
    await flushed();
    return { status: 200, body: { experiments: ctx.experiments.list().map((s) => experimentView(ctx, s)) }, headers: NO_STORE };
  };
  const one: RouteHandler = async (_r: IncomingMessage, _u: URL, params: RouteParams) =>
    guard(async () => {
      if (!ctx.experiments) return notRunning();
      await flushed();
      return { status: 200, body: experimentView(ctx, ctx.experiments.get(params.name ?? '')), headers: NO_STORE };
    });
  const report: RouteHandler = async (_r: IncomingMessage, url: URL, params: RouteParams) =>
    guard(async () => {
      if (!ctx.experiments) return notRunning();
      const text = url.searchParams.get('min-sample');
      const minSample = text === null ? undefined : Number(text);
      if (minSample !== undefined && !(Number.isInteger(minSample) && minSample >= MIN_SAMPLE_FLOOR && minSample <= 1_000_000)) {
        throw new BadRequest(`min-sample must be a whole number ${MIN_SAMPLE_FLOOR}-1000000 (below ${MIN_SAMPLE_FLOOR} no test means anything)`);
      }
      await flushed();
      const { status, since, report: r } = ctx.experiments.report(params.name ?? '', minSample !== undefined ? { minSample } : {});
      const body = { experiment: experimentView(ctx, status), ...(since !== undefined ? { since } : {}), ...r, lines: r.comparisons.map(comparisonLine) };
      return { status: 200, body, headers: NO_STORE };
    });
  const act =
    (action: 'start' | 'stop'): RouteHandler =>
    async (request: IncomingMessage, _u: URL, params: RouteParams) => {
      const allowed = ctx.adminAuth.authorize(request);
      if (!allowed.ok) return allowed.reply;
      const author = auditAuthor(allowed.holder, request);
      if (typeof author !== 'string') return { status: 400, body: author };
      return guard(async () => {
        if (!ctx.experiments) return notRunning();
        const body = await readJsonBody(request);
        const allowedKeys = action === 'start' ? ['split', 'reason'] : ['reason'];
        const unknown = Object.keys(body).filter((k) => !allowedKeys.includes(k));
        if (unknown.length > 0) throw new BadRequest(`unknown field "${unknown[0]}" (expected ${allowedKeys.join(', ')})`);
        if (body.reason !== undefined && typeof body.reason !== 'string') throw new BadRequest('"reason" must be text');
        if (body.split !== undefined && typeof body.split !== 'string') throw new BadRequest('"split" must be text such as "A=60,B=40"');
        const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim() : undefined;
        const name = params.name ?? '';
        const status =
          action === 'start'
            ? await ctx.experiments.start(name, { author, ...(typeof body.split === 'string' ? { split: body.split } : {}), ...(reason ? { reason } : {}) })
            : await ctx.experiments.stop(name, { author, ...(reason ? { reason } : {}) });
        ctx.logger.child({ module: 'admin' }).info({ experiment: name, action, author, split: status.split }, `experiment ${action}`);
        return { status: 200, body: { changed: true, action, experiment: experimentView(ctx, status) } };
      });
    };
  return [
    ['GET /experiments', list],
    ['GET /experiments/:name', one],
    ['GET /experiments/:name/report', report],
    ['POST /api/experiments/:name/start', act('start')],
    ['POST /api/experiments/:name/stop', act('stop')],
  ];
}
