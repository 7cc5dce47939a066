/**
 * Delivery outcomes: what an MTA did with one recipient of one message (sent, deferred, bounced,
 * expired) or what a receiver said about it later (complaint). The one record every signal source
 * (Postfix logs, KumoMTA logs, ARF reports, the API) produces and the outcome store and the
 * reputation model consume (pure, no I/O).
 *
 * Contract: `at` is epoch ms of the event (not of its arrival); `delay` is seconds from the MTA's
 * receipt of the message to this outcome; `dsn` is an RFC 3463 enhanced status code `X.Y.Z`;
 * `provider` is always set (from the recipient domain when the source did not name one).
 */
import type { MemberId } from '../name.ts';

export const OUTCOME_STATUSES = ['sent', 'deferred', 'bounced', 'expired', 'complaint'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export const PROVIDER_GROUPS = ['gmail', 'microsoft', 'yahoo', 'apple', 'other'] as const;
export type ProviderGroup = (typeof PROVIDER_GROUPS)[number];

export const OUTCOME_SOURCES = ['postfix', 'kumomta', 'arf', 'api'] as const;
export type OutcomeSource = (typeof OUTCOME_SOURCES)[number];

export interface Outcome {
  member: MemberId;
  status: OutcomeStatus;
  /** RFC 3463 enhanced status code, e.g. `4.7.28`. */
  dsn?: string;
  /** The remote SMTP reply (or the MTA's own explanation), one line. */
  reply?: string;
  /** The recipient's domain, lower case. */
  domain?: string;
  provider: ProviderGroup;
  /** Seconds from receipt of the message to this outcome. */
  delay?: number;
  /** Epoch ms of the event. */
  at: number;
  source: OutcomeSource;
  /**
   * The SMTP client address the message came from (Postfix: the smtpd `client=host[ADDR]` line of
   * the same queue ID). A/B experiments tie an outcome to an arm by it (docs/routing.md).
   */
  client?: string;
}

/** An outcome read from a log, before it is attributed to a member (by file, instance or source). */
export interface LogOutcome extends Omit<Outcome, 'member'> {
  /** Postfix: the syslog_name (`postfix`, `postfix-out`); KumoMTA: the egress source name. */
  instance?: string;
  /** The host name written in the log line (Postfix) or the source IP (KumoMTA). */
  host?: string;
}

export const isOutcomeStatus = (value: unknown): value is OutcomeStatus => typeof value === 'string' && (OUTCOME_STATUSES as readonly string[]).includes(value);
export const isProviderGroup = (value: unknown): value is ProviderGroup => typeof value === 'string' && (PROVIDER_GROUPS as readonly string[]).includes(value);

/** The domain of an address (`<User@Gmail.COM>` → `gmail.com`); undefined without one. */
export function recipientDomain(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = address.slice(at + 1).replace(/[>\s.]+$/, '').toLowerCase();
  return domain === '' ? undefined : domain;
}
