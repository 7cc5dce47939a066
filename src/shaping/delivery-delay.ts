/**
 * Delivery-delay component of the `latency` policy (pure; docs/shaping.md "Delivery delay").
 * Probes measure how fast a relay greets; delivery outcomes say how long it takes to get mail out:
 * `Outcome.delay` (Postfix `delay=`), seconds from the MTA's receipt of a message to the outcome.
 *
 * Only `sent` outcomes count. A deferral or bounce is the receiver's verdict (a provider throttling
 * with 4.7.28 makes every relay "slow"), not the relay's speed, so it is left to the reputation model.
 * A `sent` after retries still carries its queue time; the median over the window keeps those few
 * from moving the figure, which an EWMA would not.
 *
 * Within a pool, over the members with at least `delayMinSamples` sent delays in the last
 * `delayWindowMs` (by event time):
 *
 *     raw = ((fastest median + delayBias) / (own median + delayBias)) ^ exponent   (fastest: 1)
 *
 * quantised to `step`, floored at one step, with the same hysteresis as the probe component (the
 * published value changes only when raw moved more than one step away); above `delayLimitMs` the
 * factor is 0 (`delivery-delay-over-limit`, standby). While some member of the pool is compared,
 * the others get 1 with reason `delivery-delay-no-samples` (no penalty, said so); while none is,
 * the component is off for the pool (no factor at all).
 *
 * Contract: `record` takes any outcome and keeps only `sent` ones with a finite delay ≥ 0; it keeps
 * at most `MAX_DELAY_SAMPLES` per member (the newest). `factors(members, settings, now)` is a
 * function of the samples, the settings, `now` and the last published factors.
 */
import type { MemberId } from '../name.ts';
import type { Outcome } from '../signals/index.ts';
import type { LatencySettings, ShapingFactor } from './model.ts';

export const MAX_DELAY_SAMPLES = 500;

interface Sample {
  at: number;
  ms: number;
}

export class DeliveryDelayTracker {
  readonly #samples = new Map<MemberId, Sample[]>();
  readonly #published = new Map<MemberId, ShapingFactor>();

  /** Keeps the delay of a `sent` outcome; false when the outcome carries none that counts. */
  record(outcome: Pick<Outcome, 'member' | 'status' | 'delay' | 'at'>): boolean {
    if (outcome.status !== 'sent' || outcome.delay === undefined || !Number.isFinite(outcome.delay) || outcome.delay < 0) return false;
    let list = this.#samples.get(outcome.member);
    if (!list) this.#samples.set(outcome.member, (list = []));
    list.push({ at: outcome.at, ms: outcome.delay * 1000 });
    if (list.length > MAX_DELAY_SAMPLES) list.splice(0, list.length - MAX_DELAY_SAMPLES);
    return true;
  }

  /** Median delay (ms) and sample count of a member's sent outcomes in the window; undefined: none. */
  median(member: MemberId, now: number, windowMs: number): { ms: number; samples: number } | undefined {
    const values = (this.#samples.get(member) ?? []).filter((s) => s.at > now - windowMs && s.at <= now).map((s) => s.ms);
    if (values.length === 0) return undefined;
    values.sort((a, b) => a - b);
    const mid = values.length >> 1;
    const ms = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
    return { ms, samples: values.length };
  }

  /** Factors for the members of one pool; empty while no member has enough samples. */
  factors(members: readonly MemberId[], s: LatencySettings, now: number): Map<MemberId, ShapingFactor> {
    const out = new Map<MemberId, ShapingFactor>();
    const medians = new Map<MemberId, number>();
    for (const m of members) {
      const med = this.median(m, now, s.delayWindowMs);
      if (med && med.samples >= s.delayMinSamples) medians.set(m, med.ms);
    }
    if (medians.size === 0) {
      for (const m of members) this.#published.delete(m);
      return out;
    }
    const fastest = Math.min(...medians.values());
    for (const m of members) {
      const own = medians.get(m);
      const next: ShapingFactor = own === undefined ? { name: 'delivery-delay', value: 1, reason: 'delivery-delay-no-samples' } : this.#next(own, fastest, s, this.#published.get(m));
      this.#published.set(m, next);
      out.set(m, next);
    }
    return out;
  }

  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#samples.keys()]) if (!members.has(id)) this.#samples.delete(id);
    for (const id of [...this.#published.keys()]) if (!members.has(id)) this.#published.delete(id);
  }

  #next(own: number, fastest: number, s: LatencySettings, previous: ShapingFactor | undefined): ShapingFactor {
    if (s.delayLimitMs !== undefined && own > s.delayLimitMs) return { name: 'delivery-delay', value: 0, reason: 'delivery-delay-over-limit' };
    const raw = Math.pow((fastest + s.delayBiasMs) / (own + s.delayBiasMs), s.exponent);
    const quantised = Math.min(1, Math.max(s.step, Math.round(raw / s.step) * s.step));
    const value = Math.round(quantised * 1e6) / 1e6;
    if (previous && previous.reason === 'delivery-delay-relative' && Math.abs(raw - previous.value) <= s.step) return previous;
    return { name: 'delivery-delay', value, reason: 'delivery-delay-relative' };
  }
}
