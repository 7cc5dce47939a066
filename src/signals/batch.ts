/**
 * `POST /api/signals` batches (pure): validation of the whole batch before anything is applied,
 * and the ledger of batch ids already applied so a retried batch is acknowledged, not counted twice.
 *
 * Body: `{ batch: "<id>", outcomes: [ { member, status, dsn?, reply?, domain?, provider?, delay?, at?, source?, client? }, … ] }`.
 * Contract: `validateBatch` returns every outcome checked and completed (provider from the domain
 * when absent, `at` = now when absent, `source` = `api` when absent), or the first problem as
 * `{ index, field, message }` (index -1: the batch itself); members it does not know are all
 * named at once. `at` is epoch ms or RFC 3339 text and may be at most a day old or 5 min ahead.
 */
import { isIP } from 'node:net';
import type { MemberId } from '../name.ts';
import { isOutcomeStatus, isProviderGroup, OUTCOME_SOURCES, OUTCOME_STATUSES, PROVIDER_GROUPS, type Outcome, type OutcomeSource } from './outcome.ts';
import { classifyDomain, DEFAULT_PROVIDERS, type ProviderTable } from './providers.ts';

export const MAX_OUTCOMES = 5000;
const MAX_REPLY = 1000;
const MAX_AGE_MS = 86_400_000;
const MAX_AHEAD_MS = 300_000;
const BATCH_ID = /^[\x21-\x7e]{1,200}$/;
const FIELDS = ['member', 'status', 'dsn', 'reply', 'domain', 'provider', 'delay', 'at', 'source', 'client'];

export interface BatchProblem {
  /** Index of the outcome in `outcomes`, -1 for the batch itself. */
  index: number;
  field: string;
  message: string;
  /** Unknown members, when that is the problem. */
  unknown?: MemberId[];
}

export type BatchResult = { ok: true; batch: string; outcomes: Outcome[] } | { ok: false; problem: BatchProblem };

export interface BatchContext {
  now: number;
  isMember(id: MemberId): boolean;
  providers?: ProviderTable;
}

class Problem extends Error {
  constructor(readonly problem: BatchProblem) {
    super(problem.message);
  }
}

const fail = (index: number, field: string, message: string): never => {
  throw new Problem({ index, field, message: index < 0 ? message : `outcomes[${index}].${field}: ${message}` });
};

export function validateBatch(body: unknown, context: BatchContext): BatchResult {
  try {
    return { ok: true, ...checkBatch(body, context) };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error.problem };
    throw error;
  }
}

function checkBatch(body: unknown, context: BatchContext): { batch: string; outcomes: Outcome[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(-1, 'body', 'the body must be a JSON object { batch, outcomes }');
  const { batch, outcomes, ...rest } = body as Record<string, unknown>;
  const stray = Object.keys(rest)[0];
  if (stray !== undefined) fail(-1, stray, `unknown field "${stray}"; allowed: batch, outcomes`);
  if (typeof batch !== 'string' || !BATCH_ID.test(batch)) fail(-1, 'batch', '"batch" must be an id of 1-200 printable ASCII characters without spaces');
  if (!Array.isArray(outcomes)) fail(-1, 'outcomes', '"outcomes" must be an array');
  const list = outcomes as unknown[];
  if (list.length > MAX_OUTCOMES) fail(-1, 'outcomes', `at most ${MAX_OUTCOMES} outcomes per batch (got ${list.length}): split it`);
  const checked = list.map((item, index) => checkOutcome(item, index, context));
  const unknown = [...new Set(checked.map((o) => o.member).filter((id) => !context.isMember(id)))];
  if (unknown.length > 0) {
    const index = checked.findIndex((o) => o.member === unknown[0]);
    throw new Problem({ index, field: 'member', unknown, message: `unknown member${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `"${id}"`).join(', ')} (first at outcomes[${index}]; member ids are <pool>/<member>)` });
  }
  return { batch: batch as string, outcomes: checked };
}

function checkOutcome(item: unknown, index: number, context: BatchContext): Outcome {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail(index, 'outcome', 'must be an object');
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.includes(key)) fail(index, key, `unknown field; allowed: ${FIELDS.join(', ')}`);
  if (typeof o.member !== 'string' || o.member === '') fail(index, 'member', 'required, a member id <pool>/<member>');
  if (!isOutcomeStatus(o.status)) fail(index, 'status', `must be one of ${OUTCOME_STATUSES.join(', ')}`);
  const outcome: Outcome = { member: o.member as string, status: o.status as Outcome['status'], at: context.now, provider: 'other', source: 'api' };
  if (o.dsn !== undefined) {
    if (typeof o.dsn !== 'string' || !/^[245]\.\d{1,3}\.\d{1,3}$/.test(o.dsn)) fail(index, 'dsn', 'must be an enhanced status code X.Y.Z (RFC 3463), e.g. 4.7.28');
    outcome.dsn = o.dsn as string;
  }
  if (o.reply !== undefined) {
    if (typeof o.reply !== 'string') fail(index, 'reply', 'must be a string');
    outcome.reply = (o.reply as string).replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, MAX_REPLY);
  }
  if (o.domain !== undefined) {
    if (typeof o.domain !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(o.domain) || o.domain.length > 253) fail(index, 'domain', 'must be a domain name');
    outcome.domain = (o.domain as string).toLowerCase().replace(/\.$/, '');
  }
  if (o.provider !== undefined) {
    if (!isProviderGroup(o.provider)) fail(index, 'provider', `must be one of ${PROVIDER_GROUPS.join(', ')}`);
    outcome.provider = o.provider as Outcome['provider'];
  } else {
    outcome.provider = classifyDomain(outcome.domain, context.providers ?? DEFAULT_PROVIDERS);
  }
  if (o.delay !== undefined) {
    if (typeof o.delay !== 'number' || !Number.isFinite(o.delay) || o.delay < 0) fail(index, 'delay', 'must be a number of seconds >= 0');
    outcome.delay = o.delay as number;
  }
  if (o.at !== undefined) {
    const at = typeof o.at === 'number' ? o.at : typeof o.at === 'string' ? Date.parse(o.at) : NaN;
    if (!Number.isFinite(at)) fail(index, 'at', 'must be epoch milliseconds or an RFC 3339 time');
    if (at < context.now - MAX_AGE_MS || at > context.now + MAX_AHEAD_MS) fail(index, 'at', 'must be within the last 24 hours (and at most 5 minutes ahead)');
    outcome.at = at;
  }
  if (o.client !== undefined) {
    if (typeof o.client !== 'string' || isIP(o.client) === 0) fail(index, 'client', 'must be an IPv4 or IPv6 address (the SMTP client of the message)');
    outcome.client = o.client as string;
  }
  if (o.source !== undefined) {
    if (typeof o.source !== 'string' || !(OUTCOME_SOURCES as readonly string[]).includes(o.source)) fail(index, 'source', `must be one of ${OUTCOME_SOURCES.join(', ')}`);
    outcome.source = o.source as OutcomeSource;
  }
  return outcome;
}

/**
 * Batch ids applied recently, bounded by count and age (oldest forgotten first). A batch id seen
 * again with the same content is a retry (acknowledged, not applied); with other content it is a
 * conflict, never silently merged.
 */
export class BatchLedger {
  readonly #seen = new Map<string, { at: number; digest: string; count: number }>();

  readonly #limits: { maxBatches: number; maxAgeMs: number };

  constructor(limits: { maxBatches: number; maxAgeMs: number }) {
    this.#limits = limits;
  }

  /** What an earlier batch with this id was, if still remembered. */
  lookup(batch: string, now: number): { digest: string; count: number } | undefined {
    this.#expire(now);
    return this.#seen.get(batch);
  }

  remember(batch: string, digest: string, count: number, now: number): void {
    this.#seen.delete(batch);
    this.#seen.set(batch, { at: now, digest, count });
    while (this.#seen.size > this.#limits.maxBatches) this.#seen.delete(this.#seen.keys().next().value!);
  }

  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [id, entry] of this.#seen) {
      if (now - entry.at <= this.#limits.maxAgeMs) break;
      this.#seen.delete(id);
    }
  }
}
