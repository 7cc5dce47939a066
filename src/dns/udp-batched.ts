/**
 * UDP listener over the batched addon (./native-udp.ts): the same contract as ./udp.ts's
 * UdpListener (one datagram in, at most one out, RRL before every send), but datagrams arrive up
 * to SLOTS per recvmmsg(2) call into fixed slots, are answered one after another in one JavaScript
 * call, and leave in one sendmmsg(2) call. Why: docs/decisions.md "Batched UDP".
 *
 * A slot is overwritten by the next recvmmsg, so the handler must not keep the message it is given
 * (the answer path copies what it keeps: cache keys are strings, replies new Buffers). Replies stay
 * referenced until sendmmsg has copied them into the kernel, within the same call.
 */
import type { AddressInfo } from 'node:net';
import { bindNative, type NativePump, type NativeUdp } from './native-udp.ts';
import type { ResponseRateLimiter } from './rrl.ts';
import { limitReply, type DatagramHandler } from './udp.ts';
import type { WarnThrottle } from './warn-throttle.ts';

/** Datagrams per system call: 64 covers a burst at 100,000 q/s without a long turn on the loop. */
const SLOTS = 64;
/** Batches per readable event before yielding to the loop (timers, the control plane's messages). */
const ROUNDS = 8;
/** As ./udp.ts: larger than the default so a burst does not overflow the kernel queue. */
const RECV_BUFFER = 4 * 1024 * 1024;

export class BatchedUdpListener {
  #pump: NativePump | undefined;
  readonly #data: Buffer;
  readonly #meta: Int32Array;
  readonly #text: Buffer;
  readonly #replies: Array<Buffer | undefined> = new Array<Buffer | undefined>(SLOTS).fill(undefined);
  readonly #slotBytes: number;
  readonly #metaInts: number;
  readonly #textBytes: number;
  /** The last sender's address, kept as text while the next datagram comes from the same one. */
  #lastKey = [0, 0, 0, 0, 0];
  #lastSource = '';

  constructor(
    private readonly native: NativeUdp,
    private readonly handle: DatagramHandler,
    private readonly throttle: WarnThrottle,
    private readonly limiter?: ResponseRateLimiter,
    private readonly now: () => number = Date.now,
  ) {
    const { slotBytes, metaInts, textBytes } = native.constants;
    this.#slotBytes = slotBytes;
    this.#metaInts = metaInts;
    this.#textBytes = textBytes;
    this.#data = Buffer.alloc(SLOTS * slotBytes);
    this.#meta = new Int32Array(SLOTS * metaInts);
    this.#text = Buffer.alloc(SLOTS * textBytes);
  }

  /** As UdpListener.listen; `reusePort` works on every Node here (the addon sets SO_REUSEPORT). */
  async listen(host: string, port: number, reusePort = false): Promise<AddressInfo> {
    const bound = await bindNative(this.native, 0, host, port, reusePort, RECV_BUFFER);
    this.#pump = this.native.open(bound.fd, SLOTS, () => this.#drain());
    return { address: bound.address, family: bound.family === 6 ? 'IPv6' : 'IPv4', port: bound.port };
  }

  /** Stops receiving and closes the socket. Replies are sent within the call that answers, so none is in flight. */
  close(): Promise<void> {
    const pump = this.#pump;
    this.#pump = undefined;
    if (pump) this.native.close(pump);
    return Promise.resolve();
  }

  #drain(): void {
    const pump = this.#pump;
    if (!pump) return;
    for (let round = 0; round < ROUNDS; round++) {
      const count = this.native.recv(pump, this.#data, this.#meta, this.#text);
      if (count === 0) return;
      const now = this.limiter?.enabled ? this.now() : 0;
      let replies = 0;
      for (let i = 0; i < count; i++) {
        const reply = this.#answer(i, now);
        this.#replies[i] = reply ?? undefined;
        if (reply) replies++;
      }
      if (replies > 0) {
        const sent = this.native.send(pump, this.#replies, count);
        if (sent < replies) this.throttle.warn({ lost: replies - sent }, 'UDP send failed (socket buffer full or destination unreachable)');
      }
      this.#replies.fill(undefined, 0, count);
      // A batch that did not fill the slots emptied the queue; libuv calls again when more arrive.
      if (count < SLOTS) return;
    }
  }

  /** The reply to datagram `i` of the batch, or null. Never throws (the answer path does not). */
  #answer(i: number, now: number): Buffer | null {
    const meta = this.#meta;
    const at = i * this.#metaInts;
    const length = meta[at]!;
    // Larger than a slot (no DNS query is): dropped, as a malformed datagram may be.
    // Source port 0 cannot be answered: a spoofed packet (as ./udp.ts).
    if (length < 0 || meta[at + 1] === 0) return null;
    const source = this.#source(i, at);
    const start = i * this.#slotBytes;
    const message = this.#data.subarray(start, start + length);
    const reply = this.handle(message, source);
    if (reply && this.limiter?.enabled) return limitReply(this.limiter, reply, length, source, now);
    return reply;
  }

  /** The sender's address as text (inet_ntop's form, as dgram gives it), cached while it repeats. */
  #source(i: number, at: number): string {
    const meta = this.#meta;
    const key = this.#lastKey;
    if (meta[at + 2] === key[0] && meta[at + 4] === key[1] && meta[at + 5] === key[2] && meta[at + 6] === key[3] && meta[at + 7] === key[4]) return this.#lastSource;
    key[0] = meta[at + 2]!;
    key[1] = meta[at + 4]!;
    key[2] = meta[at + 5]!;
    key[3] = meta[at + 6]!;
    key[4] = meta[at + 7]!;
    const start = i * this.#textBytes;
    this.#lastSource = this.#text.toString('latin1', start, start + meta[at + 3]!);
    return this.#lastSource;
  }
}
