import test from 'ava';
import { daysLeft, judgeCertificate, type CertFacts } from '../../../src/probe/cert.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = Date.UTC(2030, 5, 15, 12, 0, 0);
const valid: CertFacts = { notBefore: now - 10 * DAY, notAfter: now + 90 * DAY, authorized: true, verify: true };

test('a valid, trusted certificate with enough days left passes', (t) => {
  t.is(judgeCertificate(valid, now, 30), undefined);
  t.is(judgeCertificate(valid, now), undefined);
});

test('expired wins over untrusted (it is untrusted because it expired)', (t) => {
  const verdict = judgeCertificate(
    { ...valid, notAfter: now - 1, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' },
    now,
    30,
  );
  t.is(verdict?.reason, 'cert-expired');
  t.regex(verdict?.detail ?? '', /expired 2030-06-15T11:59:59\.999Z/);
});

test('not yet valid is untrusted, not expired', (t) => {
  t.is(judgeCertificate({ ...valid, notBefore: now + DAY }, now)?.reason, 'cert-untrusted');
});

test('an unverified chain fails only when a servername asked for verification', (t) => {
  const selfSigned = { ...valid, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' };
  t.deepEqual(judgeCertificate(selfSigned, now), { reason: 'cert-untrusted', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  t.is(judgeCertificate({ ...selfSigned, verify: false }, now), undefined);
});

test('cert-expiring below minCertDays, counted in whole days', (t) => {
  const soon = { ...valid, notAfter: now + 29 * DAY + 1 };
  const verdict = judgeCertificate(soon, now, 30);
  t.is(verdict?.reason, 'cert-expiring');
  t.regex(verdict?.detail ?? '', /29 days left, minimum 30/);
  t.is(judgeCertificate({ ...valid, notAfter: now + 30 * DAY }, now, 30), undefined);
  t.is(judgeCertificate(soon, now), undefined, 'no minimum, no warning');
});

test('unreadable dates are untrusted', (t) => {
  t.is(judgeCertificate({ ...valid, notAfter: Number.NaN }, now)?.reason, 'cert-untrusted');
});

test('daysLeft rounds down and goes negative after expiry', (t) => {
  t.is(daysLeft(now + 1.9 * DAY, now), 1);
  t.is(daysLeft(now - 0.5 * DAY, now), -1);
});
