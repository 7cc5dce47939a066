/**
 * `GET /api/delivery?minutes=60[&member=ID…]`: delivery outcomes per configured member as
 * per-minute series, for the dashboard's deliverability charts (docs/http-api.md).
 *
 *   { bucketMs, now, start, minutes, members: { "<id>": { sent: [..], deferred: [..], bounced: [..], expired: [..], complaint: [..] } } }
 *
 * Contract: read-only and synchronous (reads OutcomeStore.series). Every array has `minutes`
 * counts (1..60, default 60), oldest first; entry i counts the minute that starts at
 * `start + i × bucketMs`, the last one is the current, still filling minute. All providers are
 * summed (per-provider counts are in /status `reputation.providers` and /metrics). Without
 * `member`, every configured member is listed (zeros when nothing was reported); with one or more
 * `member` parameters only those, and an unknown id is a 404. A bad `minutes` is a 400. Guarded
 * like /status (Host allowlist, read token: exposure.ts, applied in routes.ts); the body holds
 * member ids and counts only, nothing redaction would hide, and is sent compact (a Buffer).
 */
import { configuredMembers } from '../metrics/index.ts';
import { BUCKET_MS, BUCKETS, OUTCOME_STATUSES, type StatusSeries } from '../signals/index.ts';
import type { ZoneSet } from '../zone/index.ts';
import type { ServerContext } from './context.ts';
import type { RouteHandler } from './server.ts';

const PARAMS = new Set(['minutes', 'member']);

export function deliveryRoutes(ctx: ServerContext): [string, RouteHandler][] {
  // The configured members, recomputed only when the zones change.
  let known: { zones: ZoneSet; ids: readonly string[] } | undefined;
  const configured = (): readonly string[] => {
    const zones = ctx.keeper.current().zones;
    if (known?.zones !== zones) known = { zones, ids: [...configuredMembers(zones).keys()] };
    return known.ids;
  };

  const handler: RouteHandler = (_request, url) => {
    for (const key of url.searchParams.keys()) {
      if (!PARAMS.has(key)) return { status: 400, body: { error: `unknown parameter "${key.slice(0, 40)}": use minutes (1-${BUCKETS}) and member (repeatable)` } };
    }
    const text = url.searchParams.get('minutes');
    const minutes = text === null ? BUCKETS : Number(text);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > BUCKETS) {
      return { status: 400, body: { error: `minutes must be a whole number from 1 to ${BUCKETS} (the store keeps one hour of one-minute buckets)` } };
    }
    const all = configured();
    const asked = url.searchParams.getAll('member');
    const unknown = asked.filter((id) => !all.includes(id));
    if (unknown.length > 0) return { status: 404, body: { error: `no configured member ${unknown.map((id) => `"${id.slice(0, 100)}"`).join(', ')}`, unknown } };
    const now = ctx.now();
    const members: Record<string, StatusSeries> = {};
    for (const id of asked.length > 0 ? asked : all) members[id] = ctx.outcomes?.series(id, minutes) ?? emptySeries(minutes);
    const start = (Math.floor(now / BUCKET_MS) - minutes + 1) * BUCKET_MS;
    // Compact JSON, not the server's pretty-printed default: 100 members × 5 statuses × 60 counts
    // are ~350 KB indented and ~65 KB compact, fetched every 10 s by each open dashboard.
    const body = Buffer.from(JSON.stringify({ bucketMs: BUCKET_MS, now, start, minutes, members }));
    return { status: 200, body, contentType: 'application/json', headers: { 'cache-control': 'no-store' } };
  };
  return [['GET /api/delivery', handler]];
}

function emptySeries(minutes: number): StatusSeries {
  return Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, new Array<number>(minutes).fill(0)])) as StatusSeries;
}
