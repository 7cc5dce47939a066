/**
 * Judging the certificate an MTA presented after STARTTLS, pure: the clock is a parameter. The
 * order matters: an expired certificate is reported as `cert-expired` even when the chain check
 * also failed (it failed *because* it expired), and trust comes before the early warning.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertFacts {
  /** Epoch ms of notBefore / notAfter (NaN when the certificate's dates could not be read). */
  notBefore: number;
  notAfter: number;
  /** Chain and name verified (only meaningful when `verify`). */
  authorized: boolean;
  authorizationError?: string;
  /** A TLS servername was configured, so the chain and name must verify. */
  verify: boolean;
}

export interface CertVerdict {
  reason: 'cert-expired' | 'cert-untrusted' | 'cert-expiring';
  detail: string;
}

/** Whole days left before notAfter (may be negative), rounded down. */
export function daysLeft(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY_MS);
}

/** A failed check, or undefined when the certificate is acceptable. */
export function judgeCertificate(facts: CertFacts, now: number, minCertDays?: number): CertVerdict | undefined {
  if (Number.isNaN(facts.notAfter) || Number.isNaN(facts.notBefore)) {
    return { reason: 'cert-untrusted', detail: 'certificate validity dates unreadable' };
  }
  if (now > facts.notAfter) {
    return { reason: 'cert-expired', detail: `certificate expired ${new Date(facts.notAfter).toISOString()}` };
  }
  if (now < facts.notBefore) {
    return { reason: 'cert-untrusted', detail: `certificate not valid before ${new Date(facts.notBefore).toISOString()}` };
  }
  if (facts.verify && !facts.authorized) {
    return { reason: 'cert-untrusted', detail: facts.authorizationError ?? 'certificate not trusted' };
  }
  if (minCertDays !== undefined) {
    const left = daysLeft(facts.notAfter, now);
    if (left < minCertDays) {
      return {
        reason: 'cert-expiring',
        detail: `certificate expires ${new Date(facts.notAfter).toISOString()} (${left} days left, minimum ${minCertDays})`,
      };
    }
  }
  return undefined;
}
