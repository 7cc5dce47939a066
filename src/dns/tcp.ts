/**
 * TCP listener (RFC 1035 §4.2.2, RFC 7766): messages framed by a 2-octet length, any number of
 * pipelined queries per connection answered in order, frames split across reads reassembled.
 * Connections idle longer than `idleTimeoutMs` are closed (RFC 7766 §6.2.3), connections beyond
 * `maxConnections` are closed on arrival, and a client that does not read its replies stops being
 * read from until it does, so neither side's buffers grow without bound.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { WarnThrottle } from './warn-throttle.ts';

/** Turns one framed message into the reply to send, or null for none. Must not throw. */
export type FrameHandler = (message: Buffer) => Buffer | null;

export interface TcpOptions {
  /** Close a connection after this long without traffic. */
  idleTimeoutMs: number;
  /** Most open connections; more are closed as they arrive. */
  maxConnections: number;
  /** On close(), how long connections with a half-received query get to finish it. */
  closeGraceMs: number;
}

interface Connection {
  socket: net.Socket;
  /** Octets of an incomplete frame carried over to the next read. */
  pending: Buffer | null;
}

export class TcpListener {
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private closing = false;
  private rejected = 0;

  constructor(
    private readonly handle: FrameHandler,
    private readonly options: TcpOptions,
    private readonly throttle: WarnThrottle,
  ) {}

  /** How many connections are open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** How many connections were closed on arrival because of the cap. */
  get rejectedCount(): number {
    return this.rejected;
  }

  /** How many open connections hold part of a query. */
  get midQueryCount(): number {
    let count = 0;
    for (const connection of this.connections) if (connection.pending) count++;
    return count;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        server.close();
        reject(error);
      };
      server.once('error', failed);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', failed);
        server.on('error', (error) => this.throttle.warn({ err: error }, 'TCP listener error'));
        this.server = server;
        resolve(server.address() as AddressInfo);
      });
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closing || this.connections.size >= this.options.maxConnections) {
      this.rejected++;
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, pending: null };
    this.connections.add(connection);
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
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
    socket.on('close', () => this.connections.delete(connection));
  }

  private receive(connection: Connection, chunk: Buffer): void {
    const { socket } = connection;
    const data = connection.pending ? Buffer.concat([connection.pending, chunk]) : chunk;
    const replies: Buffer[] = [];
    let pos = 0;
    while (data.length - pos >= 2) {
      const length = data.readUInt16BE(pos);
      if (data.length - pos - 2 < length) break;
      const reply = this.handle(data.subarray(pos + 2, pos + 2 + length));
      pos += 2 + length;
      if (reply) {
        const prefix = Buffer.allocUnsafe(2);
        prefix.writeUInt16BE(reply.length, 0);
        replies.push(prefix, reply);
      }
    }
    // Copy the tail so a small leftover does not pin a large read buffer; at most 65 537 octets.
    connection.pending = pos < data.length ? Buffer.from(data.subarray(pos)) : null;
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
