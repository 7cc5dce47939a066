/**
 * The DNS protection flags of `serve` (leaf, like ./config.ts, which re-exports all of it): DNS
 * cookies (RFC 7873/9018), response rate limiting, the TCP limits of RFC 7766 §6.2.3 and the
 * answer caches' byte bounds → their settings; bad values throw MxlbError('usage', …) naming the
 * flag. docs/security.md describes each one and its default.
 */
import { isIP } from 'node:net';
import { MxlbError } from './errors.ts';
import { loadCookieSecrets } from './config-secrets.ts';

/** The flags read here, as yargs hands them over (part of ServeFlags). */
export interface DnsProtectionFlags {
  /** false: `--no-rrl`. */
  rrl?: boolean;
  rrlRate?: number;
  rrlErrorRate?: number;
  rrlBurst?: number;
  rrlSlip?: number;
  rrlIpv4Prefix?: number;
  rrlIpv6Prefix?: number;
  /** CIDR prefixes, repeatable or comma-separated; `none` for an empty list (loopback is whitelisted by default). */
  rrlWhitelist?: string[];
  rrlAmplification?: number;
  /** false: `--no-cookies`. */
  cookies?: boolean;
  cookieSecretFile?: string;
  requireServerCookie?: boolean;
  tcpIdleTimeout?: string;
  tcpQueryTimeout?: string;
  tcpLifetime?: string;
  tcpMaxConnections?: number;
  tcpMaxPerSource?: number;
  dnsCacheBytes?: number;
  dnsNegativeCacheBytes?: number;
  /** `--answer-cpus`: CPU list (`1`, `2-3`, `0,2`) the answering threads run on. */
  answerCpus?: string;
  /** `--control-cpus`: CPU list of every other thread; default the allowed CPUs minus `answerCpus`. */
  controlCpus?: string;
}

/** `--answer-cpus` / `--control-cpus` (src/dns/thread-affinity.ts, docs/operations.md "CPU affinity"). */
export interface CpuAffinity {
  answering: readonly number[];
  /** Unset: the CPUs the process may use minus `answering`, decided at start. */
  control?: readonly number[];
}

/** `--cookie-*` flags and the secret file (docs/security.md "DNS cookies"). */
export interface CookieSettings {
  /** 16-octet secrets as 32 hex digits from `--cookie-secret-file`: the first makes cookies, the rest are still accepted. Empty: one random secret per start. */
  secrets: readonly string[];
  secretFile?: string;
  /** `--require-server-cookie`: BADCOOKIE for UDP queries with a COOKIE option but no valid server cookie. */
  requireServerCookie: boolean;
}

/** `--rrl-*` flags (docs/security.md "Response rate limiting"). */
export interface RrlSettings {
  rate?: number;
  errorRate?: number;
  burst?: number;
  slip?: number;
  ipv4Prefix?: number;
  ipv6Prefix?: number;
  whitelist?: readonly string[];
  amplification?: number;
}

/** `--tcp-*` flags (docs/security.md "TCP limits"), durations in ms. */
export interface TcpSettings {
  idleTimeoutMs?: number;
  queryTimeoutMs?: number;
  maxLifetimeMs?: number;
  maxConnections?: number;
  maxPerSource?: number;
}

/** `--dns-cache-bytes` / `--dns-negative-cache-bytes` (env MXLB_DNS_CACHE_BYTES / MXLB_DNS_NEGATIVE_CACHE_BYTES). */
export function dnsCacheOption(flags: DnsProtectionFlags, env: NodeJS.ProcessEnv): { maxBytes?: number; maxNegativeBytes?: number } {
  const fromEnv = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text));
  const maxBytes = whole(flags.dnsCacheBytes ?? fromEnv(env.MXLB_DNS_CACHE_BYTES), '--dns-cache-bytes', 0, 2 ** 40);
  const maxNegativeBytes = whole(flags.dnsNegativeCacheBytes ?? fromEnv(env.MXLB_DNS_NEGATIVE_CACHE_BYTES), '--dns-negative-cache-bytes', 0, 2 ** 40);
  return { ...(maxBytes !== undefined ? { maxBytes } : {}), ...(maxNegativeBytes !== undefined ? { maxNegativeBytes } : {}) };
}

export function whole(value: number | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw new MxlbError('usage', `${flag} must be a whole number from ${min} to ${max}, not "${String(value)}"`);
  return value;
}

/** `--cookies`, `--cookie-secret-file` (env MXLB_COOKIE_SECRET_FILE), `--require-server-cookie` → CookieSettings. */
export function cookieOption(flags: DnsProtectionFlags, env: NodeJS.ProcessEnv): CookieSettings | false {
  if (flags.cookies === false) return false;
  const file = flags.cookieSecretFile ?? env.MXLB_COOKIE_SECRET_FILE;
  const requireServerCookie = flags.requireServerCookie === true;
  if (!file) return { secrets: [], requireServerCookie };
  return { secrets: loadCookieSecrets(file), secretFile: file, requireServerCookie };
}

/** `--rrl-*` → RrlSettings (only what was given), or false for `--no-rrl` / `--rrl-rate 0`. */
export function rrlOption(flags: DnsProtectionFlags): RrlSettings | false {
  if (flags.rrl === false) return false;
  const settings: RrlSettings = {};
  const set = <K extends keyof RrlSettings>(key: K, value: RrlSettings[K] | undefined): void => {
    if (value !== undefined) settings[key] = value;
  };
  set('rate', whole(flags.rrlRate, '--rrl-rate', 0, 1_000_000));
  if (settings.rate === 0) return false;
  set('errorRate', whole(flags.rrlErrorRate, '--rrl-error-rate', 1, 1_000_000));
  set('burst', whole(flags.rrlBurst, '--rrl-burst', 1, 10_000_000));
  set('slip', whole(flags.rrlSlip, '--rrl-slip', 0, 10));
  set('ipv4Prefix', whole(flags.rrlIpv4Prefix, '--rrl-ipv4-prefix', 8, 32));
  set('ipv6Prefix', whole(flags.rrlIpv6Prefix, '--rrl-ipv6-prefix', 16, 128));
  if (flags.rrlAmplification !== undefined) {
    const factor = flags.rrlAmplification;
    if (!Number.isFinite(factor) || factor < 0 || factor > 1000) throw new MxlbError('usage', `--rrl-amplification must be from 0 (off) to 1000, not "${String(factor)}"`);
    settings.amplification = factor;
  }
  if (flags.rrlWhitelist?.length) {
    const entries = flags.rrlWhitelist.flatMap((text) => text.split(',')).map((text) => text.trim()).filter((text) => text !== '');
    settings.whitelist = Object.freeze(entries.includes('none') ? [] : entries.map(checkCidr));
  }
  return Object.freeze(settings);
}

function checkCidr(text: string): string {
  const [address, bits, extra] = text.split('/');
  const family = isIP(address ?? '');
  const max = family === 6 ? 128 : 32;
  const ok = family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max));
  if (!ok) throw new MxlbError('usage', `--rrl-whitelist expects ADDRESS or ADDRESS/PREFIX (e.g. 192.0.2.0/24, 2001:db8::/48), not "${text}"`);
  return text;
}

/** `--tcp-*` → TcpSettings (only what was given). */
export function tcpOption(flags: DnsProtectionFlags): TcpSettings {
  const settings: TcpSettings = {};
  const idle = durationMs(flags.tcpIdleTimeout, '--tcp-idle-timeout', 100);
  const query = durationMs(flags.tcpQueryTimeout, '--tcp-query-timeout', 50);
  const lifetime = durationMs(flags.tcpLifetime, '--tcp-lifetime', 0);
  if (idle !== undefined) settings.idleTimeoutMs = idle;
  if (query !== undefined) settings.queryTimeoutMs = query;
  if (lifetime !== undefined) settings.maxLifetimeMs = lifetime;
  const max = whole(flags.tcpMaxConnections, '--tcp-max-connections', 1, 100_000);
  const perSource = whole(flags.tcpMaxPerSource, '--tcp-max-per-source', 0, 100_000);
  if (max !== undefined) settings.maxConnections = max;
  if (perSource !== undefined) settings.maxPerSource = perSource;
  return Object.freeze(settings);
}

/** `--answer-cpus` / MXLB_ANSWER_CPUS and `--control-cpus` / MXLB_CONTROL_CPUS; undefined when neither is set. */
export function cpuAffinityOption(flags: DnsProtectionFlags, env: NodeJS.ProcessEnv): CpuAffinity | undefined {
  const answer = flags.answerCpus ?? env.MXLB_ANSWER_CPUS;
  const control = flags.controlCpus ?? env.MXLB_CONTROL_CPUS;
  if (answer === undefined || answer === '') {
    if (control !== undefined && control !== '') throw new MxlbError('usage', '--control-cpus needs --answer-cpus (the CPUs the answering threads keep to themselves)');
    return undefined;
  }
  const affinity: CpuAffinity = { answering: parseCpuList(answer, '--answer-cpus') };
  if (control !== undefined && control !== '') affinity.control = parseCpuList(control, '--control-cpus');
  return Object.freeze(affinity);
}

/** A Linux CPU list as taskset(1) and /proc write it: `1`, `0-3`, `0,2-3` → sorted distinct CPU numbers (0–1023). */
export function parseCpuList(text: string, flag: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,4})(?:-(\d{1,4}))?\s*$/.exec(part);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from > to || to > 1023) throw new MxlbError('usage', `${flag} expects a CPU list such as 1, 2-3 or 0,2 (CPU numbers 0-1023), not "${text}"`);
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** `500ms`, `2s`, `1.5s`, `2m` → ms (at least `min`, at most a day). */
export function durationMs(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000)) : Number.NaN;
  if (!(ms >= min && ms <= 86_400_000)) throw new MxlbError('usage', `${flag} expects a duration such as 500ms, 2s or 2m (at least ${min} ms), not "${text}"`);
  return ms;
}

/** Where zones come from: a folder, or (`--zones redis`) Redis through a local cache folder. */
