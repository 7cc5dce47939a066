import { performance } from 'node:perf_hooks';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { judgeCertificate } from './cert.ts';
import { internList, internText } from './intern.ts';
import { hasCapability, parseEhlo, type SmtpReply } from './reply.ts';
import { connectTcp, SmtpSession, type ReadOutcome } from './smtp-session.ts';
import type { PhaseTiming, ProbeCheck, ProbePhase, ProbeResult, ProbeTarget, TlsInfo } from './types.ts';

/**
 * The SMTP check (edge): connect → 220 banner → EHLO → [STARTTLS → TLS → certificate → EHLO] → QUIT
 * over node:net / node:tls (why not nodemailer's SMTPConnection: docs/decisions.md "SMTP probe").
 * Every phase has its own deadline and a measured latency; a failure ends the probe with one of the
 * reasons listed on ProbeResult (plus `aborted`). QUIT goes out whenever a session was opened, but
 * the verdict never depends on its reply. The sockets are destroyed before the promise resolves.
 */

export interface SmtpCheckOptions {
  /** Clock for certificate expiry (epoch ms). */
  now?: () => number;
  /** Extra trust anchors for STARTTLS verification (a private CA), added to the system CAs' place. */
  ca?: ConnectionOptions['ca'];
}

/** How long QUIT may wait for its 221 after a failure: best effort, the verdict is already known. */
const FAILURE_QUIT_WAIT_MS = 250;

type Failure = { reason: string; detail?: string };

function describeReply(reply: SmtpReply): string {
  const first = reply.lines[0] ?? '';
  return `${reply.code} ${first}${reply.lines.length > 1 ? ' …' : ''}`.trim();
}

/** Maps a read that did not bring the expected reply to a failure for `phase` (e.g. 'banner', 'ehlo'). */
function readFailure(phase: 'banner' | 'ehlo', outcome: Exclude<ReadOutcome, { kind: 'reply' }>, timeoutMs: number): Failure {
  switch (outcome.kind) {
    case 'timeout':
      return { reason: `${phase}-timeout`, detail: `no ${phase === 'banner' ? 'banner' : 'EHLO reply'} within ${timeoutMs} ms` };
    case 'closed':
      return { reason: 'reset', detail: outcome.detail };
    case 'garbage':
      return { reason: phase === 'banner' ? 'banner-garbage' : 'protocol-error', detail: outcome.detail };
    case 'aborted':
      return { reason: 'aborted' };
  }
}

function bannerFailure(reply: SmtpReply): Failure | undefined {
  if (reply.code === 220) return undefined;
  const detail = describeReply(reply);
  // RFC 5321 §3.8 / §4.2.2: 421 is the server shedding load (it is about to close)
  if (reply.code === 421) return { reason: 'banner-421', detail };
  if (reply.code >= 400 && reply.code < 500) return { reason: 'banner-4xx', detail };
  if (reply.code >= 500) return { reason: 'banner-5xx', detail };
  return { reason: 'protocol-error', detail: `unexpected greeting: ${detail}` };
}

function ehloFailure(reply: SmtpReply): Failure | undefined {
  if (reply.code === 250) return undefined;
  const detail = describeReply(reply);
  if (reply.code >= 400 && reply.code < 500) return { reason: 'ehlo-4xx', detail };
  if (reply.code >= 500) return { reason: 'ehlo-5xx', detail };
  return { reason: 'protocol-error', detail: `unexpected EHLO reply: ${detail}` };
}

function tlsInfo(socket: TLSSocket): { info: TlsInfo; notBefore: number; notAfter: number } {
  const cert = socket.getPeerX509Certificate();
  const error = socket.authorizationError as unknown;
  // without a servername, identity is not checked: `authorized` then speaks for the chain alone
  const info: TlsInfo = { authorized: socket.authorized };
  const protocol = socket.getProtocol();
  if (protocol) info.protocol = protocol;
  const cipher = socket.getCipher()?.name;
  if (cipher) info.cipher = cipher;
  if (!socket.authorized && error) info.authorizationError = error instanceof Error ? error.message : String(error);
  const notBefore = cert ? Date.parse(cert.validFrom) : Number.NaN;
  const notAfter = cert ? Date.parse(cert.validTo) : Number.NaN;
  if (!Number.isNaN(notAfter)) info.certNotAfter = new Date(notAfter).toISOString();
  if (cert) info.certSubject = cert.subject.replace(/\n/g, ', ');
  return { info, notBefore, notAfter };
}

export function createSmtpCheck(options: SmtpCheckOptions = {}): ProbeCheck {
  const now = options.now ?? Date.now;
  return (target, signal) => runProbe(target, signal, now, options.ca).catch((error: unknown) => ({
    // unreachable by design (every step resolves); kept so the contract "never rejects" holds
    ok: false,
    reason: 'protocol-error',
    detail: `probe failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    phases: [],
    startedAt: now(),
    totalMs: 0,
  }));
}

/** The default check with the system clock and the system CAs. */
export const smtpCheck: ProbeCheck = createSmtpCheck();

async function runProbe(
  target: ProbeTarget,
  signal: AbortSignal | undefined,
  now: () => number,
  ca: SmtpCheckOptions['ca'],
): Promise<ProbeResult> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const phases: PhaseTiming[] = [];
  const result: ProbeResult = { ok: false, phases, startedAt, totalMs: 0 };
  const time = async <T>(phase: ProbePhase, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      phases.push({ phase, ms: Math.round((performance.now() - start) * 100) / 100 });
    }
  };
  // `result` is filled as the probe learns; the one returned is built once at the end, compact:
  // each member keeps its latest result for /status, so at 10,000 members every byte counts ten
  // thousand times (docs/decisions.md "Scale of members"): the phases in an array of their exact
  // length (`push` leaves 17 slots), banner and capability list shared with equal ones
  // (./intern.ts), and no `delete` (which turns an object into a slow dictionary).
  const done = (failure?: Failure): ProbeResult => {
    const out: ProbeResult = { ok: failure === undefined, phases: phases.slice(), startedAt, totalMs: Math.round((performance.now() - t0) * 100) / 100 };
    if (result.banner !== undefined) out.banner = internText(result.banner);
    if (result.capabilities !== undefined) out.capabilities = internList(result.capabilities);
    if (result.tls !== undefined) out.tls = result.tls;
    if (failure) {
      out.reason = failure.reason;
      if (failure.detail !== undefined) out.detail = failure.detail;
    }
    return out;
  };

  const { timeouts } = target;
  // one word of printable ASCII (RFC 5321 §4.1.1.1): anything else could smuggle a second command
  if (!/^[\x21-\x7e]+$/.test(target.ehloName)) {
    return done({ reason: 'protocol-error', detail: `invalid EHLO name ${JSON.stringify(target.ehloName)}` });
  }
  const connected = await time('connect', () => connectTcp(target.address, target.port, timeouts.connectMs, signal));
  if (connected.kind !== 'connected') {
    return done({ reason: connected.kind === 'aborted' ? 'aborted' : `connect-${connected.kind}`, detail: connected.detail });
  }
  const session = new SmtpSession(connected.socket, signal);
  /** Best-effort QUIT after the banner; no waiting after a timeout (nobody answers) or an abort (hurry). */
  const quit = async (waitMs: number): Promise<void> => {
    if (!session.send('QUIT')) return;
    await time('quit', () => (waitMs > 0 ? session.read(waitMs) : Promise.resolve(undefined)));
  };
  try {
    const verdict = await converse(target, session, time, result, now, ca);
    if (verdict === undefined) {
      await quit(timeouts.quitMs);
      return done();
    }
    if (result.banner !== undefined) {
      const answered = !verdict.reason.endsWith('-timeout') && verdict.reason !== 'aborted';
      await quit(answered ? Math.min(timeouts.quitMs, FAILURE_QUIT_WAIT_MS) : 0);
    }
    return done(verdict);
  } finally {
    session.destroy();
  }
}

/** Banner to the last EHLO; fills `result` as it learns, returns the failure or undefined. */
async function converse(
  target: ProbeTarget,
  session: SmtpSession,
  time: <T>(phase: ProbePhase, work: () => Promise<T>) => Promise<T>,
  result: ProbeResult,
  now: () => number,
  ca: SmtpCheckOptions['ca'],
): Promise<Failure | undefined> {
  const { timeouts } = target;
  const banner = await time('banner', () => session.read(timeouts.bannerMs));
  if (banner.kind !== 'reply') return readFailure('banner', banner, timeouts.bannerMs);
  result.banner = banner.reply.text;
  const badBanner = bannerFailure(banner.reply);
  if (badBanner) return badBanner;
  // search(), not test(): a /g pattern from the config must not carry lastIndex between probes
  if (target.bannerPattern && banner.reply.text.search(target.bannerPattern) === -1) {
    return { reason: 'banner-mismatch', detail: `banner does not match ${String(target.bannerPattern)}` };
  }

  const ehlo = async (phase: 'ehlo' | 'ehlo-tls'): Promise<Failure | undefined> => {
    const reply = await time(phase, () => {
      session.send(`EHLO ${target.ehloName}`);
      return session.read(timeouts.ehloMs);
    });
    if (reply.kind !== 'reply') return readFailure('ehlo', reply, timeouts.ehloMs);
    const bad = ehloFailure(reply.reply);
    if (bad) return bad;
    result.capabilities = parseEhlo(reply.reply).capabilities;
    return undefined;
  };
  const plainEhlo = await ehlo('ehlo');
  if (plainEhlo || target.starttls === 'off') return plainEhlo;
  if (!hasCapability(result.capabilities ?? [], 'STARTTLS')) {
    return target.starttls === 'require' ? { reason: 'starttls-unsupported', detail: 'STARTTLS not advertised in EHLO' } : undefined;
  }

  // tlsMs covers the STARTTLS reply and the handshake together
  const tlsDeadline = performance.now() + timeouts.tlsMs;
  const go = await time('starttls', () => {
    session.send('STARTTLS');
    return session.read(timeouts.tlsMs);
  });
  if (go.kind === 'timeout') return { reason: 'tls-timeout', detail: `no STARTTLS reply within ${timeouts.tlsMs} ms` };
  if (go.kind !== 'reply') return readFailure('ehlo', go, timeouts.tlsMs);
  if (go.reply.code !== 220) {
    const reason = go.reply.code >= 400 ? 'starttls-refused' : 'protocol-error';
    return { reason, detail: describeReply(go.reply) };
  }

  const name = target.tlsServername;
  const verify = name !== undefined;
  const tlsOptions: ConnectionOptions =
    name === undefined
      ? // without a name there is nothing to check the certificate against: record the chain only
        { checkServerIdentity: () => undefined }
      : isIP(name) !== 0
        ? // RFC 6066 §3: SNI carries host names only; an address is still checked against the IP SANs
          { checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) }
        : { servername: name };
  if (ca !== undefined) tlsOptions.ca = ca;
  const upgraded = await time('tls', () => session.upgrade(tlsOptions, Math.max(1, tlsDeadline - performance.now())));
  if (upgraded.kind === 'timeout') return { reason: 'tls-timeout', detail: `TLS handshake not done within ${timeouts.tlsMs} ms` };
  if (upgraded.kind === 'aborted') return { reason: 'aborted' };
  if (upgraded.kind === 'failed') return { reason: 'tls-failed', detail: upgraded.detail };
  const { info, notBefore, notAfter } = tlsInfo(upgraded.socket);
  result.tls = info;
  const certProblem = judgeCertificate(
    { notBefore, notAfter, authorized: upgraded.socket.authorized, verify, ...(info.authorizationError ? { authorizationError: info.authorizationError } : {}) },
    now(),
    target.minCertDays,
  );
  if (certProblem) return certProblem;
  // RFC 3207 §4.2: forget what the plaintext EHLO said and ask again over TLS
  delete result.capabilities;
  return ehlo('ehlo-tls');
}
