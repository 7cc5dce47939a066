/**
 * When an operator override ends (pure; the clock is a parameter, DESIGN principle 5). Accepts a
 * duration from now (`90s`, `30m`, `1h30m`, `2d`, `1w`) or an RFC 3339 time with an explicit zone
 * (`2026-11-25T18:00:00Z`, `…+01:00`): a bare local time would mean different instants on the
 * operator's laptop and on the server. Returns the epoch ms, or throws an Error whose message
 * says what to write instead.
 */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** An override longer than this is a typo (`300d` for `300s`); an operator can renew it. */
export const MAX_EXPIRY_MS = 366 * 86_400_000;
const DURATION = /^(?:\d+[smhdw])+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const HINT = 'write a duration such as 90s, 30m, 1h30m or 2d, or a time such as 2026-11-25T18:00:00Z';

export function parseExpiry(text: string, now: number): number {
  const value = text.trim();
  let at: number;
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, count, unit] of value.matchAll(/(\d+)([smhdw])/g)) ms += Number(count) * UNIT_MS[unit!]!;
    if (ms <= 0) throw new Error(`expiry "${text}" is not in the future: ${HINT}`);
    at = now + ms;
  } else if (RFC3339.test(value)) {
    at = Date.parse(value.replace(' ', 'T'));
    if (Number.isNaN(at)) throw new Error(`expiry "${text}" is not a valid time: ${HINT}`);
    if (at <= now) throw new Error(`expiry "${text}" is in the past (server time ${new Date(now).toISOString()})`);
  } else {
    throw new Error(`bad expiry "${text}": ${HINT}`);
  }
  if (at - now > MAX_EXPIRY_MS) throw new Error(`expiry "${text}" is more than 366 days away; set a shorter one and renew it`);
  return at;
}
