/**
 * Reputation settings (pure data): thresholds, windows and hysteresis of the reputation model, as
 * a zone (or pool) configures them, with the defaults mxlb ships.
 *
 * Defaults, and why: mailbox providers ask bulk senders for spam-complaint rates under 0.1 % and
 * never 0.3 % or more (Gmail's sender guidelines); a hard-bounce rate over a few percent is what
 * list-quality alarms of ESPs use; a deferral rate over a fifth of the traffic means a provider is
 * throttling. A verdict on a rate needs `minSample` outcomes in the window so a handful of
 * messages never quarantines a relay.
 */
import type { ResponseRule } from './rules.ts';

export interface RateThreshold {
  /** Rate (0–1) at or above which the member is `suspect`. */
  suspect: number;
  /** Rate (0–1) at or above which the member is quarantined. */
  quarantine: number;
}

export interface ReputationSettings {
  /** Rolling window the rates are taken over (at most 1 h: the outcome store keeps an hour). */
  windowMs: number;
  /** Outcomes (sent + deferred + bounced + expired) in the window before any rate verdict. */
  minSample: number;
  bounce: RateThreshold;
  deferral: RateThreshold;
  complaint: RateThreshold;
  /** Least time an automatic quarantine lasts once entered (and the expiry of its override, renewed while it holds). */
  holdMs: number;
  /** Clean time (no trouble at all) before a suspect member is good again, and a released one leaves suspect. */
  coolDownMs: number;
  /** Response rules in force (the shipped ones, a zone's own file, or none). */
  rules: readonly ResponseRule[];
  /** When false, rates and rules are reported but never take a member out or scale it (DNSBL listings still do, if configured). */
  enforce: boolean;
}

export const DEFAULT_REPUTATION = Object.freeze({
  windowMs: 15 * 60_000,
  minSample: 100,
  bounce: Object.freeze({ suspect: 0.05, quarantine: 0.1 }),
  deferral: Object.freeze({ suspect: 0.2, quarantine: 0.4 }),
  complaint: Object.freeze({ suspect: 0.001, quarantine: 0.003 }),
  holdMs: 30 * 60_000,
  coolDownMs: 15 * 60_000,
  enforce: true,
});
