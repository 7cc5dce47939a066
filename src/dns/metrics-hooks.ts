/**
 * Fan-out for the DNS metrics hooks: the DnsServer takes one `DnsMetrics`, while several readers
 * want the events (the answer-share window behind /status, the prom-client counters behind
 * /metrics). The composition root creates one hub, hands it to the DnsServer, and each reader
 * subscribes its own `DnsMetrics`.
 *
 * Contract: the hub's hooks run on the query path (DESIGN principle 2), so they only loop over the
 * subscribers, synchronously, in subscription order. A subscriber that throws does not stop the
 * others and never reaches the Answerer (which would turn the query into SERVFAIL): the error is
 * counted and swallowed. Subscribing and unsubscribing copy the lists, so a hook may unsubscribe
 * while being called.
 */
import type { DnsMetrics, Transport } from './answer.ts';
import type { ClientSketch } from './arm-counts.ts';

type Answered = NonNullable<DnsMetrics['answered']>;
type Served = NonNullable<DnsMetrics['served']>;
type Dropped = NonNullable<DnsMetrics['dropped']>;
type Arm = NonNullable<DnsMetrics['arm']>;

export class DnsMetricsHub implements DnsMetrics {
  #answered: Answered[] = [];
  #served: Served[] = [];
  #dropped: Dropped[] = [];
  #arm: Arm[] = [];
  #errors = 0;

  /** Subscribes `hooks` (any subset of the three); returns the unsubscribe function. */
  subscribe(hooks: DnsMetrics): () => void {
    const answered = hooks.answered?.bind(hooks);
    const served = hooks.served?.bind(hooks);
    const dropped = hooks.dropped?.bind(hooks);
    if (answered) this.#answered = [...this.#answered, answered];
    if (served) this.#served = [...this.#served, served];
    if (dropped) this.#dropped = [...this.#dropped, dropped];
    const arm = hooks.arm?.bind(hooks);
    if (arm) this.#arm = [...this.#arm, arm];
    return () => {
      this.#arm = this.#arm.filter((f) => f !== arm);
      this.#answered = this.#answered.filter((f) => f !== answered);
      this.#served = this.#served.filter((f) => f !== served);
      this.#dropped = this.#dropped.filter((f) => f !== dropped);
    };
  }

  /** Hook calls that threw (and were swallowed) since start. */
  get errors(): number {
    return this.#errors;
  }

  answered(transport: Transport, rcode: number, cacheHit: boolean, qtype: number, count?: number): void {
    const list = this.#answered;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(transport, rcode, cacheHit, qtype, count);
      } catch {
        this.#errors += 1;
      }
    }
  }

  served(members: readonly string[], count?: number): void {
    const list = this.#served;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(members, count);
      } catch {
        this.#errors += 1;
      }
    }
  }

  dropped(transport: Transport, reason: string, count?: number): void {
    const list = this.#dropped;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(transport, reason, count);
      } catch {
        this.#errors += 1;
      }
    }
  }

  arm(experiment: string, armName: string, client: number | ClientSketch, count?: number): void {
    const list = this.#arm;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(experiment, armName, client, count);
      } catch {
        this.#errors += 1;
      }
    }
  }
}
