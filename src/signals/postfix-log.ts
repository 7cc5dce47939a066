/**
 * Postfix log lines → outcomes (pure). Reads the delivery lines of the `smtp`, `lmtp`, `error` and
 * `retry` delivery agents and the queue manager's `status=expired` line:
 *
 *   Dec  6 18:12:45 mx1 postfix-out/smtp[123]: 4Q2mXr1c2Vz9v: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.26]:25,
 *     delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 OK 1701886365 ...)
 *   Dec  6 18:12:45 mx1 postfix/qmgr[99]: 9F1C2216101: from=<news@sender.example>, status=expired, returned to sender
 *
 * Timestamps: BSD syslog (`Dec  6 18:12:45`, optionally with fractional seconds; the year is the
 * one that puts the line at most a day ahead of `now`, in local time), RFC 3339 (rsyslog, and
 * `maillog_file`: `2026-12-06T18:12:45.123456+00:00`). The program is `<syslog_name>/<service>`;
 * the syslog_name (everything before the last `/`) identifies the Postfix instance.
 *
 * Contract: `parsePostfixLine` returns undefined for every line that is not a delivery outcome
 * (connections, warnings, `status=undeliverable` address probes, smtpd, cleanup, …) and never
 * throws. A line must be cheap to reject: a line without `status=` costs one substring search.
 */
import { recipientDomain, type LogOutcome, type OutcomeStatus } from './outcome.ts';
import { classifyDomain, classifyMx, DEFAULT_PROVIDERS, type ProviderTable } from './providers.ts';

export interface PostfixOutcome extends LogOutcome {
  source: 'postfix';
  /** The syslog_name (`postfix`, `postfix-out`). */
  instance: string;
  host: string;
  queueId: string;
  /** The full recipient address (absent for `expired`, which names the sender). */
  recipient?: string;
  /** `relay=` as written: `host[ip]:port`, or `none`. */
  relay?: string;
  /** `delays=a/b/c/d`: before queue manager, in queue manager, connection set-up, transmission (seconds). */
  delays?: [number, number, number, number];
}

export interface PostfixParseOptions {
  /** Epoch ms used to give BSD syslog timestamps their year (default Date.now()). */
  now?: number;
  providers?: ProviderTable;
}

const DELIVERY_AGENTS = new Set(['smtp', 'lmtp', 'error', 'retry']);
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const DAY_MS = 86_400_000;

const HEADER = /^(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(\.\d+)?|(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) (\S+) ([^\s[\]]+)\[\d+\]: ([0-9A-Za-z]{5,}): (.*)$/;
const STATUS = /(?:^|, )status=(sent|deferred|bounced|expired)(?: \((.*)\)|, (.*))?$/;
const TO = /(?:^|, )to=<([^>]*)>/;
const RELAY = /, relay=([^,\s]+)/;
const DELAY = /, delay=(\d+(?:\.\d+)?)/;
const DELAYS = /, delays=(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)/;
const DSN = /, dsn=(\d\.\d{1,3}\.\d{1,3})/;

export function parsePostfixLine(line: string, options: PostfixParseOptions = {}): PostfixOutcome | undefined {
  if (!line.includes('status=')) return undefined;
  const head = HEADER.exec(line);
  if (!head) return undefined;
  const program = head[9]!;
  const slash = program.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const service = program.slice(slash + 1);
  const instance = program.slice(0, slash);
  const body = head[11]!;
  const status = STATUS.exec(body);
  if (!status) return undefined;
  const word = status[1] as OutcomeStatus;
  if (word === 'expired' ? service !== 'qmgr' : !DELIVERY_AGENTS.has(service)) return undefined;
  const at = head[7] !== undefined ? Date.parse(head[7].replace(' ', 'T')) : bsdTime(head, options.now ?? Date.now());
  if (!Number.isFinite(at)) return undefined;
  const outcome: PostfixOutcome = { source: 'postfix', status: word, at, instance, host: head[8]!, queueId: head[10]!, provider: 'other' };
  const reply = status[2] ?? status[3];
  if (reply !== undefined && reply !== '') outcome.reply = reply;
  const fields = body.slice(0, status.index);
  if (word !== 'expired') {
    const to = TO.exec(fields);
    if (!to) return undefined;
    outcome.recipient = to[1]!;
    const domain = recipientDomain(to[1]!);
    if (domain !== undefined) outcome.domain = domain;
    outcome.provider = classifyDomain(domain, options.providers ?? DEFAULT_PROVIDERS);
  }
  const relay = RELAY.exec(fields);
  if (relay) outcome.relay = relay[1]!;
  // A company domain hosted by Google or Microsoft: the MX it went to names the provider.
  if (outcome.provider === 'other' && relay) outcome.provider = classifyMx(relay[1]);
  const delay = DELAY.exec(fields);
  if (delay) outcome.delay = Number(delay[1]);
  const delays = DELAYS.exec(fields);
  if (delays) outcome.delays = [Number(delays[1]), Number(delays[2]), Number(delays[3]), Number(delays[4])];
  const dsn = DSN.exec(fields);
  if (dsn) outcome.dsn = dsn[1]!;
  return outcome;
}

/** A BSD syslog time in local time, in the year that puts it at most a day after `now`. */
function bsdTime(head: RegExpExecArray, now: number): number {
  const month = MONTHS[head[1]!];
  if (month === undefined) return NaN;
  const fraction = head[6] ? Math.round(Number(head[6]) * 1000) : 0;
  const make = (year: number) => new Date(year, month, Number(head[2]), Number(head[3]), Number(head[4]), Number(head[5]), fraction).getTime();
  const year = new Date(now).getFullYear();
  const guess = make(year);
  return guess > now + DAY_MS ? make(year - 1) : guess;
}
