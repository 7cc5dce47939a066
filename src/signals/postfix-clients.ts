/**
 * The SMTP client of each Postfix message (pure): smtpd logs it when it accepts a message,
 *
 *   Dec  6 18:12:40 mx1 postfix/smtpd[120]: 4Q2mXr1c2Vz9v: client=app1.example.com[10.1.2.7]
 *
 * and the delivery lines of the same queue ID follow later. `QueueClients` remembers the client
 * per (syslog_name, queue ID) so an outcome can carry it (`Outcome.client`): A/B experiments tie
 * an outcome to the arm the client's subnet hashes to (docs/routing.md "Attribution").
 *
 * A submission service logs under its own syslog_name: Debian's master.cf gives it
 * `-o syslog_name=postfix/submission` (and `postfix/smtps`), so its line reads
 * `postfix/submission/smtpd[..]: QUEUEID: client=…` while the same message's delivery line reads
 * `postfix/smtp[..]: QUEUEID: …` (seen with Postfix 3.7 in test/integration/experiment-postfix.test.ts).
 * A client line therefore belongs to the delivery lines of its own syslog_name or of a leading
 * part of it up to a `/` (`postfix-out/submission` → `postfix-out`); the exact name is preferred.
 *
 * Contract: `parsePostfixClient` returns undefined for every other line and never throws.
 * `QueueClients` keeps at most `limit` queue IDs (oldest forgotten first: a message delivered
 * after that many newer ones arrived loses its client, and its outcome is then attributed by
 * member or counted as unattributed, never guessed). A queue ID is kept after its first delivery
 * line (a message has one line per recipient, and deferred ones come back).
 */

const HEADER = /^(?:[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ ([^\s[\]]+)\/smtpd\[\d+\]: ([0-9A-Za-z]{5,}): client=[^\s[]*\[([0-9A-Fa-f:.]+)\](?::\d+)?(?:,|$)/;

export interface PostfixClient {
  /** The syslog_name (`postfix`, `postfix-out`). */
  instance: string;
  queueId: string;
  /** The client's address as logged (IPv6 without the `IPv6:` tag). */
  address: string;
}

export function parsePostfixClient(line: string): PostfixClient | undefined {
  if (!line.includes('client=')) return undefined;
  const m = HEADER.exec(line);
  if (!m) return undefined;
  return { instance: m[1]!, queueId: m[2]!, address: m[3]! };
}

export const DEFAULT_QUEUE_CLIENTS = 100_000;

export class QueueClients {
  /** Queue ID → the client lines read for it (nearly always one: queue IDs are unique per instance). */
  readonly #clients = new Map<string, Array<{ instance: string; address: string }>>();
  readonly #limit: number;

  constructor(limit = DEFAULT_QUEUE_CLIENTS) {
    this.#limit = Math.max(1, limit);
  }

  /** Queue IDs remembered. */
  get size(): number {
    return this.#clients.size;
  }

  /** Reads a line: remembers it when it is an smtpd `client=` line; returns whether it was one. */
  read(line: string): boolean {
    const client = parsePostfixClient(line);
    if (!client) return false;
    const others = (this.#clients.get(client.queueId) ?? []).filter((c) => c.instance !== client.instance);
    this.#clients.delete(client.queueId);
    this.#clients.set(client.queueId, [...others, { instance: client.instance, address: client.address }]);
    if (this.#clients.size > this.#limit) this.#clients.delete(this.#clients.keys().next().value!);
    return true;
  }

  /**
   * The client of a message, when its smtpd line was read: the one logged under `instance`, else
   * the one logged under a service name below it (`instance/submission`).
   */
  clientOf(instance: string, queueId: string): string | undefined {
    const seen = this.#clients.get(queueId);
    if (!seen) return undefined;
    return (seen.find((c) => c.instance === instance) ?? seen.find((c) => c.instance.startsWith(`${instance}/`)))?.address;
  }
}
