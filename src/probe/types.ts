/**
 * The seam between the SMTP check (edge: sockets) and everything that consumes its results
 * (health state machine, scheduler, status, metrics). A probe only reports; `health.step` decides
 * (DESIGN principle 3).
 */

/** Phases in the order a probe runs them; `ehlo-tls` is the EHLO repeated after STARTTLS (RFC 3207 §4.2). */
export type ProbePhase = 'connect' | 'banner' | 'ehlo' | 'starttls' | 'tls' | 'ehlo-tls' | 'quit';

export type StartTlsMode = 'off' | 'try' | 'require';

export interface ProbeTimeouts {
  connectMs: number;
  bannerMs: number;
  ehloMs: number;
  /** STARTTLS command reply plus TLS handshake. */
  tlsMs: number;
  quitMs: number;
}

export interface ProbeTarget {
  address: string;
  port: number;
  /** Name sent in EHLO (RFC 5321 §4.1.1.1). */
  ehloName: string;
  starttls: StartTlsMode;
  timeouts: ProbeTimeouts;
  /** When set, the banner text must match or the probe fails with `banner-mismatch`. */
  bannerPattern?: RegExp;
  /** With STARTTLS: the certificate must stay valid at least this many more days (`cert-expiring`). */
  minCertDays?: number;
  /** SNI and the name the certificate is checked against; without it the chain is not verified. */
  tlsServername?: string;
}

export interface PhaseTiming {
  phase: ProbePhase;
  ms: number;
}

export interface TlsInfo {
  protocol?: string;
  cipher?: string;
  /** ISO-8601 notAfter of the peer certificate. */
  certNotAfter?: string;
  certSubject?: string;
  /** Whether the chain verified against the trusted CAs; the host name is checked only with tlsServername. */
  authorized: boolean;
  authorizationError?: string;
}

export interface ProbeResult {
  ok: boolean;
  /**
   * Why it failed, stable and short: connect-refused, connect-timeout, connect-error, banner-timeout,
   * banner-421, banner-4xx, banner-5xx, banner-garbage, banner-mismatch, ehlo-timeout, ehlo-4xx,
   * ehlo-5xx, starttls-unsupported, starttls-refused, tls-failed, tls-timeout, cert-expired,
   * cert-expiring, cert-untrusted, reset, protocol-error, aborted; and from the scheduler,
   * probe-timeout (the check outlived its phase timeouts) and probe-error (the check threw). Absent when ok.
   */
  reason?: string;
  /** Human detail for the reason (the server's reply line, the socket error). */
  detail?: string;
  /** Phases completed or attempted, with how long each took. */
  phases: PhaseTiming[];
  banner?: string;
  /** EHLO keywords, upper case (e.g. ['PIPELINING', 'SIZE 10240000', 'STARTTLS']). */
  capabilities?: readonly string[];
  tls?: TlsInfo;
  /** Epoch ms when the probe started and its total duration. */
  startedAt: number;
  totalMs: number;
}

/** One SMTP check. Never rejects: every failure is a ProbeResult with ok=false and a reason. */
export type ProbeCheck = (target: ProbeTarget, signal?: AbortSignal) => Promise<ProbeResult>;
