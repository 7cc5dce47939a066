/**
 * Latency-aware shares (pure; docs/shaping.md "Latency"). Each probe's SMTP-phase latency —
 * connect + banner + EHLO, the part a sender waits for before it can hand over mail — feeds an
 * exponentially weighted moving average per member (`ewma ← α·sample + (1−α)·ewma`). Within a
 * pool the factor is
 *
 *     raw = ((fastest EWMA + bias) / (own EWMA + bias)) ^ exponent        (fastest member: 1)
 *
 * (bias, default 20 ms, keeps a 1 ms vs 3 ms difference on a LAN from counting as "3× slower")
 * quantised to `step` and floored at one step (a slow member keeps a trickle: it stays measured and
 * warm); above `limitMs` the factor is 0 (standby: used only when nothing faster is usable).
 * Hysteresis: the published factor changes only when the raw value moved more than one step away
 * from it (or crossed the limit), so probe jitter does not rebuild the snapshot and reshuffle answers.
 * A failed probe is not a latency sample (health handles failures).
 */
import type { MemberId } from '../name.ts';
import type { ProbeResult } from '../probe/index.ts';
import type { LatencySettings, ShapingFactor } from './model.ts';

const PHASES = new Set(['connect', 'banner', 'ehlo']);

/** connect + banner + EHLO of a passed probe; undefined for a failed one or without those phases. */
export function smtpPhaseMs(result: ProbeResult): number | undefined {
  if (!result.ok) return undefined;
  let sum = 0;
  let seen = 0;
  for (const p of result.phases) if (PHASES.has(p.phase)) (sum += p.ms), seen++;
  return seen > 0 ? sum : undefined;
}

export class LatencyTracker {
  readonly #ewma = new Map<MemberId, number>();
  readonly #published = new Map<MemberId, ShapingFactor>();

  observe(member: MemberId, ms: number, alpha: number): void {
    const sample = Math.max(0.1, ms); // loopback probes can take 0 ms: keep ratios finite
    const prev = this.#ewma.get(member);
    this.#ewma.set(member, prev === undefined ? sample : alpha * sample + (1 - alpha) * prev);
  }

  ewma(member: MemberId): number | undefined {
    return this.#ewma.get(member);
  }

  /** Factors for the members of one pool (those with a sample), with hysteresis against the last ones. */
  factors(members: readonly MemberId[], settings: LatencySettings): Map<MemberId, ShapingFactor> {
    const out = new Map<MemberId, ShapingFactor>();
    const known = members.filter((m) => this.#ewma.has(m));
    if (known.length === 0) return out;
    const fastest = Math.min(...known.map((m) => this.#ewma.get(m)!));
    for (const m of known) {
      const own = this.#ewma.get(m)!;
      const previous = this.#published.get(m);
      const next = this.#next(own, fastest, settings, previous);
      this.#published.set(m, next);
      out.set(m, next);
    }
    return out;
  }

  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#ewma.keys()]) if (!members.has(id)) this.#ewma.delete(id);
    for (const id of [...this.#published.keys()]) if (!members.has(id)) this.#published.delete(id);
  }

  #next(own: number, fastest: number, s: LatencySettings, previous: ShapingFactor | undefined): ShapingFactor {
    if (s.limitMs !== undefined && own > s.limitMs) return { name: 'latency', value: 0, reason: 'latency-over-limit' };
    const raw = Math.pow((fastest + s.biasMs) / (own + s.biasMs), s.exponent);
    const quantised = Math.min(1, Math.max(s.step, Math.round(raw / s.step) * s.step));
    const value = Math.round(quantised * 1e6) / 1e6;
    if (previous && previous.reason === 'latency-relative' && Math.abs(raw - previous.value) <= s.step) return previous;
    return { name: 'latency', value, reason: 'latency-relative' };
  }
}
