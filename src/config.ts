import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { MxlbError } from './errors.ts';

/** A host and port to listen on or connect to. Port 0 asks the OS for a free one. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Everything `mxlb serve` needs, resolved once at start-up and frozen. */
export interface ServeConfig {
  zonesDir: string;
  dns: readonly Endpoint[];
  http: Endpoint;
  logLevel: LevelWithSilent;
  /** Memory store's state file (last-known health, overrides, audit); '' keeps state in memory only. */
  stateFile: string;
  /** EHLO name probes use unless a zone sets one: this host's name. */
  ehloName: string;
}

export const DEFAULT_DNS: Endpoint = { host: '127.0.0.1', port: 5353 };
export const DEFAULT_HTTP: Endpoint = { host: '127.0.0.1', port: 8053 };
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Flags as yargs hands them over; environment variables fill what flags leave unset. */
export interface ServeFlags {
  zones?: string;
  dns?: string[];
  http?: string;
  logLevel?: string;
  stateFile?: string;
  ehloName?: string;
}

/**
 * Flags + environment → frozen ServeConfig. The only place that reads process.env (MXLB_ZONES,
 * MXLB_DNS as a comma list, MXLB_HTTP, MXLB_LOG_LEVEL, MXLB_STATE_FILE, MXLB_EHLO_NAME); flags win
 * over the environment.
 * Throws MxlbError('usage', …) with an operator-readable message for bad values.
 */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Readonly<ServeConfig> {
  const dnsText = flags.dns?.length ? flags.dns : env.MXLB_DNS ? env.MXLB_DNS.split(',') : undefined;
  const httpText = flags.http ?? env.MXLB_HTTP;
  const logLevel = flags.logLevel ?? env.MXLB_LOG_LEVEL ?? 'info';
  if (!LEVELS.has(logLevel)) throw new MxlbError('usage', `--log-level must be one of ${[...LEVELS].join(', ')}, not "${logLevel}"`);
  return Object.freeze({
    zonesDir: resolvePath(flags.zones ?? env.MXLB_ZONES ?? 'zones'),
    dns: Object.freeze(dnsText ? dnsText.map((text) => parseEndpoint(text.trim(), '--dns')) : [DEFAULT_DNS]),
    http: httpText ? parseEndpoint(httpText, '--http') : DEFAULT_HTTP,
    logLevel: logLevel as LevelWithSilent,
    stateFile: stateFilePath(flags.stateFile ?? env.MXLB_STATE_FILE ?? '.mxlb-state.json'),
    ehloName: flags.ehloName ?? env.MXLB_EHLO_NAME ?? hostname(),
  });
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT` or `PORT` (loopback). HOST must be an IP address: mxlb binds
 * addresses, it does not resolve names at start-up.
 */
export function parseEndpoint(text: string, flag: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!match) throw new MxlbError('usage', `${flag} expects HOST:PORT or [IPv6]:PORT, not "${text}"`);
  const host = match[1] || match[2] || '127.0.0.1';
  const port = Number(match[3]);
  if (!isIP(host)) throw new MxlbError('usage', `${flag}: "${host}" is not an IP address`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MxlbError('usage', `${flag}: port ${match[3]} is out of range`);
  return { host, port };
}

/** `host:port` with IPv6 in brackets, for logs and URLs. */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

function stateFilePath(text: string): string {
  return text === '' ? '' : resolvePath(text);
}
