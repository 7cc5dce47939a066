/**
 * The benchmark's DNS client: `A <name>` over UDP to 127.0.0.1:port and the IPv4 addresses of the
 * answer section. Bytes are built and read by hand (a few lines, independent of every server's
 * codec). A lost or late reply is `null`, never an exception: the poll loop just tries again.
 */
import dgram from 'node:dgram';

export function aQuery(id: number, name: string): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  const parts = [Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'ascii'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

/** Offset just past the (possibly compressed) name at `at` (RFC 1035 §4.1.4). */
function skipName(buf: Buffer, at: number): number {
  for (let i = 0; i < 128 && at < buf.length; i++) {
    const len = buf[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += 1 + len;
  }
  throw new Error('bad name in reply');
}

/** IPv4 addresses of the A records in the answer section; throws on a malformed reply. */
export function answerAddresses(buf: Buffer): string[] {
  if (buf.length < 12) throw new Error('short reply');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < qd; i++) at = skipName(buf, at) + 4;
  const out: string[] = [];
  for (let i = 0; i < an; i++) {
    at = skipName(buf, at);
    const type = buf.readUInt16BE(at);
    const length = buf.readUInt16BE(at + 8);
    at += 10;
    if (type === 1 && length === 4) out.push(`${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`);
    at += length;
  }
  return out;
}

/** One UDP socket per server; queries carry increasing IDs, replies are matched by ID. */
export class UdpAsker {
  readonly #socket = dgram.createSocket('udp4');
  readonly #pending = new Map<number, (reply: Buffer | null) => void>();
  #nextId = 1;

  constructor(readonly port: number) {
    this.#socket.on('message', (reply) => {
      if (reply.length < 2) return;
      const waiter = this.#pending.get(reply.readUInt16BE(0));
      if (waiter) waiter(reply);
    });
    this.#socket.on('error', () => undefined); // ICMP unreachable while a server restarts: a lost reply
  }

  /** The answer's addresses, or null when no reply came within `timeoutMs` or it was malformed. */
  ask(name: string, timeoutMs = 500): Promise<string[] | null> {
    const id = this.#nextId;
    this.#nextId = (this.#nextId % 0xffff) + 1;
    return new Promise((done) => {
      const timer = setTimeout(() => finish(null), timeoutMs);
      const finish = (reply: Buffer | null): void => {
        clearTimeout(timer);
        this.#pending.delete(id);
        try {
          done(reply ? answerAddresses(reply) : null);
        } catch {
          done(null);
        }
      };
      this.#pending.set(id, finish);
      this.#socket.send(aQuery(id, name), this.port, '127.0.0.1');
    });
  }

  close(): void {
    for (const finish of [...this.#pending.values()]) finish(null);
    this.#socket.close();
  }
}
