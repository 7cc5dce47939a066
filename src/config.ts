import { isIP } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { MxlbError } from './errors.ts';
import { loadAdminTokens, loadReadTokens, type AdminToken } from './config-secrets.ts';
import { cookieOption, cpuAffinityOption, dnsCacheOption, durationMs, rrlOption, tcpOption, whole, type CookieSettings, type CpuAffinity, type DnsProtectionFlags, type RrlSettings, type TcpSettings } from './config-dns.ts';

export { durationMs, parseCpuList, type CookieSettings, type CpuAffinity, type DnsProtectionFlags, type RrlSettings, type TcpSettings } from './config-dns.ts';
export { loadAdminTokens, loadCookieSecrets, loadReadTokens, MIN_TOKEN_LENGTH, parseCookieSecrets, parseTokenFile, type AdminToken } from './config-secrets.ts';

/** A host and port to listen on or connect to. Port 0 asks the OS for a free one. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Everything `mxlb serve` needs, resolved once at start-up and frozen. */
export interface ServeConfig {
  /** The folder the zone loader serves; with `sharedZones`, the cache the Redis follower fills. */
  zonesDir: string;
  /** `--zones redis`: zones come from Redis (`mxlb zone push`), mirrored into `zonesDir`. */
  sharedZones?: boolean;
  dns: readonly Endpoint[];
  http: Endpoint;
  logLevel: LevelWithSilent;
  /** Memory store's state file (last-known health, overrides, audit); '' keeps state in memory only. */
  stateFile: string;
  /** EHLO name probes use unless a zone sets one: this host's name. */
  ehloName: string;
  /** Bearer tokens that may write through the admin API; none = admin writes refused (403). */
  adminTokens: readonly AdminToken[];
  /** Where the tokens came from, so SIGHUP can read the token file again (rotation without a restart). */
  adminTokenSource: { token?: string; file?: string };
  /** Shared state in Redis (cluster mode); undefined = the embedded memory store. */
  redis?: RedisConfig;
  /** This instance's name in a cluster (lease holder, quorum voter, logs): unique per process. */
  instanceId: string;
  /** UDP response rate limiting (src/dns/rrl.ts); false = off. Unset fields keep the DNS layer's defaults. */
  rrl: RrlSettings | false;
  /** DNS cookies (src/dns/cookies.ts, docs/security.md "DNS cookies"); false = `--no-cookies`. */
  cookies: CookieSettings | false;
  /** TCP connection limits (src/dns/tcp.ts); unset fields keep the DNS layer's defaults. */
  tcp: TcpSettings;
  /** `--dns-cache-bytes`, `--dns-negative-cache-bytes`: the answer cache's byte bounds (src/dns/cache.ts); unset = its defaults. */
  dnsCache?: { maxBytes?: number; maxNegativeBytes?: number };
  /** `--zone-settle`: a changed zone file loads once unchanged this long (ms); undefined = the loader's default. */
  zoneSettleMs?: number;
  /** `--http-host`: Host names the HTTP listener answers besides its address and localhost (DNS rebinding defence). */
  httpHosts: readonly string[];
  /** `--read-token`, `--read-token-file`: tokens GET routes require; none = reads need no token. */
  readTokens: readonly AdminToken[];
  /** Where the read tokens came from, so SIGHUP can read the token file again. */
  readTokenSource: { token?: string; file?: string };
  /** `--http-max-connections`: most simultaneous HTTP connections; undefined = the HTTP layer's default (256). */
  httpMaxConnections?: number;
  /** `--workers`: DNS answering workers (threads) on the same addresses; default the number of CPUs (src/dns/worker-pool.ts). */
  workers: number;
  /** `--answer-cpus` / `--control-cpus`: answering threads on CPUs of their own (src/dns/thread-affinity.ts); unset = the scheduler decides. */
  cpuAffinity?: CpuAffinity;
  /** Env MXLB_V8_TUNING (`0` turns it off): the V8 heap settings of src/heap-tuning.ts; default on. */
  v8Tuning: boolean;
  /** Env MXLB_MALLOC_TUNING (`0` turns it off): the glibc malloc settings of src/malloc-tuning.ts; default on. */
  mallocTuning: boolean;
  /** Test only, env MXLB_TEST_CRASH_QNAME (no flag): a query for this name kills the answering worker that gets it (docs/operations.md). */
  testCrashQname?: string;
}

/**
 * How to reach Redis. Either a URL (`redis://[user:pass@]host:port[/db]`, `rediss://` for TLS) or
 * Sentinel: `sentinels` + `masterName`, with the URL (if any) supplying only credentials, db and TLS.
 */
export interface RedisConfig {
  url?: string;
  sentinels?: readonly { host: string; port: number }[];
  /** Sentinel master group name (default `mymaster`). */
  masterName?: string;
  /** Password of the Sentinels themselves, if they require one (env MXLB_REDIS_SENTINEL_PASSWORD only: a secret). */
  sentinelPassword?: string;
  /** Prefix of every key and channel, so several clusters can share one Redis (default `mxlb:`). */
  prefix: string;
  /** Quorum: a member goes down for everyone only when this many instances see it down; 0 = off (leases). */
  quorum: number;
}

export const DEFAULT_DNS: Endpoint = { host: '127.0.0.1', port: 5353 };
export const DEFAULT_HTTP: Endpoint = { host: '127.0.0.1', port: 8053 };
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Flags as yargs hands them over; environment variables fill what flags leave unset. */
export interface ServeFlags extends DnsProtectionFlags {
  zones?: string;
  zonesCache?: string;
  dns?: string[];
  http?: string;
  logLevel?: string;
  stateFile?: string;
  ehloName?: string;
  adminToken?: string;
  adminTokenFile?: string;
  redis?: string;
  redisSentinel?: string[];
  redisMaster?: string;
  redisPrefix?: string;
  quorum?: number;
  instanceId?: string;
  zoneSettle?: string;
  httpMaxConnections?: number;
  workers?: number;
  httpHost?: string[];
  readToken?: string;
  readTokenFile?: string;
}

/**
 * Flags + environment → frozen ServeConfig. The only place that reads process.env (MXLB_ZONES,
 * MXLB_ZONES_CACHE,
 * MXLB_DNS as a comma list, MXLB_HTTP, MXLB_LOG_LEVEL, MXLB_STATE_FILE, MXLB_EHLO_NAME,
 * MXLB_ADMIN_TOKEN, MXLB_ADMIN_TOKEN_FILE, MXLB_REDIS, MXLB_REDIS_SENTINELS as a comma list,
 * MXLB_REDIS_MASTER, MXLB_REDIS_SENTINEL_PASSWORD, MXLB_REDIS_PREFIX, MXLB_QUORUM, MXLB_INSTANCE_ID,
 * MXLB_ZONE_SETTLE, MXLB_HTTP_HOSTS as a comma list, MXLB_READ_TOKEN, MXLB_READ_TOKEN_FILE,
 * MXLB_WORKERS, MXLB_ANSWER_CPUS, MXLB_CONTROL_CPUS, MXLB_DNS_CACHE_BYTES, MXLB_DNS_NEGATIVE_CACHE_BYTES, MXLB_V8_TUNING, and the test-only MXLB_TEST_CRASH_QNAME);
 * flags win over the environment.
 * Throws MxlbError('usage', …) with an operator-readable message for bad values.
 */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Readonly<ServeConfig> {
  const dnsText = flags.dns?.length ? flags.dns : env.MXLB_DNS ? env.MXLB_DNS.split(',') : undefined;
  const httpText = flags.http ?? env.MXLB_HTTP;
  const logLevel = flags.logLevel ?? env.MXLB_LOG_LEVEL ?? 'info';
  if (!LEVELS.has(logLevel)) throw new MxlbError('usage', `--log-level must be one of ${[...LEVELS].join(', ')}, not "${logLevel}"`);
  return Object.freeze({
    ...zonesOption(flags, env),
    dns: Object.freeze(dnsText ? dnsText.map((text) => parseEndpoint(text.trim(), '--dns')) : [DEFAULT_DNS]),
    http: httpText ? parseEndpoint(httpText, '--http') : DEFAULT_HTTP,
    logLevel: logLevel as LevelWithSilent,
    stateFile: stateFilePath(flags.stateFile ?? env.MXLB_STATE_FILE ?? '.mxlb-state.json'),
    ehloName: flags.ehloName ?? env.MXLB_EHLO_NAME ?? hostname(),
    ...adminTokenOption(flags.adminToken ?? env.MXLB_ADMIN_TOKEN, flags.adminTokenFile ?? env.MXLB_ADMIN_TOKEN_FILE),
    ...redisOption(flags, env),
    instanceId: instanceIdOption(flags.instanceId ?? env.MXLB_INSTANCE_ID),
    rrl: rrlOption(flags),
    cookies: cookieOption(flags, env),
    tcp: tcpOption(flags),
    dnsCache: dnsCacheOption(flags, env),
    ...exposureOptions(flags, env),
    ...httpLimit(flags.httpMaxConnections),
    workers: workersOption(flags.workers ?? (env.MXLB_WORKERS ? Number(env.MXLB_WORKERS) : undefined)),
    ...affinityOption(cpuAffinityOption(flags, env)),
    v8Tuning: env.MXLB_V8_TUNING !== '0',
    mallocTuning: env.MXLB_MALLOC_TUNING !== '0',
    ...(env.MXLB_TEST_CRASH_QNAME ? { testCrashQname: env.MXLB_TEST_CRASH_QNAME } : {}),
  });
}

function zonesOption(flags: ServeFlags, env: NodeJS.ProcessEnv): Pick<ServeConfig, 'zonesDir' | 'sharedZones'> {
  const zones = flags.zones ?? env.MXLB_ZONES ?? 'zones';
  if (zones !== 'redis') return { zonesDir: resolvePath(zones) };
  if (!flags.redis && !env.MXLB_REDIS && !flags.redisSentinel?.length && !env.MXLB_REDIS_SENTINELS) {
    throw new MxlbError('usage', '--zones redis needs --redis URL (or --redis-sentinel); for a folder named "redis" write --zones ./redis');
  }
  return { zonesDir: resolvePath(flags.zonesCache ?? env.MXLB_ZONES_CACHE ?? '.mxlb-zones'), sharedZones: true };
}

const INSTANCE_ID = /^[A-Za-z0-9._:@+-]{1,100}$/;

function instanceIdOption(text: string | undefined): string {
  if (text === undefined || text === '') return `${hostname()}:${process.pid}`;
  if (!INSTANCE_ID.test(text)) throw new MxlbError('usage', `--instance-id may use letters, digits and . _ : @ + - (at most 100), not "${text}"`);
  return text;
}

/** The `redis` part of ServeConfig, or nothing when neither a URL nor sentinels are given. */
function redisOption(flags: ServeFlags, env: NodeJS.ProcessEnv): { redis?: RedisConfig } {
  const url = flags.redis ?? env.MXLB_REDIS;
  const sentinelText = flags.redisSentinel?.length ? flags.redisSentinel : env.MXLB_REDIS_SENTINELS ? env.MXLB_REDIS_SENTINELS.split(',') : [];
  const quorumText = flags.quorum ?? (env.MXLB_QUORUM ? Number(env.MXLB_QUORUM) : undefined);
  if (!url && sentinelText.length === 0) {
    if (quorumText) throw new MxlbError('usage', '--quorum needs --redis (or --redis-sentinel): quorum is between instances sharing Redis');
    return {};
  }
  if (url && !/^rediss?:\/\/[^\s]*$/.test(url)) throw new MxlbError('usage', `--redis expects redis://[user:password@]host:port[/db] or rediss://…, not "${url.replace(/\/\/[^@/]*@/, '//…@')}"`);
  const quorum = quorumText ?? 0;
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > 100) throw new MxlbError('usage', `--quorum must be a whole number from 0 (off) to 100, not "${String(quorumText)}"`);
  const prefix = flags.redisPrefix ?? env.MXLB_REDIS_PREFIX ?? 'mxlb:';
  if (!/^[A-Za-z0-9._:{}-]{0,64}$/.test(prefix)) throw new MxlbError('usage', `--redis-prefix may use letters, digits and . _ : { } - (at most 64), not "${prefix}"`);
  const config: RedisConfig = { prefix, quorum };
  if (url) config.url = url;
  if (sentinelText.length > 0) {
    config.sentinels = Object.freeze(sentinelText.map((text) => parseHostPort(text.trim(), '--redis-sentinel')));
    config.masterName = flags.redisMaster ?? env.MXLB_REDIS_MASTER ?? 'mymaster';
    if (env.MXLB_REDIS_SENTINEL_PASSWORD) config.sentinelPassword = env.MXLB_REDIS_SENTINEL_PASSWORD;
  }
  return { redis: Object.freeze(config) };
}

/** `host:port` where host may be a name (Sentinels are usually found by name). */
function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([A-Za-z0-9.-]+)):(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) throw new MxlbError('usage', `${flag} expects HOST:PORT, not "${text}"`);
  return { host: match[1] || match[2]!, port };
}

function adminTokenOption(token: string | undefined, file: string | undefined): Pick<ServeConfig, 'adminTokens' | 'adminTokenSource'> {
  const source: ServeConfig['adminTokenSource'] = {};
  if (token !== undefined && token !== '') source.token = token;
  if (file) source.file = file;
  return { adminTokens: loadAdminTokens(source), adminTokenSource: Object.freeze(source) };
}

/** Where CLI commands that talk to a running server connect, and as whom, before flags. */
export interface ClientDefaults {
  /** MXLB_SERVER, else the default HTTP listener. */
  server: string;
  /** MXLB_ADMIN_TOKEN. */
  token?: string;
  /** MXLB_ADMIN_TOKEN_FILE. */
  tokenFile?: string;
  /** MXLB_READ_TOKEN and MXLB_READ_TOKEN_FILE: what read commands (status, explain) send first. */
  readToken?: string;
  readTokenFile?: string;
  /** `$USER@hostname`, recorded as the author of admin writes. */
  author: string;
  /** MXLB_ZONES, else `zones`: the folder zone commands read and edit (with MXLB_ZONES=redis, the cache folder). */
  zones: string;
  /** MXLB_REDIS and MXLB_REDIS_PREFIX (default `mxlb:`), for `zone push|pull|diff`. */
  redis?: string;
  redisPrefix: string;
}

export function clientDefaults(env: NodeJS.ProcessEnv = process.env): ClientDefaults {
  const defaults: ClientDefaults = {
    server: env.MXLB_SERVER || `http://${formatEndpoint(DEFAULT_HTTP)}`,
    author: `${env.USER || env.LOGNAME || 'unknown'}@${hostname()}`,
    zones: env.MXLB_ZONES === 'redis' ? env.MXLB_ZONES_CACHE || '.mxlb-zones' : env.MXLB_ZONES || 'zones',
    redisPrefix: env.MXLB_REDIS_PREFIX ?? 'mxlb:',
  };
  if (env.MXLB_REDIS) defaults.redis = env.MXLB_REDIS;
  if (env.MXLB_ADMIN_TOKEN) defaults.token = env.MXLB_ADMIN_TOKEN;
  if (env.MXLB_ADMIN_TOKEN_FILE) defaults.tokenFile = env.MXLB_ADMIN_TOKEN_FILE;
  if (env.MXLB_READ_TOKEN) defaults.readToken = env.MXLB_READ_TOKEN;
  if (env.MXLB_READ_TOKEN_FILE) defaults.readTokenFile = env.MXLB_READ_TOKEN_FILE;
  return defaults;
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

/** `--http-max-connections` (docs/security.md "HTTP connection limit"). */
function affinityOption(affinity: CpuAffinity | undefined): Pick<ServeConfig, 'cpuAffinity'> {
  return affinity ? { cpuAffinity: affinity } : {};
}

/** `--workers` / MXLB_WORKERS: 1–256 answering workers; unset, one per CPU (os.availableParallelism). */
function workersOption(value: number | undefined): number {
  if (value === undefined) return Math.max(1, availableParallelism());
  return whole(value, '--workers', 1, 256)!;
}

function httpLimit(value: number | undefined): Pick<ServeConfig, 'httpMaxConnections'> {
  if (value === undefined) return {};
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw new MxlbError('usage', `--http-max-connections expects a whole number from 1 to 1000000, not ${value}`);
  return { httpMaxConnections: value };
}

/** `--zone-settle`, `--http-host`, `--read-token` / MXLB_READ_TOKEN, `--read-token-file` / MXLB_READ_TOKEN_FILE. */
function exposureOptions(flags: ServeFlags, env: NodeJS.ProcessEnv): Pick<ServeConfig, 'zoneSettleMs' | 'httpHosts' | 'readTokens' | 'readTokenSource'> {
  const settle = durationMs(flags.zoneSettle ?? env.MXLB_ZONE_SETTLE, '--zone-settle', 0);
  const hosts = (flags.httpHost ?? (env.MXLB_HTTP_HOSTS ? env.MXLB_HTTP_HOSTS.split(',') : [])).map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const host of hosts) {
    if (!/^[a-z0-9.:[\]-]{1,253}$/.test(host)) throw new MxlbError('usage', `--http-host expects a host name without port or scheme, not "${host}"`);
  }
  const source: ServeConfig['readTokenSource'] = {};
  const token = flags.readToken ?? env.MXLB_READ_TOKEN;
  const file = flags.readTokenFile ?? env.MXLB_READ_TOKEN_FILE;
  if (token !== undefined && token !== '') source.token = token;
  if (file) source.file = file;
  return { ...(settle === undefined ? {} : { zoneSettleMs: settle }), httpHosts: Object.freeze(hosts), readTokens: loadReadTokens(source), readTokenSource: Object.freeze(source) };
}
