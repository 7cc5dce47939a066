/**
 * What travels through Redis, encoded and decoded (pure). Everything is JSON; decoding checks every
 * field with the state schema (state-schema.ts, the same as the state file's) so a foreign or
 * corrupt value is skipped with a reason instead of poisoning the snapshot.
 */
import type { MemberId, ObservedState, Override, WeightOverride } from '../pool/index.ts';
import { checkAuditEntry, checkHealth, checkOverride, checkWeightOverride, type Checked } from './state-schema.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

/**
 * One change, published after it was written. Receivers apply it to their mirror without a round
 * trip; the periodic resync repairs anything missed. `from` lets a sender skip its own messages.
 */
export type ChangeMessage =
  | { kind: 'health'; from: string; member: MemberId; health: PersistedHealth }
  | { kind: 'override'; from: string; member: MemberId; override: Override | null; audit: AuditEntry }
  | { kind: 'weight'; from: string; member: MemberId; weight: WeightOverride | null; audit: AuditEntry }
  /** An audit entry of its own (warm-up and experiment controls, src/experiment-keeper.ts). */
  | { kind: 'audit'; from: string; member: MemberId; audit: AuditEntry }
  /** Several values changed at once (a resync pushed local state): read them back. */
  | { kind: 'resync'; from: string };

/** One instance's verdict on one member (quorum mode). */
export interface Vote {
  state: ObservedState;
  /** Epoch ms the vote was (re)written. */
  at: number;
  /** Epoch ms after which the vote no longer counts (its instance stopped refreshing it). */
  expiresAt: number;
  reason?: string;
}

const STATES = new Set(['unknown', 'up', 'down']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const optional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);

// Values the state file also holds are checked by the one schema (state-schema.ts).
export const isPersistedHealth = (value: unknown): value is PersistedHealth => checkHealth(value).ok;
export const isOverride = (value: unknown): value is Override => checkOverride(value).ok;
export const isWeightOverride = (value: unknown): value is WeightOverride => checkWeightOverride(value).ok;
export const isAuditEntry = (value: unknown): value is AuditEntry => checkAuditEntry(value).ok;

export function isVote(value: unknown): value is Vote {
  return isObject(value) && STATES.has(value.state as string) && isNumber(value.at) && isNumber(value.expiresAt) && optional(value.reason, isString);
}

export function encode(value: unknown): string {
  return JSON.stringify(value);
}

/** Decodes one JSON value, or undefined when it is not JSON or fails the check. */
export function decodeValue<T>(text: string | null | undefined, check: (value: unknown) => value is T): T | undefined {
  if (text === null || text === undefined) return undefined;
  const value = parse(text);
  return check(value) ? value : undefined;
}

/** A hash (HGETALL result) → map of the valid entries; `bad` lists the fields skipped. */
export function decodeHash<T>(hash: Record<string, string>, check: (value: unknown) => value is T): { entries: Map<MemberId, T>; bad: string[] } {
  const entries = new Map<MemberId, T>();
  const bad: string[] = [];
  for (const [field, text] of Object.entries(hash)) {
    const value = decodeValue(text, check);
    if (value === undefined) bad.push(field);
    else entries.set(field, value);
  }
  return { entries, bad };
}

/**
 * A hash (HGETALL result) → map of the entries the schema accepts (rebuilt from their known
 * fields), and each refused field with its reason.
 */
export function decodeCheckedHash<T>(hash: Record<string, string>, check: (value: unknown) => Checked<T>): { entries: Map<MemberId, T>; refused: { field: string; reason: string }[] } {
  const entries = new Map<MemberId, T>();
  const refused: { field: string; reason: string }[] = [];
  for (const [field, text] of Object.entries(hash)) {
    const value = parse(text);
    const checked: Checked<T> = value === undefined ? { ok: false, reason: 'not JSON' } : check(value);
    if (checked.ok) entries.set(field, checked.value);
    else refused.push({ field, reason: checked.reason });
  }
  return { entries, refused };
}

/** One checked value, or undefined (not JSON, or refused by the schema). */
export function decodeChecked<T>(text: string | null | undefined, check: (value: unknown) => Checked<T>): T | undefined {
  if (text === null || text === undefined) return undefined;
  const value = parse(text);
  if (value === undefined) return undefined;
  const checked = check(value);
  return checked.ok ? checked.value : undefined;
}

export function decodeMessage(text: string): ChangeMessage | undefined {
  const value = parse(text);
  if (!isObject(value) || !isString(value.from)) return undefined;
  const from = value.from;
  if (value.kind === 'resync') return { kind: 'resync', from };
  if (!isString(value.member)) return undefined;
  const member = value.member;
  switch (value.kind) {
    case 'health': {
      const health = checkHealth(value.health);
      return health.ok ? { kind: 'health', from, member, health: health.value } : undefined;
    }
    case 'override': {
      const audit = checkAuditEntry(value.audit);
      if (!audit.ok) return undefined;
      if (value.override === null) return { kind: 'override', from, member, override: null, audit: audit.value };
      const override = checkOverride(value.override);
      return override.ok ? { kind: 'override', from, member, override: override.value, audit: audit.value } : undefined;
    }
    case 'audit': {
      const audit = checkAuditEntry(value.audit);
      return audit.ok ? { kind: 'audit', from, member, audit: audit.value } : undefined;
    }
    case 'weight': {
      const audit = checkAuditEntry(value.audit);
      if (!audit.ok) return undefined;
      if (value.weight === null) return { kind: 'weight', from, member, weight: null, audit: audit.value };
      const weight = checkWeightOverride(value.weight);
      return weight.ok ? { kind: 'weight', from, member, weight: weight.value, audit: audit.value } : undefined;
    }
    default:
      return undefined;
  }
}
