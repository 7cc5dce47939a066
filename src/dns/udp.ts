/**
 * UDP listener (RFC 1035 §4.2.1): one datagram in, at most one datagram out, answered
 * synchronously in the 'message' callback. Size limits and truncation are the answer path's job.
 * With a rate limiter (./rrl.ts), every reply passes it before it is sent: over the rate it is
 * dropped or slipped (sent as an empty TC=1 reply).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { slipReply, type ResponseRateLimiter } from './rrl.ts';
import type { WarnThrottle } from './warn-throttle.ts';

/** Turns a received datagram into the reply to send, or null for none. Must not throw. */
export type DatagramHandler = (message: Buffer, source: string) => Buffer | null;

/** Larger than the default so a burst does not overflow the kernel queue; the kernel may cap it. */
const RECV_BUFFER = 4 * 1024 * 1024;

/** The reply once the rate limiter (./rrl.ts) had its say: itself, a slip (empty, TC=1) or null (dropped). */
export function limitReply(limiter: ResponseRateLimiter, reply: Buffer, queryLength: number, source: string, now: number): Buffer | null {
  const verdict = limiter.check(source, reply[3]! & 0x0f, reply.length, queryLength, now);
  if (verdict === 'drop') return null;
  return verdict === 'slip' ? slipReply(reply) : reply;
}

type LookupCallback = (error: Error | null, address: string, family: number) => void;

/**
 * Replies go to the sender's address, always an IP literal: once bound, hand it straight back
 * instead of letting dns.lookup defer every send by a tick (measured: about 10 % of the per-query
 * cost). The bind address itself may be a host name and goes through dns.lookup.
 */
function literalLookup(family: 4 | 6, isBound: () => boolean) {
  return (address: string, options: unknown, callback: LookupCallback): void => {
    if (isBound()) callback(null, address, family);
    else dns.lookup(address, family, callback);
  };
}

export class UdpListener {
  private socket: dgram.Socket | undefined;

  constructor(
    private readonly handle: DatagramHandler,
    private readonly throttle: WarnThrottle,
    private readonly limiter?: ResponseRateLimiter,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Binds `host:port` (port 0: any free port) and starts answering. Rejects if the bind fails.
   * `reusePort` (SO_REUSEPORT, Node ≥ 22.12; ./worker-pool.ts): several answering workers bind the
   * same address and the kernel spreads datagrams over them by a hash of the client's address and port.
   */
  listen(host: string, port: number, reusePort = false): Promise<AddressInfo> {
    const family = net.isIPv6(host) ? 6 : 4;
    let bound = false;
    const lookup = literalLookup(family, () => bound);
    // reusePort is missing from @types/node 20; Node 20 itself would ignore it (never asked there).
    const options: dgram.SocketOptions & { reusePort?: boolean } = { type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER, lookup };
    if (reusePort) options.reusePort = true;
    const socket = dgram.createSocket(options);
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', failed);
      socket.bind({ address: host, port, exclusive: true }, () => {
        bound = true;
        socket.off('error', failed);
        socket.on('error', (error) => this.throttle.warn({ err: error }, 'UDP socket error'));
        socket.on('message', (message, remote) => {
          // Source port 0 cannot be answered (and send() would throw on it): a spoofed packet.
          if (remote.port === 0) return;
          let reply = this.handle(message, remote.address);
          if (reply && this.limiter?.enabled) reply = limitReply(this.limiter, reply, message.length, remote.address, this.now());
          try {
            if (reply) socket.send(reply, remote.port, remote.address);
          } catch (error) {
            this.throttle.warn({ err: error, peer: remote.address }, 'UDP send failed');
          }
        });
        this.socket = socket;
        resolve(socket.address());
      });
    });
  }

  /** Stops receiving. Replies are sent synchronously, so none is in flight once this returns. */
  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
