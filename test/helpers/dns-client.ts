/**
 * Test-side DNS tools: a raw query builder (bytes written by hand, independent of the server's
 * codec), a reply parser (dns2's Packet.parse, a decoder the server does not use on input), and
 * UDP/TCP one-shot clients on loopback with deadlines.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from 'dns2';

export interface QueryOptions {
  id?: number;
  name: string;
  type?: number;
  class?: number;
  rd?: boolean;
  opcode?: number;
  qr?: boolean;
  /** Adds an OPT record (RFC 6891 §6.1.2). */
  edns?: { payload?: number; version?: number; dnssecOk?: boolean; options?: Buffer };
}

/** Wire form of a name, labels as given (case kept); '' or '.' is the root. */
export function nameBytes(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** Header + one question + optional OPT, in the exact bytes a client would send. */
export function buildQuery(options: QueryOptions): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header[2] = (options.qr ? 0x80 : 0) | ((options.opcode ?? 0) << 3) | (options.rd === false ? 0 : 1);
  header.writeUInt16BE(1, 4);
  const question = Buffer.concat([nameBytes(options.name), u16(options.type ?? 1), u16(options.class ?? 1)]);
  const parts: Buffer[] = [header, question];
  if (options.edns) {
    header.writeUInt16BE(1, 10);
    parts.push(optRecord(options.edns));
  }
  return Buffer.concat(parts);
}

export function optRecord(edns: NonNullable<QueryOptions['edns']>): Buffer {
  const options = edns.options ?? Buffer.alloc(0);
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(edns.payload ?? 1232, 3);
  opt[6] = edns.version ?? 0;
  opt[7] = edns.dnssecOk ? 0x80 : 0;
  opt.writeUInt16BE(options.length, 9);
  return Buffer.concat([opt, options]);
}

export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value, 0);
  return b;
}

/** Header fields of a reply, read by hand. */
export function replyHeader(buf: Buffer): {
  id: number; qr: boolean; opcode: number; aa: boolean; tc: boolean; rd: boolean; ra: boolean; rcode: number;
  qdcount: number; ancount: number; nscount: number; arcount: number;
} {
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/** A reply decoded by dns2 (throws on a header-less message; record errors land in `.errors`). */
export function parseReply(buf: Buffer): Packet {
  return Packet.parse(buf);
}

/** The question name bytes of a reply, verbatim, as a latin1 string with dots (for 0x20 checks). */
export function replyQuestionName(buf: Buffer): string {
  const labels: string[] = [];
  let pos = 12;
  while (buf[pos] !== 0) {
    const length = buf[pos]!;
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + length));
    pos += length + 1;
  }
  return labels.join('.');
}

/** Sends one datagram and waits for one reply, or null after `timeoutMs`. */
export function udpExchange(host: string, port: number, query: Buffer, timeoutMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(null), timeoutMs);
    const done = (reply: Buffer | null): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (msg) => done(msg));
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(query, port, host);
  });
}

/** A TCP connection that reads length-prefixed replies (RFC 1035 §4.2.2) as they arrive. */
export class TcpDnsClient {
  readonly replies: Buffer[] = [];
  closed = false;
  private pending = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 2 && this.pending.length >= 2 + this.pending.readUInt16BE(0)) {
        const length = this.pending.readUInt16BE(0);
        this.replies.push(this.pending.subarray(2, 2 + length));
        this.pending = this.pending.subarray(2 + length);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(host: string, port: number, timeoutMs = 2000): Promise<TcpDnsClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new TcpDnsClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Writes raw bytes (frames are the caller's business). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Writes one query with its length prefix. */
  send(query: Buffer): void {
    this.socket.write(Buffer.concat([u16(query.length), query]));
  }

  /** Resolves once `count` replies arrived in total, or the connection closed, or the deadline passed. */
  async waitFor(count: number, timeoutMs = 2000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.replies.slice(0, count);
  }

  /** Resolves true once the server closed the connection, false at the deadline. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
