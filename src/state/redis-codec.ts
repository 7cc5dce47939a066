/**
 * What travels through Redis, encoded and decoded (pure). Everything is JSON; decoding checks the
 * shape so a foreign or corrupt value is skipped with a reason instead of poisoning the snapshot.
 */
import type { MemberId, ObservedState, Override, WeightOverride } from '../pool/index.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

/**
 * One change, published after it was written. Receivers apply it to their mirror without a round
 * trip; the periodic resync repairs anything missed. `from` lets a sender skip its own messages.
 */
export type ChangeMessage =
  | { kind: 'health'; from: string; member: MemberId; health: PersistedHealth }
  | { kind: 'override'; from: string; member: MemberId; override: Override | null; audit: AuditEntry }
  | { kind: 'weight'; from: string; member: MemberId; weight: WeightOverride | null; audit: AuditEntry }
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
const OVERRIDES = new Set(['drained', 'quarantined']);

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

export function isPersistedHealth(value: unknown): value is PersistedHealth {
  return (
    isObject(value) && STATES.has(value.state as string) && isNumber(value.since) && optional(value.reason, isString) &&
    optional(value.lastProbeAt, isNumber) &&
    optional(value.lastFailure, (f) => isObject(f) && isNumber(f.at) && isString(f.reason) && optional(f.detail, isString))
  );
}

export function isOverride(value: unknown): value is Override {
  return (
    isObject(value) && OVERRIDES.has(value.kind as string) && isString(value.reason) && isString(value.author) && isNumber(value.at) &&
    optional(value.expiresAt, isNumber)
  );
}

export function isWeightOverride(value: unknown): value is WeightOverride {
  return (
    isObject(value) && isNumber(value.weight) && value.weight >= 0 && isString(value.reason) && isString(value.author) && isNumber(value.at) &&
    optional(value.expiresAt, isNumber)
  );
}

export function isAuditEntry(value: unknown): value is AuditEntry {
  return isObject(value) && isNumber(value.at) && isString(value.author) && isString(value.action) && isString(value.member);
}

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

export function decodeMessage(text: string): ChangeMessage | undefined {
  const value = parse(text);
  if (!isObject(value) || !isString(value.from)) return undefined;
  if (value.kind === 'resync') return { kind: 'resync', from: value.from };
  if (!isString(value.member)) return undefined;
  switch (value.kind) {
    case 'health':
      return isPersistedHealth(value.health) ? (value as ChangeMessage) : undefined;
    case 'override':
      return (value.override === null || isOverride(value.override)) && isAuditEntry(value.audit) ? (value as ChangeMessage) : undefined;
    case 'weight':
      return (value.weight === null || isWeightOverride(value.weight)) && isAuditEntry(value.audit) ? (value as ChangeMessage) : undefined;
    default:
      return undefined;
  }
}
