/**
 * Warm-up routes (docs/http-api.md, docs/shaping.md):
 * - `GET /api/warmups`: every member with a warm-up in the served zones and its status, with the
 *   whole plan (`plan`: cap or percent per day) and the attempts per day so far (`history`);
 * - `GET /api/members/:id/warmup`: one member's, the same fields (404 when it has none);
 * - `POST /api/members/:id/warmup` (admin token): `{ action: pause|resume|restart|finish, reason? }`,
 *   audited as `warmup-<action>` with the token's author; answers the new status.
 * - `POST /api/load` (admin token, like /api/signals): `{ reports: [{ member, queue?, connections? }] }`,
 *   the MTAs' load against their pool's `load:` watermarks; a bad report refuses the whole batch.
 * Reads are guarded like /status (the read token, when one is set).
 */
import type { IncomingMessage } from 'node:http';
import { auditAuthor } from './auth.ts';
import { BadRequest, readJsonBody } from './admin-body.ts';
import type { ServerContext } from './context.ts';
import type { RouteHandler, RouteParams } from './server.ts';
import type { SharesReport } from './shares.ts';
import { warmUpCurve, warmUpView, type WarmUpCurve, type WarmUpView } from './status-shaping.ts';

const ACTIONS = ['pause', 'resume', 'restart', 'finish'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * A member's warm-up as shown by /status and these routes (undefined: none); with `shares`, its
 * share now; with `curve`, the whole plan and the sends per day (the dashboard's chart).
 */
export function warmUpOf(ctx: ServerContext, member: string, shares?: SharesReport, curve = false): (WarmUpView & Partial<WarmUpCurve>) | undefined {
  const status = ctx.shaping?.warmUp(member);
  const plan = ctx.shaping?.warmUpPlan(member);
  if (!status || !plan) return undefined;
  const view: WarmUpView & Partial<WarmUpCurve> = warmUpView(status, plan.schedule.name, plan.schedule.timeZone);
  const reason = status.paused === 'operator' ? ctx.shaping?.warmUpPauseReason(member) : undefined;
  if (reason) view.pauseReason = reason;
  if (shares) view.shareNow = shares.members[member]?.firstFraction ?? 0;
  if (curve) Object.assign(view, warmUpCurve(plan, status, ctx.shaping?.warmUpHistory(member) ?? []));
  return view;
}

export function shapingRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const list: RouteHandler = async () => {
    const members = (ctx.shaping?.warmUpMembers() ?? []).sort();
    const shares = ctx.shares.report();
    return { status: 200, body: { warmUps: members.map((member) => ({ member, ...warmUpOf(ctx, member, shares, true)! })) }, headers: { 'cache-control': 'no-store' } };
  };
  const one: RouteHandler = async (_request: IncomingMessage, _url: URL, params: RouteParams) => {
    const id = params.id ?? '';
    const view = warmUpOf(ctx, id, ctx.shares.report(), true);
    if (!view) return { status: 404, body: { error: `member ${id} has no warm-up in the served zones` } };
    return { status: 200, body: { member: id, ...view }, headers: { 'cache-control': 'no-store' } };
  };
  const act: RouteHandler = async (request: IncomingMessage, _url: URL, params: RouteParams) => {
    const allowed = ctx.adminAuth.authorize(request);
    if (!allowed.ok) return allowed.reply;
    const author = auditAuthor(allowed.holder, request);
    if (typeof author !== 'string') return { status: 400, body: author };
    const id = params.id ?? '';
    if (!ctx.shaping || !warmUpOf(ctx, id)) return { status: 404, body: { error: `member ${id} has no warm-up in the served zones` } };
    try {
      const body = await readJsonBody(request);
      const action = body.action;
      if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) throw new BadRequest(`"action" must be one of ${ACTIONS.join(', ')}`);
      const unknown = Object.keys(body).filter((k) => k !== 'action' && k !== 'reason');
      if (unknown.length > 0) throw new BadRequest(`unknown field "${unknown[0]}" (expected action, reason)`);
      if (body.reason !== undefined && typeof body.reason !== 'string') throw new BadRequest('"reason" must be text');
      const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim() : `warm-up ${action} by an operator`;
      await ctx.shaping.warmUpAction(id, action as Action, author, reason);
      return { status: 200, body: { member: id, action, author, reason, ...warmUpOf(ctx, id, ctx.shares.report())! } };
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
  };
  const load: RouteHandler = async (request: IncomingMessage) => {
    const allowed = ctx.adminAuth.authorize(request);
    if (!allowed.ok) return allowed.reply;
    if (!ctx.shaping) return { status: 404, body: { error: 'traffic shaping is not running' } };
    try {
      const body = await readJsonBody(request);
      const reports = body.reports;
      if (!Array.isArray(reports) || reports.length === 0 || reports.length > 10_000) throw new BadRequest('"reports" must be a list of 1–10000 { member, queue?, connections? }');
      const parsed = reports.map((r: unknown, i: number) => loadReport(r, i));
      let accepted = 0;
      const refused: string[] = [];
      for (const r of parsed) {
        const { member, ...report } = r;
        if (ctx.shaping.reportLoad(member, report)) accepted++;
        else refused.push(member);
      }
      if (refused.length > 0 && accepted === 0) return { status: 404, body: { error: `unknown members: ${refused.join(', ')}` } };
      return { status: 200, body: { accepted, ...(refused.length > 0 ? { unknown: refused } : {}) } };
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
  };
  return [
    ['POST /api/load', load],
    ['GET /api/warmups', list],
    ['GET /api/members/:id/warmup', one],
    ['POST /api/members/:id/warmup', act],
  ];
}

function loadReport(value: unknown, index: number): { member: string; queue?: number; connections?: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest(`reports[${index}] must be an object`);
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!['member', 'queue', 'connections'].includes(key)) throw new BadRequest(`reports[${index}]: unknown field "${key}" (expected member, queue, connections)`);
  if (typeof r.member !== 'string' || r.member === '') throw new BadRequest(`reports[${index}].member must be a member id <pool>/<member>`);
  const out: { member: string; queue?: number; connections?: number } = { member: r.member };
  for (const key of ['queue', 'connections'] as const) {
    const n = r[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1e9) throw new BadRequest(`reports[${index}].${key} must be a whole number 0–1000000000`);
    out[key] = n;
  }
  if (out.queue === undefined && out.connections === undefined) throw new BadRequest(`reports[${index}] needs queue or connections`);
  return out;
}
