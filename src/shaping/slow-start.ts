/**
 * Slow start (pure): after a member comes back (observed down → up, or its drain or quarantine
 * ends) its weight ramps linearly from `floor` to full over `windowMs` (HAProxy `slowstart`, Envoy
 * `min_weight_percent`), so an MTA that just restarted is not slammed with every queued sender.
 *
 * Contract: `slowStartFactor(since, now, settings)` is the factor at `now`, quantised to 5 % steps
 * (the snapshot is rebuilt only when the step changes, so answers are not rebuilt every second);
 * undefined once the window has passed (full weight, no factor). `nextStepAt` is when the value
 * changes next, for the keeper's timer.
 */
import type { MemberId } from '../name.ts';
import type { ShapingFactor, SlowStartSettings } from './model.ts';

export const SLOW_START_STEP = 0.05;

export function slowStartFactor(since: number, now: number, settings: SlowStartSettings): ShapingFactor | undefined {
  const elapsed = Math.max(0, now - since);
  if (settings.windowMs <= 0 || elapsed >= settings.windowMs) return undefined;
  const floor = Math.min(1, Math.max(0, settings.floor));
  const raw = floor + (1 - floor) * (elapsed / settings.windowMs);
  const value = Math.max(floor, Math.floor(raw / SLOW_START_STEP + 1e-9) * SLOW_START_STEP);
  return { name: 'slow-start', value: round(value), reason: 'slow-start-ramp' };
}

/** When the quantised value changes next (or the ramp ends), after `now`. */
export function slowStartNextAt(since: number, now: number, settings: SlowStartSettings): number | undefined {
  const end = since + settings.windowMs;
  if (now >= end) return undefined;
  const floor = Math.min(1, Math.max(0, settings.floor));
  const raw = floor + (1 - floor) * ((now - since) / settings.windowMs);
  const nextValue = (Math.floor(raw / SLOW_START_STEP + 1e-9) + 1) * SLOW_START_STEP;
  const at = since + ((nextValue - floor) / (1 - floor)) * settings.windowMs;
  return Math.min(end, Math.max(now + 1, Math.ceil(at)));
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Which members are ramping (pure state, clock passed in): `observe` every member's effective
 * state after each snapshot swap; a member seen not usable (down, drained, quarantined) and then
 * usable (up) starts a ramp at that time. `unknown` (no verdict yet) is neither: a member that was
 * never seen down does not ramp on its first verdict, so a restart of mxlb is not a slow start.
 */
export class SlowStartTracker {
  readonly #usable = new Map<MemberId, boolean>();
  readonly #since = new Map<MemberId, number>();

  observe(member: MemberId, state: string, now: number): void {
    if (state === 'unknown') return;
    const usable = state === 'up';
    const before = this.#usable.get(member);
    this.#usable.set(member, usable);
    if (!usable) this.#since.delete(member);
    else if (before === false) this.#since.set(member, now);
  }

  /** When the member's current ramp began, if it is ramping (or ramped: the window decides). */
  since(member: MemberId): number | undefined {
    return this.#since.get(member);
  }

  factor(member: MemberId, settings: SlowStartSettings | undefined, now: number): ShapingFactor | undefined {
    const since = this.#since.get(member);
    if (since === undefined || !settings) return undefined;
    const factor = slowStartFactor(since, now, settings);
    if (!factor) this.#since.delete(member);
    return factor;
  }

  retain(members: ReadonlySet<MemberId>): void {
    for (const id of [...this.#usable.keys()]) if (!members.has(id)) this.#usable.delete(id);
    for (const id of [...this.#since.keys()]) if (!members.has(id)) this.#since.delete(id);
  }
}
