import type { CommandModule } from 'yargs';
import { serveConfig, formatEndpoint } from '../config.ts';
import { createLogger, LOG_FORMATS, type LogFormat } from '../log.ts';
import { guardYoungGeneration, tuneHeap } from '../heap-tuning.ts';
import { MALLOC_SETTINGS, tuneMalloc } from '../malloc-tuning.ts';
import type { RunningMxlb } from '../main.ts';
import { checkZonesFolder } from './serve-preflight.ts';

interface ServeArgs {
  zones?: string;
  'zones-cache'?: string;
  dns?: string[];
  http?: string;
  'log-level'?: string;
  'log-format'?: LogFormat;
  'state-file'?: string;
  'ehlo-name'?: string;
  'admin-token'?: string;
  'admin-token-file'?: string;
  redis?: string;
  'redis-sentinel'?: string[];
  'redis-master'?: string;
  'redis-prefix'?: string;
  quorum?: number;
  'instance-id'?: string;
  rrl?: boolean;
  'rrl-rate'?: number;
  'rrl-error-rate'?: number;
  'rrl-burst'?: number;
  'rrl-slip'?: number;
  'rrl-ipv4-prefix'?: number;
  'rrl-ipv6-prefix'?: number;
  'rrl-whitelist'?: string[];
  'rrl-amplification'?: number;
  cookies?: boolean;
  'cookie-secret-file'?: string;
  'require-server-cookie'?: boolean;
  'tcp-idle-timeout'?: string;
  'tcp-query-timeout'?: string;
  'tcp-lifetime'?: string;
  'tcp-max-connections'?: number;
  'tcp-max-per-source'?: number;
  'zone-settle'?: string;
  'http-host'?: string[];
  'http-max-connections'?: number;
  workers?: number;
  'answer-cpus'?: string;
  'control-cpus'?: string;
  'dns-cache-bytes'?: number;
  'dns-negative-cache-bytes'?: number;
  'read-token'?: string;
  'read-token-file'?: string;
}

/** `mxlb serve`: runs the DNS and HTTP listeners until SIGTERM/SIGINT; SIGHUP reloads zones and the admin token file. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve the zones in a folder over DNS (UDP and TCP) with an HTTP status endpoint',
  builder: (y) =>
    y
      .option('zones', { type: 'string', describe: 'Zones folder, or "redis" for zones published with "mxlb zone push" (env MXLB_ZONES)', default: undefined, defaultDescription: './zones' })
      .option('zones-cache', { type: 'string', describe: 'With --zones redis: local copy of the shared zones, served while Redis is down (env MXLB_ZONES_CACHE)', defaultDescription: './.mxlb-zones' })
      .option('dns', { type: 'string', array: true, describe: 'DNS listen address HOST:PORT, repeatable (env MXLB_DNS, comma list)', defaultDescription: '127.0.0.1:5353' })
      .option('http', { type: 'string', describe: 'HTTP listen address HOST:PORT (env MXLB_HTTP)', defaultDescription: '127.0.0.1:8053' })
      .option('state-file', { type: 'string', describe: "State file for last-known health, overrides and audit; '' for none (env MXLB_STATE_FILE)", defaultDescription: './.mxlb-state.json' })
      .option('ehlo-name', { type: 'string', describe: 'EHLO name of probes unless a zone sets one (env MXLB_EHLO_NAME)', defaultDescription: 'this host name' })
      .option('admin-token', { type: 'string', describe: 'Bearer token for admin API writes, at least 16 characters; prefer the env or a file, a flag shows in ps (env MXLB_ADMIN_TOKEN)' })
      .option('admin-token-file', { type: 'string', describe: 'File of admin tokens, one TOKEN or HOLDER TOKEN per line (env MXLB_ADMIN_TOKEN_FILE)' })
      .option('redis', { type: 'string', describe: 'Share state with other instances through Redis: redis://[user:pass@]host:port[/db] or rediss:// (env MXLB_REDIS)' })
      .option('redis-sentinel', { type: 'string', array: true, describe: 'Find Redis through Sentinel HOST:PORT, repeatable; --redis then only gives credentials, db, TLS (env MXLB_REDIS_SENTINELS)' })
      .option('redis-master', { type: 'string', describe: 'Sentinel master group name (env MXLB_REDIS_MASTER)', defaultDescription: 'mymaster' })
      .option('redis-prefix', { type: 'string', describe: 'Prefix of Redis keys and channels (env MXLB_REDIS_PREFIX)', defaultDescription: 'mxlb:' })
      .option('quorum', { type: 'number', describe: 'Mark a member down only when this many instances see it down; every instance then probes (env MXLB_QUORUM)', defaultDescription: '0 (off: one prober per member)' })
      .option('instance-id', { type: 'string', describe: 'Name of this instance in the cluster (env MXLB_INSTANCE_ID)', defaultDescription: 'hostname:pid' })
      .option('rrl', { type: 'boolean', describe: 'UDP response rate limiting per source prefix; --no-rrl turns it off (docs/security.md)', defaultDescription: 'on' })
      .option('rrl-rate', { type: 'number', describe: 'Answers per second per source prefix (0: off)', defaultDescription: '50' })
      .option('rrl-error-rate', { type: 'number', describe: 'NXDOMAIN and error replies per second per source prefix, each class its own', defaultDescription: '10' })
      .option('rrl-burst', { type: 'number', describe: 'Answers a quiet prefix may get at once (error classes: scaled by error-rate/rate)', defaultDescription: '100' })
      .option('rrl-slip', { type: 'number', describe: 'Every Nth limited reply is sent truncated (TC=1) so real clients retry over TCP; 0 drops all', defaultDescription: '2' })
      .option('rrl-ipv4-prefix', { type: 'number', describe: 'IPv4 source prefix length sharing one budget', defaultDescription: '24' })
      .option('rrl-ipv6-prefix', { type: 'number', describe: 'IPv6 source prefix length sharing one budget', defaultDescription: '56' })
      .option('rrl-whitelist', { type: 'string', array: true, describe: 'Prefixes never limited (your own resolvers), repeatable or comma list; "none" for none', defaultDescription: '127.0.0.0/8, ::1' })
      .option('cookies', { type: 'boolean', describe: 'DNS cookies (RFC 7873/9018): replies carry a server cookie; a valid one exempts the source from RRL; --no-cookies turns them off (docs/security.md)', defaultDescription: 'on' })
      .option('cookie-secret-file', { type: 'string', describe: 'File of 16-octet hex secrets, current first, previous ones after it (env MXLB_COOKIE_SECRET_FILE); the same file on every instance behind one address', defaultDescription: 'a random secret per start' })
      .option('require-server-cookie', { type: 'boolean', describe: 'Answer BADCOOKIE to UDP queries that carry a COOKIE option without a valid server cookie', defaultDescription: 'off' })
      .option('rrl-amplification', { type: 'number', describe: 'A reply over this many times its query costs proportionally more of the budget (0: off)', defaultDescription: '4' })
      .option('tcp-idle-timeout', { type: 'string', describe: 'Close TCP connections idle this long (shrinks to 1s above 75% of the cap)', defaultDescription: '10s' })
      .option('tcp-query-timeout', { type: 'string', describe: 'A TCP query whose first octet arrived must be complete within this', defaultDescription: '2s' })
      .option('tcp-lifetime', { type: 'string', describe: 'Close a TCP connection this long after it opened (between queries); 0s: no cap', defaultDescription: '2m' })
      .option('tcp-max-connections', { type: 'number', describe: 'Most open TCP connections per listen address', defaultDescription: '256' })
      .option('tcp-max-per-source', { type: 'number', describe: 'Most TCP connections from one client address (0: no cap)', defaultDescription: '16' })
      .option('zone-settle', { type: 'string', describe: 'Load a changed zone file once it has not changed for this long; 0s loads at once (env MXLB_ZONE_SETTLE)', defaultDescription: '500ms' })
      .option('http-host', { type: 'string', array: true, describe: 'Host name the HTTP listener answers to besides its address and localhost, repeatable (env MXLB_HTTP_HOSTS, comma list)' })
      .option('http-max-connections', { type: 'number', describe: 'Most simultaneous HTTP connections; more are refused at once', defaultDescription: '256' })
      .option('dns-cache-bytes', { type: 'number', describe: 'Answer cache bound in bytes per answering worker (replies + keys + overhead; env MXLB_DNS_CACHE_BYTES)', defaultDescription: '33554432 (32 MiB)' })
      .option('dns-negative-cache-bytes', { type: 'number', describe: 'Negative (NODATA, …) answer cache bound in bytes per worker (env MXLB_DNS_NEGATIVE_CACHE_BYTES)', defaultDescription: '4194304 (4 MiB)' })
      .option('workers', { type: 'number', describe: 'DNS answering workers (threads) on the same addresses, SO_REUSEPORT; Node 20: one (env MXLB_WORKERS)', defaultDescription: 'number of CPUs' })
      .option('answer-cpus', { type: 'string', describe: 'Pin the answering workers to these CPUs (1, 2-3, 0,2) and every other thread to the rest, so a busy control plane never delays an answer (Linux, taskset; env MXLB_ANSWER_CPUS)', defaultDescription: 'off' })
      .option('control-cpus', { type: 'string', describe: 'With --answer-cpus: the CPUs of the control plane (probes, HTTP, zone loading) (env MXLB_CONTROL_CPUS)', defaultDescription: 'the others' })
      .option('read-token', { type: 'string', describe: 'Token GET /status, /explain, /metrics, /api and the dashboard require (env MXLB_READ_TOKEN)' })
      .option('read-token-file', { type: 'string', describe: 'File of read tokens, one TOKEN or HOLDER TOKEN per line (env MXLB_READ_TOKEN_FILE)' })
      .option('log-format', { choices: LOG_FORMATS, describe: 'json (one JSON object per line) or pretty (for people); events: docs/logs.md', defaultDescription: 'pretty on a terminal, else json' })
      .option('log-level', { type: 'string', describe: 'fatal|error|warn|info|debug|trace|silent (env MXLB_LOG_LEVEL)', defaultDescription: 'info' })
      .example('$0 serve --zones ./zones --dns 127.0.0.1:53 --dns [::1]:53', 'Serve on port 53 over IPv4 and IPv6'),
  handler: async (args) => {
    // SIGHUP's default action ends the process: listened for from the start, so a reload asked
    // for while the server starts (a `systemctl reload` right after start, a deploy script) is
    // carried out once it serves instead of killing it.
    let running: RunningMxlb | undefined;
    let reloadWhenStarted = false;
    process.on('SIGHUP', () => {
      if (running) running.reload('SIGHUP');
      else reloadWhenStarted = true;
    });
    const config = serveConfig({
      zones: args.zones, zonesCache: args['zones-cache'], dns: args.dns, http: args.http, logLevel: args['log-level'], stateFile: args['state-file'], ehloName: args['ehlo-name'],
      adminToken: args['admin-token'], adminTokenFile: args['admin-token-file'],
      redis: args.redis, redisSentinel: args['redis-sentinel'], redisMaster: args['redis-master'], redisPrefix: args['redis-prefix'],
      quorum: args.quorum, instanceId: args['instance-id'],
      rrl: args.rrl, rrlRate: args['rrl-rate'], rrlErrorRate: args['rrl-error-rate'], rrlBurst: args['rrl-burst'], rrlSlip: args['rrl-slip'],
      rrlIpv4Prefix: args['rrl-ipv4-prefix'], rrlIpv6Prefix: args['rrl-ipv6-prefix'], rrlWhitelist: args['rrl-whitelist'], rrlAmplification: args['rrl-amplification'],
      cookies: args.cookies, cookieSecretFile: args['cookie-secret-file'], requireServerCookie: args['require-server-cookie'],
      tcpIdleTimeout: args['tcp-idle-timeout'], tcpQueryTimeout: args['tcp-query-timeout'], tcpLifetime: args['tcp-lifetime'],
      tcpMaxConnections: args['tcp-max-connections'], tcpMaxPerSource: args['tcp-max-per-source'],
      zoneSettle: args['zone-settle'], httpHost: args['http-host'], httpMaxConnections: args['http-max-connections'], workers: args.workers, answerCpus: args['answer-cpus'], controlCpus: args['control-cpus'], dnsCacheBytes: args['dns-cache-bytes'], dnsNegativeCacheBytes: args['dns-negative-cache-bytes'], readToken: args['read-token'], readTokenFile: args['read-token-file'],
    });
    if (!config.sharedZones) checkZonesFolder(config.zonesDir);
    // Before the server's modules load: a young generation grown by then stays grown under load.
    const v8Flags = tuneHeap(config.v8Tuning);
    const logger = createLogger(config.logLevel, args['log-format']);
    if (v8Flags.length > 0) logger.debug({ v8Flags }, 'V8 heap settings (MXLB_V8_TUNING=0 leaves the defaults)');
    if (v8Flags.length > 0) guardYoungGeneration({ onShrink: (e) => logger.debug({ fromBytes: e.fromBytes, toBytes: e.toBytes, ms: Math.round(e.ms), ok: e.ok }, 'young generation shrunk (src/heap-tuning.ts)') });
    // Loaded here, not at the top: every other command (the log follower on an MTA host, the
    // CLI tools) then starts without the whole server (DNS, HTTP, Redis, probes) in memory.
    const { startMxlb } = await import('../main.ts');
    // Once per process, before the answering workers start (the DNS module is loaded by now).
    const { loadNativeAddon } = await import('../dns/index.ts');
    const malloc = tuneMalloc(loadNativeAddon(), config.mallocTuning);
    if (malloc.applied) logger.debug({ malloc: MALLOC_SETTINGS }, 'glibc malloc settings (MXLB_MALLOC_TUNING=0 leaves the defaults)');
    else logger.debug({ reason: malloc.reason }, 'glibc malloc settings left at their defaults');
    const started = await startMxlb(config, logger);
    running = started;
    logger.info(
      { dns: started.dnsEndpoints.map(formatEndpoint), http: formatEndpoint(started.httpEndpoint), zones: config.zonesDir },
      'mxlb serving',
    );
    if (reloadWhenStarted) started.reload('SIGHUP');
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        started.close().then(resolve, (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exitCode = 1;
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
