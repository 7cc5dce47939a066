import test from 'ava';
import { createSmtpCheck, smtpCheck } from '../../src/probe/index.ts';
import type { ProbeTarget, ProbeTimeouts } from '../../src/probe/index.ts';
import { fixtureCert, generateCert, type CertPair } from '../helpers/certs.ts';
import { startMta, type Mta, type StartMtaOptions } from '../helpers/mta.ts';

// Probes against a real SMTP server (nodemailer's smtp-server) on loopback, with and without STARTTLS.

const timeouts: ProbeTimeouts = { connectMs: 2000, bannerMs: 2000, ehloMs: 2000, tlsMs: 3000, quitMs: 1000 };

function target(mta: Mta, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { address: mta.host, port: mta.port, ehloName: 'probe.mxlb.test', starttls: 'off', timeouts, ...extra };
}

async function mta(t: { teardown: (fn: () => Promise<void>) => void }, options: StartMtaOptions = {}): Promise<Mta> {
  const server = await startMta({ host: '127.0.0.3', ...options });
  t.teardown(() => server.stop());
  return server;
}

const phaseNames = (phases: Array<{ phase: string }>) => phases.map((p) => p.phase);
let selfSigned: CertPair;
test.before(async () => {
  selfSigned = await fixtureCert('selfsigned');
});

test('healthy MTA without STARTTLS: ok, banner, capabilities, a timing for every phase, QUIT', async (t) => {
  const server = await mta(t, { banner: 'ready for probes' });
  const result = await smtpCheck(target(server));
  t.true(result.ok, result.detail);
  t.is(result.reason, undefined);
  t.regex(result.banner ?? '', /^mx\.test ESMTP ready for probes/);
  t.true(result.capabilities?.includes('PIPELINING'));
  t.false(result.capabilities?.includes('STARTTLS'));
  t.is(result.tls, undefined);
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo', 'quit']);
  for (const { phase, ms } of result.phases) {
    t.true(Number.isFinite(ms) && ms >= 0 && ms <= result.totalMs, `${phase}: ${ms} ms of ${result.totalMs}`);
  }
  t.true(Math.abs(result.startedAt - Date.now()) < 10_000);
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'QUIT']);
  t.is(server.connections, 1);
});

test('STARTTLS offered but probe set to off: plaintext only, STARTTLS seen in capabilities', async (t) => {
  const server = await mta(t, { starttls: selfSigned });
  const result = await smtpCheck(target(server));
  t.true(result.ok, result.detail);
  t.true(result.capabilities?.includes('STARTTLS'));
  t.is(result.tls, undefined);
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'QUIT']);
});

test('STARTTLS try with a self-signed certificate: ok, TLS details recorded, unauthorized, EHLO again', async (t) => {
  const server = await mta(t, { starttls: selfSigned });
  const result = await smtpCheck(target(server, { starttls: 'try' }));
  t.true(result.ok, result.detail);
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo-tls', 'quit']);
  t.false(result.tls?.authorized);
  t.is(result.tls?.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  t.regex(result.tls?.protocol ?? '', /^TLSv1\.[23]$/);
  t.truthy(result.tls?.cipher);
  t.is(result.tls?.certSubject, 'CN=mx.test');
  t.is(result.tls?.certNotAfter?.slice(0, 4), '2126');
  // the capabilities are those of the TLS session (RFC 3207 §4.2), where STARTTLS is no longer offered
  t.false(result.capabilities?.includes('STARTTLS'));
  t.true(result.capabilities?.includes('PIPELINING'));
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'STARTTLS', 'EHLO', 'QUIT']);
});

test('STARTTLS with a servername and an untrusted chain: cert-untrusted, QUIT over TLS', async (t) => {
  const server = await mta(t, { starttls: selfSigned });
  const result = await smtpCheck(target(server, { starttls: 'require', tlsServername: 'mx.test' }));
  t.is(result.reason, 'cert-untrusted');
  t.is(result.detail, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  t.false(result.tls?.authorized);
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'STARTTLS', 'QUIT']);
});

test('STARTTLS with a servername and a trusted private CA: authorized; a wrong name is untrusted', async (t) => {
  const server = await mta(t, { starttls: selfSigned });
  const check = createSmtpCheck({ ca: selfSigned.cert });
  const trusted = await check(target(server, { starttls: 'require', tlsServername: 'mx.test' }));
  t.true(trusted.ok, trusted.detail);
  t.true(trusted.tls?.authorized);
  t.is(trusted.tls?.authorizationError, undefined);
  const wrongName = await check(target(server, { starttls: 'require', tlsServername: 'other.test' }));
  t.is(wrongName.reason, 'cert-untrusted');
  t.is(wrongName.detail, 'ERR_TLS_CERT_ALTNAME_INVALID');
  // an IP address as servername: no SNI (RFC 6066 §3), checked against the certificate's IP SANs
  const byAddress = await check(target(server, { starttls: 'require', tlsServername: '127.0.0.1' }));
  t.true(byAddress.ok, byAddress.detail);
  const otherAddress = await check(target(server, { starttls: 'require', tlsServername: '127.0.0.9' }));
  t.is(otherAddress.reason, 'cert-untrusted');
  await server.waitForIdle();
});

test('expired certificate: cert-expired', async (t) => {
  const server = await mta(t, { starttls: await fixtureCert('expired') });
  const result = await smtpCheck(target(server, { starttls: 'try' }));
  t.is(result.reason, 'cert-expired');
  t.regex(result.detail ?? '', /expired 2020-01-02T00:00:00\.000Z/);
  t.is(result.tls?.certNotAfter, '2020-01-02T00:00:00.000Z');
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'STARTTLS', 'QUIT']);
});

test('certificate valid for 2 more days: cert-expiring with minCertDays 30, ok with 1', async (t) => {
  const server = await mta(t, { starttls: await generateCert(2) });
  const expiring = await smtpCheck(target(server, { starttls: 'try', minCertDays: 30 }));
  t.is(expiring.reason, 'cert-expiring');
  t.regex(expiring.detail ?? '', /[12] days left, minimum 30/);
  const fine = await smtpCheck(target(server, { starttls: 'try', minCertDays: 1 }));
  t.true(fine.ok, fine.detail);
  await server.waitForIdle();
});

test('long-valid certificate with a minimum beyond its lifetime: cert-expiring', async (t) => {
  const server = await mta(t, { starttls: selfSigned });
  const result = await smtpCheck(target(server, { starttls: 'try', minCertDays: 40_000 }));
  t.is(result.reason, 'cert-expiring');
  await server.waitForIdle();
});

test('STARTTLS required but not advertised: starttls-unsupported, then QUIT; try passes', async (t) => {
  const server = await mta(t);
  const required = await smtpCheck(target(server, { starttls: 'require' }));
  t.is(required.reason, 'starttls-unsupported');
  t.deepEqual(phaseNames(required.phases), ['connect', 'banner', 'ehlo', 'quit']);
  const tried = await smtpCheck(target(server, { starttls: 'try' }));
  t.true(tried.ok, tried.detail);
  t.is(tried.tls, undefined);
  await server.waitForIdle();
  t.deepEqual(server.commands, ['EHLO', 'QUIT', 'EHLO', 'QUIT']);
});

test('restart keeps the port: down while stopped, up again after', async (t) => {
  const server = await mta(t);
  const port = server.port;
  await server.stop();
  t.is((await smtpCheck(target(server))).reason, 'connect-refused');
  await server.restart();
  t.is(server.port, port);
  t.true((await smtpCheck(target(server))).ok);
  await server.waitForIdle();
});
