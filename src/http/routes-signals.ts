/**
 * `POST /api/signals`: delivery outcomes from the MTAs (Postfix and KumoMTA log followers, ARF
 * readers, scripts), admin bearer token required like every admin write (routes-admin.ts).
 *
 *   { "batch": "<id>", "outcomes": [ { member, status, dsn?, reply?, domain?, provider?, delay?, at?, source? }, … ] }
 *
 * Contract: the token is checked first (401/403), then the whole batch (src/signals/batch.ts): a
 * bad batch is 400 `{ error, index, field }` (and `unknown: [ids]` for members not configured)
 * and nothing of it is applied. A valid batch is counted at once and answers 200
 * `{ batch, accepted, duplicate: false }`. The same batch id again with the same content (a client
 * retrying after a lost answer) answers `{ batch, accepted, duplicate: true }` without counting;
 * with other content it is 409. Batch ids are remembered for 24 h or the last 100,000 batches,
 * whichever ends first: a follower must not resend older batches (it saves its position only after
 * an acknowledgement, so it never needs to).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { configuredMembers } from '../metrics/index.ts';
import { BatchLedger, MAX_OUTCOMES, validateBatch } from '../signals/index.ts';
import type { ZoneSet } from '../zone/index.ts';
import { auditAuthor } from './auth.ts';
import type { ServerContext } from './context.ts';
import type { HttpReply, RouteHandler } from './server.ts';

/** Room for MAX_OUTCOMES outcomes with long replies. */
const MAX_BODY = MAX_OUTCOMES * 1200;
export const BATCH_LIMITS = { maxBatches: 100_000, maxAgeMs: 86_400_000 };

const bad = (status: number, body: Record<string, unknown>): HttpReply => ({ status, body });

async function readBody(request: IncomingMessage): Promise<{ text: string } | { error: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { error: `request body larger than ${MAX_BODY} bytes: send at most ${MAX_OUTCOMES} outcomes per batch` };
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}

export function signalRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const outcomes = ctx.outcomes;
  if (!outcomes) return [];
  const ledger = ctx.signalBatches ?? new BatchLedger(BATCH_LIMITS);
  const log = ctx.logger.child({ module: 'signals' });
  // The configured members, recomputed only when the zones change.
  let known: { zones: ZoneSet; members: ReadonlyMap<string, string> } | undefined;
  const configured = () => {
    const zones = ctx.keeper.current().zones;
    if (known?.zones !== zones) known = { zones, members: configuredMembers(zones) };
    return known.members;
  };

  const post: RouteHandler = async (request) => {
    const allowed = ctx.adminAuth.authorize(request);
    if (!allowed.ok) return allowed.reply;
    const author = auditAuthor(allowed.holder, request);
    if (typeof author !== 'string') return bad(400, author);
    const read = await readBody(request);
    if ('error' in read) return bad(413, { error: read.error });
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch (error) {
      return bad(400, { error: `request body is not JSON: ${(error as Error).message}`, index: -1, field: 'body' });
    }
    const now = ctx.now();
    const members = configured();
    const result = validateBatch(body, { now, isMember: (id) => members.has(id) });
    if (!result.ok) {
      const { message, index, field, unknown } = result.problem;
      return bad(400, { error: message, index, field, ...(unknown ? { unknown } : {}) });
    }
    const digest = createHash('sha256').update(JSON.stringify((body as { outcomes: unknown }).outcomes)).digest('base64url');
    const earlier = ledger.lookup(result.batch, now);
    if (earlier) {
      if (earlier.digest !== digest) return bad(409, { error: `batch "${result.batch}" was already applied with other outcomes: a new batch needs a new id` });
      return { status: 200, body: { batch: result.batch, accepted: earlier.count, duplicate: true } };
    }
    outcomes.record(result.outcomes);
    ledger.remember(result.batch, digest, result.outcomes.length, now);
    log.debug({ batch: result.batch, outcomes: result.outcomes.length, author }, 'signals batch applied');
    return { status: 200, body: { batch: result.batch, accepted: result.outcomes.length, duplicate: false } };
  };
  return [['POST /api/signals', post]];
}
