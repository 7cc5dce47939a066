/**
 * Request bodies of admin writes: a small JSON object, checked field by field so a typo is a 400
 * that names the field, never a silently ignored option. Contract: every function here either
 * returns checked values or throws BadRequest with a message an operator can act on.
 */
import type { IncomingMessage } from 'node:http';
import { parseExpiry } from '../pool/index.ts';

export class BadRequest extends Error {}

/** Enough for a reason and an expiry; anything larger is not a request we understand. */
const MAX_BODY = 16 * 1024;
const MAX_REASON = 200;
/** The YAML parser's bound on configured weights (src/zone/yaml-pools.ts). */
export const MAX_WEIGHT = 1_000_000;

/** Reads the body as a JSON object; an empty body is `{}`. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(`request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequest(`request body is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest('request body must be a JSON object');
  return value as Record<string, unknown>;
}

function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new BadRequest(`unknown field "${key}"; allowed: ${allowed.join(', ') || 'none'}`);
  }
}

function reasonOf(body: Record<string, unknown>, fallback: string | undefined): string {
  const value = body.reason;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    if (fallback === undefined) throw new BadRequest('"reason" is required: say why, for the audit log and the people after you');
    return fallback;
  }
  if (typeof value !== 'string') throw new BadRequest('"reason" must be a string');
  const reason = value.trim();
  if (reason.length > MAX_REASON) throw new BadRequest(`"reason" is longer than ${MAX_REASON} characters`);
  if (/[\x00-\x1f\x7f]/.test(reason)) throw new BadRequest('"reason" must be one line without control characters');
  return reason;
}

function expiryOf(body: Record<string, unknown>, now: number): number | undefined {
  const value = body.expires;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequest('"expires" must be a string such as "30m" or "2026-11-25T18:00:00Z"');
  try {
    return parseExpiry(value, now);
  } catch (error) {
    throw new BadRequest((error as Error).message);
  }
}

export interface OverrideInput {
  reason: string;
  expiresAt?: number;
}

/** drain (reason optional) and quarantine (reason required): `{ reason, expires }`. */
export function overrideInput(body: Record<string, unknown>, now: number, defaultReason?: string): OverrideInput {
  onlyKeys(body, ['reason', 'expires']);
  const input: OverrideInput = { reason: reasonOf(body, defaultReason) };
  const expiresAt = expiryOf(body, now);
  if (expiresAt !== undefined) input.expiresAt = expiresAt;
  return input;
}

/** undrain and release take no options; a stray field is probably a mistake worth reporting. */
export function emptyInput(body: Record<string, unknown>): void {
  onlyKeys(body, []);
}

export type WeightInput = { clear: true } | { clear: false; weight: number; reason: string; expiresAt?: number };

/** `{ weight, reason?, expires? }` sets a weight override; `{ clear: true }` removes it. */
export function weightInput(body: Record<string, unknown>, now: number): WeightInput {
  onlyKeys(body, ['weight', 'reason', 'expires', 'clear']);
  if (body.clear !== undefined && typeof body.clear !== 'boolean') throw new BadRequest('"clear" must be true or false');
  if (body.clear === true) {
    if (body.weight !== undefined || body.expires !== undefined) throw new BadRequest('"clear" removes the weight override: give no "weight" or "expires" with it');
    return { clear: true };
  }
  const weight = body.weight;
  if (weight === undefined) throw new BadRequest('"weight" is required (or "clear": true to remove the override)');
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
    throw new BadRequest(`"weight" must be a whole number from 0 to ${MAX_WEIGHT} (0 = standby)`);
  }
  const input: WeightInput = { clear: false, weight, reason: reasonOf(body, 'weight set by operator') };
  const expiresAt = expiryOf(body, now);
  if (expiresAt !== undefined) input.expiresAt = expiresAt;
  return input;
}
