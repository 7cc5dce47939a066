/**
 * DnsServer: UDP and TCP listeners on each endpoint, all answering through one Answerer (and so
 * one answer cache). The edge of the DNS folder: sockets here, everything else pure.
 */
import type { AddressInfo } from 'node:net';
import { MxlbError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Snapshot } from '../snapshot.ts';
import { Answerer, type DnsMetrics, type Resolver, type RingPosition } from './answer.ts';
import { AnswerCache, type AnswerCacheOptions, type CacheStats } from './cache.ts';
import { resolve as defaultResolve } from './resolve.ts';
import type { RingClient } from './resolve-views.ts';
import { ResponseRateLimiter, type RrlCounters, type RrlOptions } from './rrl.ts';
import { ServerCookies, type CookieCounters, type CookieOptions } from './cookies.ts';
import { TcpListener, type TcpCloseCounts, type TcpOptions } from './tcp.ts';
import type { NativeUdp } from './native-udp.ts';
import { UdpListener } from './udp.ts';
import { BatchedUdpListener } from './udp-batched.ts';
import { WarnThrottle } from './warn-throttle.ts';

export interface DnsServerOptions {
  /** The current snapshot; called once per query, synchronously (DESIGN principle 2). */
  getSnapshot: () => Snapshot;
  logger: Logger;
  metrics?: DnsMetrics;
  /** Defaults to `resolve` from ./resolve.ts; tests may pass their own. */
  resolve?: Resolver;
  /** Close TCP connections idle this long (RFC 7766 §6.2.3). Default 10 s. */
  tcpIdleTimeoutMs?: number;
  /** Most simultaneous TCP connections over all endpoints' listeners, each. Default 256. */
  maxTcpConnections?: number;
  /** How long close() lets a half-received TCP query finish. Default 2 s. */
  closeGraceMs?: number;
  /** The other TCP limits (./tcp.ts DEFAULT_TCP); the three fields above win over the same ones here. */
  tcp?: Partial<Omit<TcpOptions, 'now'>>;
  /** UDP response rate limiting (./rrl.ts DEFAULT_RRL, on by default); false turns it off. */
  rrl?: Partial<RrlOptions> | false;
  cache?: AnswerCacheOptions;
  /** DNS cookies (./cookies.ts); absent or false: COOKIE options are ignored (the composition root turns them on). */
  cookies?: CookieOptions | false;
  /**
   * The batched-UDP addon (./native-udp.ts), when loaded: UDP through recvmmsg/sendmmsg, and
   * SO_REUSEPORT for UDP and TCP on Node versions whose dgram and net lack `reusePort`.
   */
  nativeUdp?: NativeUdp;
}

/** What the DNS abuse limits did since start, for /metrics. */
export interface DnsLimitCounters {
  rrl: RrlCounters;
  tcp: TcpCloseCounts;
  /** Absent when cookies are off. */
  cookies?: CookieCounters;
  /** The answer cache's entries, bytes and evictions now (./cache.ts); absent from old workers' batches. */
  cache?: CacheStats;
}

export interface Endpoint {
  host: string;
  /** 0 picks a free port, the same one for UDP and TCP. */
  port: number;
}

export interface BoundEndpoint {
  udp: AddressInfo;
  tcp: AddressInfo;
}

/** With port 0, how many times to look for a port free on both UDP and TCP. */
const PORT_ATTEMPTS = 8;

export class DnsServer {
  private readonly answerer: Answerer;
  private readonly logger: Logger;
  private readonly throttle: WarnThrottle;
  private readonly udp: Array<UdpListener | BatchedUdpListener> = [];
  private readonly tcp: TcpListener[] = [];
  /** Listeners closed already, kept so counters never go backwards. */
  private readonly closedTcp: TcpListener[] = [];
  private readonly tcpOptions: Partial<TcpOptions>;
  private readonly limiter: ResponseRateLimiter;
  private readonly cache: AnswerCache;
  private readonly cookies: ServerCookies | undefined;
  private readonly nativeUdp: NativeUdp | undefined;

  constructor(options: DnsServerOptions) {
    this.logger = options.logger.child({ module: 'dns' });
    this.throttle = new WarnThrottle(this.logger);
    this.cookies = options.cookies ? new ServerCookies(options.cookies) : undefined;
    this.cache = new AnswerCache(options.cache);
    this.answerer = new Answerer({
      getSnapshot: options.getSnapshot,
      resolve: options.resolve ?? defaultResolve,
      logger: this.logger,
      metrics: options.metrics,
      cache: this.cache,
      cookies: this.cookies,
    });
    this.nativeUdp = options.nativeUdp;
    this.tcpOptions = { ...options.tcp };
    if (options.tcpIdleTimeoutMs !== undefined) this.tcpOptions.idleTimeoutMs = options.tcpIdleTimeoutMs;
    if (options.maxTcpConnections !== undefined) this.tcpOptions.maxConnections = options.maxTcpConnections;
    if (options.closeGraceMs !== undefined) this.tcpOptions.closeGraceMs = options.closeGraceMs;
    this.limiter = new ResponseRateLimiter(options.rrl === false ? { rate: 0 } : options.rrl);
    // A valid server cookie proves the source address (docs/security.md "DNS cookies"): the UDP
    // listener checks the reply right after the answerer made it, on this thread.
    const cookies = this.cookies;
    if (cookies) {
      this.limiter.exempt = () => {
        if (!this.answerer.provenSource) return false;
        cookies.counters.exempt++;
        return true;
      };
    }
  }

  /** Replaces the DNS cookie secrets (SIGHUP's rotation); false when cookies are off. */
  replaceCookieSecrets(secrets: readonly string[]): boolean {
    if (!this.cookies) return false;
    this.cookies.replaceSecrets(secrets);
    return true;
  }

  /** The UDP rate limiter's settings as in force (rate 0: off). */
  get rateLimit(): Readonly<RrlOptions> {
    return this.limiter.options;
  }

  /** RRL verdicts and TCP closes by reason since start, summed over every listener. */
  limitCounters(): DnsLimitCounters {
    const tcp: TcpCloseCounts = { full: 0, perSource: 0, evicted: 0, idle: 0, queryTimeout: 0, lifetime: 0 };
    for (const listener of [...this.tcp, ...this.closedTcp]) {
      for (const key of Object.keys(tcp) as (keyof TcpCloseCounts)[]) tcp[key] += listener.closed[key];
    }
    const counters: DnsLimitCounters = { rrl: { ...this.limiter.counters }, tcp };
    if (this.cookies) counters.cookies = { ...this.cookies.counters };
    counters.cache = this.cache.stats();
    return counters;
  }

  /** Ring positions of the cached replies to one question (see Answerer.ringPositions), for /explain. */
  ringPositions(name: string, qtype: number, version: number, client?: RingClient): RingPosition[] {
    return this.answerer.ringPositions(name, qtype, 1, version, client);
  }

  /**
   * Listens on UDP and TCP at every endpoint and returns the bound addresses, in order. On any
   * failure closes what it opened and rejects with MxlbError('dns-listen', …) naming the endpoint.
   * `reusePort`: bind with SO_REUSEPORT so other answering workers can bind the same addresses.
   */
  async listen(endpoints: readonly Endpoint[], reusePort = false): Promise<BoundEndpoint[]> {
    const bound: BoundEndpoint[] = [];
    try {
      for (const endpoint of endpoints) bound.push(await this.listenOne(endpoint, reusePort));
    } catch (error) {
      await this.close();
      throw error;
    }
    this.logger.info({ endpoints: bound.map((b) => `${b.udp.address}:${b.udp.port}`), udp: this.nativeUdp ? 'batched' : 'dgram' }, 'DNS listening on UDP and TCP');
    return bound;
  }

  private async listenOne({ host, port }: Endpoint, reusePort: boolean): Promise<BoundEndpoint> {
    for (let attempt = 1; ; attempt++) {
      const answerUdp = (message: Buffer, source: string): Buffer | null => this.answerer.answer(message, 'udp', source);
      const native = this.nativeUdp;
      const udp = native ? new BatchedUdpListener(native, answerUdp, this.throttle, this.limiter) : new UdpListener(answerUdp, this.throttle, this.limiter);
      const tcp = new TcpListener((message, source) => this.answerer.answer(message, 'tcp', source), this.tcpOptions, this.throttle, native);
      let udpAddress: AddressInfo;
      try {
        udpAddress = await udp.listen(host, port, reusePort);
      } catch (error) {
        throw listenError(host, port, 'UDP', error);
      }
      try {
        const tcpAddress = await tcp.listen(host, udpAddress.port, reusePort);
        this.udp.push(udp);
        this.tcp.push(tcp);
        return { udp: udpAddress, tcp: tcpAddress };
      } catch (error) {
        await udp.close();
        // With port 0 the kernel chose a UDP port whose TCP twin may be taken: try another.
        const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port !== 0 || !taken || attempt >= PORT_ATTEMPTS) throw listenError(host, udpAddress.port, 'TCP', error);
      }
    }
  }

  /** TCP connections over all listeners: open, holding part of a query, closed by the cap so far. */
  tcpStatus(): { open: number; midQuery: number; rejected: number } {
    let open = 0;
    let midQuery = 0;
    let rejected = 0;
    for (const listener of this.tcp) {
      open += listener.connectionCount;
      midQuery += listener.midQueryCount;
      rejected += listener.rejectedCount;
    }
    return { open, midQuery, rejected };
  }

  /**
   * Stops accepting on every listener; UDP replies are synchronous so none is in flight, idle TCP
   * connections are ended, and TCP queries already half-received get `closeGraceMs` to finish.
   */
  async close(): Promise<void> {
    const udp = this.udp.splice(0);
    const tcp = this.tcp.splice(0);
    this.closedTcp.push(...tcp);
    await Promise.all([...udp.map((l) => l.close()), ...tcp.map((l) => l.close())]);
  }
}

/** The error for a failed bind: address, transport, errno, and for EACCES below 1024 the capability and the docs. */
export function listenError(host: string, port: number, transport: string, cause: unknown): MxlbError {
  const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  // A bare EACCES is what an operator starting mxlb on port 53 without root sees first: name the
  // capability and where the docs say how to grant it (docs/install.md "Port 53 without root").
  const hint =
    reason === 'EACCES' && port > 0 && port < 1024
      ? ' (permission denied): ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; run mxlb under deploy/mxlb.service (AmbientCapabilities=CAP_NET_BIND_SERVICE) or see docs/install.md, "Port 53 without root"'
      : '';
  return new MxlbError('dns-listen', `cannot listen for DNS on ${transport} ${where}: ${reason}${hint}`, { cause });
}
