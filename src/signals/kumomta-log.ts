/**
 * KumoMTA JSON log records → outcomes (pure). One record per line (KumoMTA's local logs are
 * newline-separated JSON; see https://docs.kumomta.com/reference/log_record/):
 *
 *   { "type": "TransientFailure", "recipient": "a@gmail.com", "site": "…google.com.",
 *     "response": { "code": 421, "enhanced_code": { "class": 4, "subject": 7, "detail": 28 }, "content": "…", "command": "RCPT TO" },
 *     "egress_pool": "pool-1", "egress_source": "ip-1", "source_address": { "address": "10.0.0.1:40123", … },
 *     "timestamp": 1765044765, "created": 1765044700, … }
 *
 * Types Delivery → sent, TransientFailure → deferred, Bounce → bounced, Expiration → expired,
 * Feedback → complaint; every other type (Reception, AdminBounce, OOB, …) is not an outcome.
 * Attribution is exact: `instance` is `egress_source`, `host` the IP of `source_address.address`.
 *
 * Contract: `parseKumoLine` returns undefined for a line that is not JSON or not an outcome record
 * and never throws. `timestamp` and `created` may be epoch seconds or RFC 3339 text.
 */
import { recipientDomain, type LogOutcome, type OutcomeStatus } from './outcome.ts';
import { classifyDomain, DEFAULT_PROVIDERS, type ProviderTable } from './providers.ts';

export interface KumoOutcome extends LogOutcome {
  source: 'kumomta';
  recipient?: string;
  pool?: string;
}

const TYPES: Record<string, OutcomeStatus> = { Delivery: 'sent', TransientFailure: 'deferred', Bounce: 'bounced', Expiration: 'expired', Feedback: 'complaint' };

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function epochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** `10.0.0.1:40123` → `10.0.0.1`, `[2001:db8::1]:25` → `2001:db8::1`, a bare address unchanged. */
function addressOnly(text: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracket) return bracket[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}

export function parseKumoLine(line: string, options: { providers?: ProviderTable } = {}): KumoOutcome | undefined {
  if (!line.includes('"type"')) return undefined;
  let record: Json | undefined;
  try {
    record = obj(JSON.parse(line));
  } catch {
    return undefined;
  }
  return record ? kumoRecord(record, options) : undefined;
}

export function kumoRecord(record: Json, options: { providers?: ProviderTable } = {}): KumoOutcome | undefined {
  const status = TYPES[String(record.type)];
  if (!status) return undefined;
  const at = epochMs(record.timestamp);
  if (at === undefined) return undefined;
  const outcome: KumoOutcome = { source: 'kumomta', status, at, provider: 'other' };
  const recipient = str(record.recipient);
  if (recipient) {
    outcome.recipient = recipient;
    const domain = recipientDomain(recipient);
    if (domain) outcome.domain = domain;
    outcome.provider = classifyDomain(domain, options.providers ?? DEFAULT_PROVIDERS);
  }
  const response = obj(record.response);
  if (response) {
    const code = typeof response.code === 'number' ? response.code : undefined;
    const content = str(response.content);
    const reply = [code, content].filter((part) => part !== undefined).join(' ').replace(/[\r\n]+/g, ' ');
    if (reply !== '') outcome.reply = reply;
    const enhanced = obj(response.enhanced_code);
    if (enhanced && [enhanced.class, enhanced.subject, enhanced.detail].every((n) => Number.isInteger(n))) {
      outcome.dsn = `${enhanced.class as number}.${enhanced.subject as number}.${enhanced.detail as number}`;
    }
  }
  const created = epochMs(record.created);
  if (created !== undefined && at >= created) outcome.delay = (at - created) / 1000;
  const source = str(record.egress_source);
  if (source) outcome.instance = source;
  const address = str(obj(record.source_address)?.address);
  if (address) outcome.host = addressOnly(address);
  const pool = str(record.egress_pool);
  if (pool) outcome.pool = pool;
  return outcome;
}
