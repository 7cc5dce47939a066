/**
 * TCP listener (RFC 1035 §4.2.2, RFC 7766): messages framed by a 2-octet length, any number of
 * pipelined queries per connection answered in order, frames split across reads reassembled.
 *
 * Connection management, RFC 7766 §6.2.3 ("servers … SHOULD NOT … allow idle connections to
 * remain open indefinitely", may close under resource pressure, may limit connections per client)
 * and §6.1 (a server may close a connection whenever it needs to; clients retry), in the manner
 * of Knot (tcp-idle-timeout, tcp-io-timeout: a whole message must arrive within a deadline) and
 * NSD (tcp-timeout, tcp-count):
 * - `idleTimeoutMs`: a connection with no query in progress and no traffic for this long is closed.
 * - `queryTimeoutMs`: once the first octet of a message has arrived, the whole message must arrive
 *   within this time. A trickle of one octet every few seconds no longer keeps a slot: the idle
 *   timer restarting on every octet was what let 256 such connections lock every client out.
 * - `maxLifetimeMs`: a connection is closed after this long, once no query is in progress.
 * - `maxPerSource`: connections from one address beyond this are closed on arrival.
 * - `maxConnections`: above `pressureRatio` of it, the idle timeout shrinks to `pressureIdleMs`;
 *   at the cap a new connection closes the connection idle the longest, or trickling a message
 *   the longest (for at least `evictAfterMs`), instead of being refused, and is refused only when
 *   no connection qualifies. A flood of idle connections thus cannot keep out a
 *   client that asks something.
 * Timers are one sweep every `sweepMs`, not one per connection, so deadlines hold within it.
 * A client that does not read its replies stops being read from until it does (back-pressure);
 * the idle timeout then closes it, so neither side's buffers grow without bound.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { bindNative, type NativeUdp } from './native-udp.ts';
import { supportsReusePort } from './reuse-port.ts';
import type { WarnThrottle } from './warn-throttle.ts';

/** Turns one framed message into the reply to send, or null for none. Must not throw. */
export type FrameHandler = (message: Buffer, source: string) => Buffer | null;

export interface TcpOptions {
  /** Close a connection after this long without traffic and no query in progress. */
  idleTimeoutMs: number;
  /** Most open connections; at the cap a new one replaces the longest-idle one, else is closed. */
  maxConnections: number;
  /** On close(), how long connections with a half-received query get to finish it. */
  closeGraceMs: number;
  /** A message whose first octet arrived must be complete within this. */
  queryTimeoutMs: number;
  /** Close a connection this long after it opened, once no query is in progress; 0 = no cap. */
  maxLifetimeMs: number;
  /** Most connections from one source address; 0 = no cap. */
  maxPerSource: number;
  /** Fraction of `maxConnections` above which the idle timeout shrinks to `pressureIdleMs`. */
  pressureRatio: number;
  pressureIdleMs: number;
  /**
   * At the cap, only a connection quiet at least this long may be closed for a new one: every
   * connection gets this long to send its first query, so a flood cannot churn out real clients.
   */
  evictAfterMs: number;
  /** How often deadlines are checked. */
  sweepMs: number;
  /** The clock (ms); tests may pass their own. */
  now?: () => number;
}

/**
 * Defaults (docs/security.md "TCP limits"): Knot's tcp-idle-timeout is 10 s; a query gets 2 s to
 * arrive whole (Knot's tcp-io-timeout is 500 ms, generous here for slow links); a connection lives
 * at most 2 min (NSD's tcp-timeout); 16 per source; above 75 % of 256 slots idle connections get 1 s.
 */
export const DEFAULT_TCP: Readonly<Omit<TcpOptions, 'now'>> = Object.freeze({
  idleTimeoutMs: 10_000,
  maxConnections: 256,
  closeGraceMs: 2_000,
  queryTimeoutMs: 2_000,
  maxLifetimeMs: 120_000,
  maxPerSource: 16,
  pressureRatio: 0.75,
  pressureIdleMs: 1_000,
  evictAfterMs: 250,
  sweepMs: 250,
});

/** Why connections were closed by the listener (not by the client). */
export interface TcpCloseCounts {
  /** Refused on arrival: the listener was full of mid-query connections, or closing. */
  full: number;
  /** Refused on arrival: too many from that source address. */
  perSource: number;
  /** Closed to make room for a new connection (the longest idle). */
  evicted: number;
  idle: number;
  /** A message did not arrive whole within queryTimeoutMs. */
  queryTimeout: number;
  lifetime: number;
}

interface Connection {
  socket: net.Socket;
  source: string;
  /** Octets of an incomplete frame carried over to the next read. */
  pending: Buffer | null;
  openedAt: number;
  lastActivity: number;
  /** When the incomplete message in `pending` started arriving. */
  messageStartedAt: number;
}

export class TcpListener {
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly perSource = new Map<string, number>();
  private readonly options: TcpOptions;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  readonly closed: TcpCloseCounts = { full: 0, perSource: 0, evicted: 0, idle: 0, queryTimeout: 0, lifetime: 0 };

  constructor(
    private readonly handle: FrameHandler,
    options: Partial<TcpOptions>,
    private readonly throttle: WarnThrottle,
    /** Binds with SO_REUSEPORT where net lacks `reusePort` (Node < 22.12; ./native-udp.ts). */
    private readonly native?: NativeUdp,
  ) {
    this.options = { ...DEFAULT_TCP, ...options };
    this.now = options.now ?? Date.now;
  }

  /** How many connections are open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** How many connections were refused on arrival (cap or per-source cap). */
  get rejectedCount(): number {
    return this.closed.full + this.closed.perSource;
  }

  /** How many open connections hold part of a query. */
  get midQueryCount(): number {
    let count = 0;
    for (const connection of this.connections) if (connection.pending) count++;
    return count;
  }

  /**
   * Listens on `host:port`; `reusePort`: SO_REUSEPORT, as UdpListener.listen (Node ≥ 22.12, or
   * any Node with the addon: it binds the socket and net listens on its descriptor).
   */
  async listen(host: string, port: number, reusePort = false): Promise<AddressInfo> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    let options: net.ListenOptions & { reusePort?: boolean; fd?: number } = { host, port, exclusive: true };
    if (reusePort && this.native && !supportsReusePort()) {
      options = { fd: (await bindNative(this.native, 1, host, port, true)).fd };
    } else if (reusePort) options.reusePort = true;
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        server.close();
        reject(error);
      };
      server.once('error', failed);
      server.listen(options, () => {
        server.off('error', failed);
        server.on('error', (error) => this.throttle.warn({ err: error }, 'TCP listener error'));
        this.server = server;
        this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs);
        this.sweeper.unref();
        resolve(server.address() as AddressInfo);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const { maxConnections, maxPerSource } = this.options;
    const source = socket.remoteAddress ?? '';
    if (this.closing) {
      this.closed.full++;
      socket.destroy();
      return;
    }
    const fromSource = this.perSource.get(source) ?? 0;
    if (maxPerSource > 0 && fromSource >= maxPerSource) {
      this.closed.perSource++;
      socket.destroy();
      return;
    }
    if (this.connections.size >= maxConnections) {
      const victim = this.longestIdle();
      if (!victim) {
        this.closed.full++;
        socket.destroy();
        return;
      }
      this.closed.evicted++;
      this.drop(victim);
    }
    const now = this.now();
    const connection: Connection = { socket, source, pending: null, openedAt: now, lastActivity: now, messageStartedAt: 0 };
    this.connections.add(connection);
    this.perSource.set(source, fromSource + 1);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.receive(connection, chunk);
      } catch (error) {
        // The answer path never throws; this guards the framing and socket calls around it.
        this.throttle.warn({ err: error }, 'TCP connection failed; closing it');
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.forget(connection));
  }

  /** Removes a closed connection from the tables (once: 'close' fires once, drop() calls it early). */
  private forget(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    const left = (this.perSource.get(connection.source) ?? 1) - 1;
    if (left <= 0) this.perSource.delete(connection.source);
    else this.perSource.set(connection.source, left);
  }

  /** Closes a connection now and frees its slot at once (before the socket's 'close' event). */
  private drop(connection: Connection): void {
    this.forget(connection);
    connection.socket.destroy();
  }

  /**
   * The connection to close for a new one: the one idle longest, or whose message has been
   * arriving longest (a trickle), counted from its last complete query or from the start of its
   * incomplete message, and at least evictAfterMs ago; undefined when none qualifies.
   */
  private longestIdle(): Connection | undefined {
    let victim: Connection | undefined;
    let victimSince = this.now() - this.options.evictAfterMs;
    for (const connection of this.connections) {
      const since = connection.pending ? connection.messageStartedAt : connection.lastActivity;
      if (since <= victimSince) {
        victim = connection;
        victimSince = since;
      }
    }
    return victim;
  }

  /** Applies the query deadline, the (pressure-dependent) idle timeout and the lifetime cap. */
  sweep(): void {
    const o = this.options;
    const now = this.now();
    const pressure = this.connections.size > o.maxConnections * o.pressureRatio;
    const idleLimit = pressure ? Math.min(o.idleTimeoutMs, o.pressureIdleMs) : o.idleTimeoutMs;
    for (const connection of this.connections) {
      if (connection.pending) {
        if (now - connection.messageStartedAt >= o.queryTimeoutMs) {
          this.closed.queryTimeout++;
          this.drop(connection);
        }
      } else if (now - connection.lastActivity >= idleLimit) {
        this.closed.idle++;
        this.drop(connection);
      } else if (o.maxLifetimeMs > 0 && now - connection.openedAt >= o.maxLifetimeMs) {
        this.closed.lifetime++;
        this.forget(connection);
        // Replies already written still go out: end() flushes them before the FIN.
        connection.socket.end();
        connection.socket.setTimeout(o.closeGraceMs, () => connection.socket.destroy());
      }
    }
  }

  private receive(connection: Connection, chunk: Buffer): void {
    const { socket } = connection;
    const now = this.now();
    connection.lastActivity = now;
    const data = connection.pending ? Buffer.concat([connection.pending, chunk]) : chunk;
    const replies: Buffer[] = [];
    let pos = 0;
    while (data.length - pos >= 2) {
      const length = data.readUInt16BE(pos);
      if (data.length - pos - 2 < length) break;
      const reply = this.handle(data.subarray(pos + 2, pos + 2 + length), connection.source);
      pos += 2 + length;
      if (reply) {
        const prefix = Buffer.allocUnsafe(2);
        prefix.writeUInt16BE(reply.length, 0);
        replies.push(prefix, reply);
      }
    }
    // A message still incomplete keeps the deadline it started with; a new one starts its own.
    const carried = connection.pending !== null && pos === 0;
    // Copy the tail so a small leftover does not pin a large read buffer; at most 65 537 octets.
    connection.pending = pos < data.length ? Buffer.from(data.subarray(pos)) : null;
    if (connection.pending && !carried) connection.messageStartedAt = now;
    if (replies.length > 0 && !socket.destroyed) {
      const flushed = socket.write(Buffer.concat(replies));
      if (!flushed) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    }
    if (this.closing && !connection.pending) socket.end();
  }

  /**
   * Stops accepting, ends idle connections once their replies are written, gives connections in
   * the middle of a query `closeGraceMs` to finish it, then destroys whatever is left.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const connection of this.connections) {
      if (!connection.pending) connection.socket.end();
    }
    const deadline = setTimeout(() => {
      for (const connection of this.connections) connection.socket.destroy();
    }, this.options.closeGraceMs);
    await stopped;
    clearTimeout(deadline);
  }
}
