/**
 * Pages and summaries of the `/status` document (pure), so a zone of thousands of members does
 * not make every poll a document of tens of megabytes (issue 12: 36.7 MB for 5,000 members).
 *
 * Contract:
 * - `?zone=ORIGIN` keeps one zone, `?pool=NAME` the pools of that name; `?limit=N&offset=K`
 *   keeps members K … K+N-1 of the selected pools, in document order (zone, pool, member), and
 *   drops pools left without members. A paged document carries `page`: offset, limit, the members
 *   matched, the members returned and, if more remain, the `next` offset.
 * - Without any of them, a document of at most `DEFAULT_LIMIT` members is returned unchanged
 *   (the shape small zones always had); a larger one is paged with limit `DEFAULT_LIMIT`.
 * - `?summary=1`: server, totals and shares, per zone its names' answers (candidates counted,
 *   not listed) and per pool the member count by effective state; no member details. What a
 *   dashboard polls every second for a large zone.
 * - Bad values are reported as a string (the route answers 400 with it).
 */
import type { SharesReport } from './shares.ts';
import type { FamilyStatus, StatusDocument, ZoneStatus } from './status-model.ts';

/** Members in one unpaged reply; beyond it `/status` pages by default. */
export const DEFAULT_LIMIT = 1_000;
/** The largest page a client may ask for. */
export const MAX_LIMIT = 10_000;

export interface StatusQuery {
  zone?: string;
  pool?: string;
  limit?: number;
  offset?: number;
  summary: boolean;
  /** Probe samples per member in `recent` (1–300, the history the server keeps; default 30). */
  samples?: number;
}

const PARAMS = new Set(['zone', 'pool', 'limit', 'offset', 'summary', 'samples']);
/** The probe history keeps at most 300 samples per member (fewer with many members: probe/history.ts). */
export const MAX_SAMPLES = 300;

export function parseStatusQuery(params: URLSearchParams): StatusQuery | string {
  for (const key of params.keys()) if (!PARAMS.has(key)) return `unknown parameter "${key}" (expected zone, pool, limit, offset, summary, samples)`;
  const query: StatusQuery = { summary: false };
  const zone = params.get('zone');
  if (zone !== null) query.zone = zone.toLowerCase().replace(/\.$/, '');
  const pool = params.get('pool');
  if (pool !== null) query.pool = pool;
  for (const key of ['limit', 'offset'] as const) {
    const text = params.get(key);
    if (text === null) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) return `${key} must be a whole number ≥ 0, not "${text}"`;
    if (key === 'limit' && (value < 1 || value > MAX_LIMIT)) return `limit must be between 1 and ${MAX_LIMIT}`;
    query[key] = value;
  }
  const samples = params.get('samples');
  if (samples !== null) {
    const value = Number(samples);
    if (!/^\d+$/.test(samples) || value < 1 || value > MAX_SAMPLES) return `samples must be a whole number from 1 to ${MAX_SAMPLES}, not "${samples}"`;
    query.samples = value;
  }
  const summary = params.get('summary');
  if (summary !== null) {
    if (!['1', 'true', '0', 'false'].includes(summary)) return `summary must be 1 or 0, not "${summary}"`;
    query.summary = summary === '1' || summary === 'true';
  }
  return query;
}

export interface StatusPage {
  offset: number;
  limit: number;
  /** Members in the selected zones and pools. */
  members: number;
  /** Members in this reply. */
  returned: number;
  /** The offset of the next page, when members remain. */
  next?: number;
}

/** The document for `query`: unchanged, paged (`page` added) or summarised. */
export function selectStatus(doc: StatusDocument, query: StatusQuery): object {
  let zones = doc.zones;
  if (query.zone !== undefined) zones = zones.filter((z) => z.origin === query.zone);
  if (query.pool !== undefined) zones = zones.map((z) => ({ ...z, pools: z.pools.filter((p) => p.name === query.pool) }));
  if (query.summary) return summarise(doc, zones);
  const matched = zones.reduce((n, z) => n + z.pools.reduce((m, p) => m + p.members.length, 0), 0);
  const unasked = query.zone === undefined && query.pool === undefined && query.limit === undefined && query.offset === undefined;
  if (unasked && matched <= DEFAULT_LIMIT) return doc;
  const offset = query.offset ?? 0;
  const limit = query.limit ?? DEFAULT_LIMIT;
  let index = 0;
  const paged: ZoneStatus[] = [];
  for (const zone of zones) {
    const pools = [];
    for (const pool of zone.pools) {
      const start = Math.max(0, offset - index);
      const end = Math.max(0, offset + limit - index);
      const members = pool.members.slice(start, end);
      index += pool.members.length;
      if (members.length > 0) pools.push({ ...pool, members });
    }
    paged.push({ ...zone, pools });
  }
  const returned = Math.max(0, Math.min(limit, matched - offset));
  const page: StatusPage = { offset, limit, members: matched, returned };
  if (offset + limit < matched) page.next = offset + limit;
  return { ...doc, zones: paged, page };
}

const NO_SHARE = Object.freeze({ answers: 0, first: 0, fraction: 0, firstFraction: 0 });

/** `doc` with the answer shares of `shares` (what buildStatus would put there now), sharing everything else. */
export function withShares(doc: StatusDocument, shares: SharesReport): StatusDocument {
  return {
    ...doc,
    sharesWindowSeconds: shares.windowSeconds,
    answersInWindow: shares.total,
    zones: doc.zones.map((z) => ({ ...z, pools: z.pools.map((p) => ({ ...p, members: p.members.map((m) => ({ ...m, share: { ...(shares.members[m.id] ?? NO_SHARE) } })) })) })),
  };
}

function summarise(doc: StatusDocument, zones: ZoneStatus[]): object {
  const answer = (a: FamilyStatus) => ({ type: a.type, outcome: a.outcome, tier: a.tier, mode: a.mode, degraded: a.degraded, degradedBecause: a.degradedBecause, allDown: a.allDown, candidates: a.candidates.length });
  return {
    summary: true,
    server: doc.server,
    totals: doc.totals,
    sharesWindowSeconds: doc.sharesWindowSeconds,
    answersInWindow: doc.answersInWindow,
    zones: zones.map((z) => ({
      origin: z.origin,
      serial: z.serial,
      balanced: z.balanced,
      names: z.names.map((n) => ({ owner: n.owner, policy: n.policy, max: n.max, answers: n.answers.map(answer), tiers: n.tiers })),
      pools: z.pools.map((p) => {
        const byState: Record<string, number> = {};
        for (const m of p.members) byState[m.effective] = (byState[m.effective] ?? 0) + 1;
        return { name: p.name, members: p.members.length, byState };
      }),
    })),
    recentTransitions: doc.recentTransitions,
  };
}
