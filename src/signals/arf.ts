/**
 * Feedback-loop complaints: ARF reports (RFC 5965) → complaint outcomes (pure).
 *
 * An ARF report is a `multipart/report; report-type=feedback-report` message whose second part,
 * `message/feedback-report`, holds fields such as `Feedback-Type: abuse`, `Source-IP: 192.0.2.1`
 * (the sending MTA: the member), `Arrival-Date`, `Original-Rcpt-To` and `Reported-Domain`.
 *
 * Contract: `parseArf` returns undefined when the text has no feedback-report part or that part
 * has no `Source-IP` (the report cannot be attributed), and never throws. Only `abuse` and `fraud`
 * reports (and reports without a Feedback-Type) count as complaints; `not-spam`, `auth-failure`,
 * `virus` and others come back with `complaint: false`. The provider group is that of the original
 * recipient's domain, else that of the report's sender (`From:` of the report, e.g. a provider's
 * feedback-loop address).
 */
import { recipientDomain } from './outcome.ts';
import type { ProviderGroup } from './outcome.ts';
import { classifyDomain, DEFAULT_PROVIDERS, type ProviderTable } from './providers.ts';

export interface ArfReport {
  feedbackType: string;
  complaint: boolean;
  sourceIp: string;
  /** Epoch ms of Arrival-Date (or Received-Date), if it parses. */
  arrival?: number;
  recipient?: string;
  domain?: string;
  provider: ProviderGroup;
}

const COMPLAINT_TYPES = new Set(['abuse', 'fraud']);

/** Header fields of a block of lines (RFC 5322 folding: continuation lines start with white space). */
function fields(block: string): Map<string, string> {
  const map = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      map.set(last, `${map.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    if (!map.has(last)) map.set(last, m[2]!.trim());
  }
  return map;
}

export function parseArf(text: string, options: { providers?: ProviderTable } = {}): ArfReport | undefined {
  const outerEnd = text.search(/\r?\n\r?\n/);
  const outer = fields(outerEnd < 0 ? text : text.slice(0, outerEnd));
  const part = /content-type:[ \t]*message\/feedback-report[^\n]*\n/i.exec(text);
  if (!part) return undefined;
  const afterHeaders = text.slice(part.index).search(/\r?\n\r?\n/);
  if (afterHeaders < 0) return undefined;
  const bodyStart = part.index + afterHeaders;
  const rest = text.slice(bodyStart).replace(/^\r?\n\r?\n/, '');
  const boundary = rest.search(/\r?\n--|\r?\n\r?\n/);
  const report = fields(boundary < 0 ? rest : rest.slice(0, boundary));
  const sourceIp = report.get('source-ip')?.replace(/^\[|\]$/g, '');
  if (!sourceIp || !/^[0-9a-fA-F.:]+$/.test(sourceIp)) return undefined;
  const feedbackType = (report.get('feedback-type') ?? 'abuse').toLowerCase();
  const result: ArfReport = { feedbackType, complaint: COMPLAINT_TYPES.has(feedbackType), sourceIp, provider: 'other' };
  const arrival = Date.parse(report.get('arrival-date') ?? report.get('received-date') ?? '');
  if (Number.isFinite(arrival)) result.arrival = arrival;
  const recipient = report.get('original-rcpt-to')?.replace(/^<|>$/g, '');
  if (recipient) result.recipient = recipient;
  const domain = recipient ? recipientDomain(recipient) : undefined;
  if (domain) result.domain = domain;
  const table = options.providers ?? DEFAULT_PROVIDERS;
  const from = /<([^>]+)>/.exec(outer.get('from') ?? '')?.[1] ?? outer.get('from');
  result.provider = domain ? classifyDomain(domain, table) : classifyDomain(from ? recipientDomain(from) : undefined, table);
  return result;
}
