/**
 * Admin API (JSON under /api): list members, overrides and the audit log (open reads, like
 * /status), and change operator state (bearer token required):
 *
 *   GET  /api/members                      every configured member with state, override, weight
 *   GET  /api/members/:id                  one member (id `<pool>/<member>`, percent-encoded: primary%2Fmta1)
 *   GET  /api/overrides                    overrides and weight overrides in force
 *   GET  /api/audit?limit=N                newest first (default 50, at most 1000)
 *   POST /api/members/:id/drain            { reason?, expires? }   out of answers, still probed
 *   POST /api/members/:id/undrain          {}
 *   POST /api/members/:id/quarantine       { reason, expires? }    like drain, for reputation trouble
 *   POST /api/members/:id/release          {}
 *   POST /api/members/:id/weight           { weight, reason?, expires? } | { clear: true }
 *
 * Contract for writes: the token is checked first (401/403, nothing changed, nothing revealed),
 * then the body (400 naming the field), then the member (404); a drain on a quarantined member,
 * an undrain of a quarantine or a release of a drain is 409 (one override replaces the other only
 * upwards: quarantine may replace a drain). A write resolves once the store made it durable and
 * answers `{ changed, member, audit, warning? }` (`warning` when the store reports it could not
 * persist: the change is live but would not survive a restart); the next snapshot (built
 * synchronously from the store's change event) already answers DNS with it. With the memory store
 * a change its state file cannot keep (read-only or full disk, folder gone) is not applied and
 * answers 503 `{ error, changed: false }` (docs/http-api.md); `warning` then comes only from the
 * Redis store, which applies a change while Redis is unreachable and pushes it on reconnect.
 * Removing what is not there is `changed: false` without an audit entry, so scripts can repeat
 * themselves.
 */
import type { IncomingMessage } from 'node:http';
import { isLive, type MemberId, type Override, type WeightOverride } from '../pool/index.ts';
import { StateNotDurable, type AuditEntry } from '../state/index.ts';
import { auditAuthor, AdminAuth } from './auth.ts';
import { BadRequest, emptyInput, overrideInput, readJsonBody, weightInput } from './admin-body.ts';
import { liveOverrides, memberViews, type MemberView } from './admin-view.ts';
import type { ServerContext } from './context.ts';
import type { HttpReply, RouteHandler, RouteParams } from './server.ts';

const DEFAULT_AUDIT = 50;
const MAX_AUDIT = 1000;

type Action = 'drain' | 'undrain' | 'quarantine' | 'release' | 'weight';
const ACTIONS: readonly Action[] = ['drain', 'undrain', 'quarantine', 'release', 'weight'];

interface WriteRequest {
  id: MemberId;
  author: string;
  body: Record<string, unknown>;
  now: number;
  /** The member as configured now; undefined for an override left over from a removed member. */
  member: MemberView | undefined;
  override: Override | undefined;
  weight: WeightOverride | undefined;
}

const conflict = (message: string): HttpReply => ({ status: 409, body: { error: message } });

export function adminRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const auth = ctx.adminAuth;
  const log = ctx.logger.child({ module: 'admin' });
  const members = () => {
    const reputation = ctx.reputation?.states();
    const dnsbl = ctx.dnsbl?.verdicts();
    return memberViews(ctx.keeper.current().zones, ctx.store.view(), ctx.now(), {
      ...(reputation ? { reputation: (id: string) => reputation.get(id) } : {}),
      ...(dnsbl ? { dnsbl: (id: string) => dnsbl.get(id) } : {}),
    });
  };
  const find = (id: MemberId) => members().find((m) => m.id === id);

  const result = async (req: WriteRequest, kind: 'override' | 'weight', entry: AuditEntry | undefined): Promise<HttpReply> => {
    const after = find(req.id);
    if (entry) {
      const before = req.member;
      const [previous, next] = kind === 'override' ? [before?.state, after?.state] : [before?.weight, after?.weight];
      log.info({ member: req.id, action: entry.action, previous, next, author: req.author, reason: reasonOf(entry) }, 'override changed');
    }
    const body: Record<string, unknown> = { changed: entry !== undefined, member: after ?? { id: req.id }, audit: entry ?? null };
    // The change is live either way; say so when it could not be made durable (state file, Redis).
    const store = ctx.store.health();
    // The memory store either made the change durable or refused it (503 below): no warning there.
    if (entry && !store.ok && ctx.store.kind !== 'memory') body.warning = `applied but not persisted: ${store.reason ?? 'state store unhealthy'}`;
    return { status: 200, body };
  };

  const apply = async (action: Action, req: WriteRequest): Promise<HttpReply> => {
    const { id, override } = req;
    switch (action) {
      case 'drain':
      case 'quarantine': {
        if (action === 'drain' && override?.kind === 'quarantined') {
          return conflict(`${id} is quarantined (${override.reason}, by ${override.author}): release it instead of draining`);
        }
        const input = overrideInput(req.body, req.now, action === 'drain' ? 'maintenance' : undefined);
        const next: Override = { kind: action === 'drain' ? 'drained' : 'quarantined', reason: input.reason, author: req.author, at: req.now };
        if (input.expiresAt !== undefined) next.expiresAt = input.expiresAt;
        return result(req, 'override', await ctx.store.setOverride(id, next, req.author));
      }
      case 'undrain':
      case 'release': {
        emptyInput(req.body);
        const wanted = action === 'undrain' ? 'drained' : 'quarantined';
        if (override && override.kind !== wanted) {
          return conflict(`${id} is ${override.kind}, not ${wanted}: use ${action === 'undrain' ? 'release' : 'undrain'}`);
        }
        if (!override) return result(req, 'override', undefined);
        return result(req, 'override', await ctx.store.setOverride(id, undefined, req.author));
      }
      case 'weight': {
        const input = weightInput(req.body, req.now);
        if (input.clear) {
          if (!req.weight) return result(req, 'weight', undefined);
          return result(req, 'weight', await ctx.store.setWeight(id, undefined, req.author));
        }
        const next: WeightOverride = { weight: input.weight, reason: input.reason, author: req.author, at: req.now };
        if (input.expiresAt !== undefined) next.expiresAt = input.expiresAt;
        return result(req, 'weight', await ctx.store.setWeight(id, next, req.author));
      }
    }
  };

  const write =
    (action: Action): RouteHandler =>
    async (request: IncomingMessage, _url: URL, params: RouteParams) => {
      const allowed = auth.authorize(request);
      if (!allowed.ok) return allowed.reply;
      const author = auditAuthor(allowed.holder, request);
      if (typeof author !== 'string') return { status: 400, body: author };
      const id = params.id ?? '';
      const now = ctx.now();
      try {
        const body = await readJsonBody(request);
        const view = ctx.store.view();
        const override = isLive(view.overrides.get(id), now) ? view.overrides.get(id) : undefined;
        const weight = isLive(view.weights.get(id), now) ? view.weights.get(id) : undefined;
        const member = find(id);
        // A member removed from the zones may still carry an override: it can be cleared, not set.
        const clearing = action === 'undrain' || action === 'release' || (action === 'weight' && body.clear === true);
        if (!member && !(clearing && (override || weight))) return unknownMember(id, members());
        return await apply(action, { id, author, body, now, member, override, weight });
      } catch (error) {
        if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
        if (error instanceof StateNotDurable) {
          log.error({ member: id, action, author, reason: error.message }, 'operator change refused: not durable');
          return { status: 503, body: { error: error.message, changed: false } };
        }
        throw error;
      }
    };

  const routes: [string, RouteHandler][] = [
    ['GET /api/members', () => ({ status: 200, body: { now: ctx.now(), members: members() } })],
    [
      'GET /api/members/:id',
      (_request, _url, params) => {
        const member = find(params.id ?? '');
        return member ? { status: 200, body: { now: ctx.now(), member } } : unknownMember(params.id ?? '', members());
      },
    ],
    ['GET /api/overrides', () => ({ status: 200, body: { now: ctx.now(), ...liveOverrides(ctx.store.view(), ctx.now()) } })],
    [
      'GET /api/audit',
      (_request, url) => {
        const text = url.searchParams.get('limit');
        const limit = text === null ? DEFAULT_AUDIT : Number(text);
        if (!/^\d+$/.test(text ?? '0') || limit < 1 || limit > MAX_AUDIT) {
          return { status: 400, body: { error: `limit must be a whole number from 1 to ${MAX_AUDIT}` } };
        }
        return { status: 200, body: { entries: ctx.store.audit(limit) } };
      },
    ],
  ];
  for (const action of ACTIONS) routes.push([`POST /api/members/:id/${action}`, write(action)]);
  return routes;
}

function unknownMember(id: string, known: MemberView[]): HttpReply {
  const hint = id.includes('/') ? '' : ' (member ids are <pool>/<member>, e.g. primary/mta1)';
  const sample = known.slice(0, 5).map((m) => m.id);
  return { status: 404, body: { error: `unknown member "${id}"${hint}`, known: sample } };
}

function reasonOf(entry: AuditEntry): string | undefined {
  const next = entry.next as { reason?: string } | undefined;
  const previous = entry.previous as { reason?: string } | undefined;
  return next?.reason ?? previous?.reason;
}
