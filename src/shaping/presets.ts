/**
 * Warm-up presets modelled on published ESP plans (docs/shaping.md "Presets"). The daily numbers
 * are mxlb's models of those plans, not the providers' own tables (they publish shapes, not
 * every day): adjust them by writing your own schedule.
 * - `ses`: Amazon SES dedicated IPs warm over 45 days to 50,000 messages a day — a geometric ramp
 *   from 200 on day 1 to 50,000 on day 45.
 * - `sendgrid`: hourly caps starting near 20 and growing about ×1.4 a day; the daily cap is 24 ×
 *   the hourly one, for 31 days (day 31 ≈ 11.6 M/day).
 * - `sparkpost`: 20 stages, one a day: 200, 500, 1k, 2k, 5k, 10k, 20k, 40k, 100k, 250k, 500k, 1M
 *   (published), then ×1.5 a stage to ≈ 17 M (mxlb's extrapolation).
 * - `linear-30`: a weight-percent curve from 5 % to 100 % over 30 days, for operators without
 *   delivery signals (open loop only).
 */
import type { WarmUpDay, WarmUpSchedule } from './model.ts';

function geometric(first: number, last: number, days: number): WarmUpDay[] {
  const ratio = (last / first) ** (1 / (days - 1));
  return Array.from({ length: days }, (_, i) => ({ cap: Math.round(first * ratio ** i) }));
}

const SPARKPOST_PUBLISHED = [200, 500, 1000, 2000, 5000, 10_000, 20_000, 40_000, 100_000, 250_000, 500_000, 1_000_000];

export const WARM_UP_PRESETS: ReadonlyMap<string, WarmUpSchedule> = new Map([
  ['ses', { name: 'ses', timeZone: 'UTC', days: geometric(200, 50_000, 45) }],
  ['sendgrid', { name: 'sendgrid', timeZone: 'UTC', days: Array.from({ length: 31 }, (_, i) => ({ cap: Math.round(24 * 20 * 1.4 ** i) })) }],
  ['sparkpost', { name: 'sparkpost', timeZone: 'UTC', days: [...SPARKPOST_PUBLISHED, ...Array.from({ length: 8 }, (_, i) => Math.round(1_000_000 * 1.5 ** (i + 1)))].map((cap) => ({ cap })) }],
  ['linear-30', { name: 'linear-30', timeZone: 'UTC', days: Array.from({ length: 30 }, (_, i) => ({ percent: Math.round((5 + (95 * i) / 29) * 10) / 10 })) }],
]);
