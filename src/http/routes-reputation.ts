/**
 * `POST /api/members/:id/pin` (admin token): an operator pins a member so the reputation model's
 * verdict is shown but not applied until the pin expires — `{ expires: "2h", reason? }` (an
 * expiry is required: a pin is a pause, not a way to switch the model off; use `enforce: false`
 * for that) — or `{ clear: true }` ends a pin. An automatic quarantine in force is lifted at once.
 * Pins live in the serving instance's memory (logged with author and reason); they end with it.
 */
import type { IncomingMessage } from 'node:http';
import { auditAuthor } from './auth.ts';
import { BadRequest, overrideInput, readJsonBody } from './admin-body.ts';
import type { ServerContext } from './context.ts';
import type { RouteHandler, RouteParams } from './server.ts';

export function reputationRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const pin: RouteHandler = async (request: IncomingMessage, _url: URL, params: RouteParams) => {
    const allowed = ctx.adminAuth.authorize(request);
    if (!allowed.ok) return allowed.reply;
    const author = auditAuthor(allowed.holder, request);
    if (typeof author !== 'string') return { status: 400, body: author };
    const id = params.id ?? '';
    if (!ctx.reputation) return { status: 404, body: { error: 'the reputation model is not running' } };
    const known = ctx.reputation.states().has(id);
    if (!known) return { status: 404, body: { error: `unknown member ${id}` } };
    try {
      const body = await readJsonBody(request);
      const now = ctx.now();
      if (body.clear === true) {
        if (Object.keys(body).length !== 1) throw new BadRequest('"clear" ends the pin: give nothing else with it');
        ctx.reputation.unpin(id);
        return { status: 200, body: { member: id, pinned: false } };
      }
      const input = overrideInput(body, now, 'pinned by an operator');
      if (input.expiresAt === undefined) throw new BadRequest('"expires" is required: a pin is a pause (e.g. "2h"); set enforce: false in the zone to switch the model off');
      await ctx.reputation.pin(id, input.expiresAt, input.reason, author);
      return { status: 200, body: { member: id, pinned: true, until: new Date(input.expiresAt).toISOString(), reason: input.reason, author } };
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
  };
  return [['POST /api/members/:id/pin', pin]];
}
