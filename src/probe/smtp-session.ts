import net from 'node:net';
import tls from 'node:tls';
import { ReplyParser, type SmtpReply } from './reply.ts';

/**
 * The socket edge of the probe: connect, read SMTP replies with a deadline, upgrade to TLS, close.
 * Every operation resolves with an outcome and never rejects; every socket gets its 'error'
 * listener before anything else can happen; every timer is cleared when its wait ends. Once the
 * connection has ended (closed, reset, garbage, aborted) that end is sticky: later reads resolve
 * with it at once, so no caller can wait on a dead socket.
 */

export type ConnectOutcome =
  | { kind: 'connected'; socket: net.Socket }
  | { kind: 'refused' | 'timeout' | 'error' | 'aborted'; detail: string };

export type ReadOutcome =
  | { kind: 'reply'; reply: SmtpReply }
  | { kind: 'timeout' }
  /** The peer closed (FIN) or reset (RST) the connection, or the socket failed. */
  | { kind: 'closed'; detail: string }
  /** The bytes were not SMTP (see ReplyParser). */
  | { kind: 'garbage'; detail: string }
  | { kind: 'aborted' };

export type UpgradeOutcome =
  | { kind: 'secure'; socket: tls.TLSSocket }
  | { kind: 'failed'; detail: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

type Ended = Exclude<ReadOutcome, { kind: 'reply' } | { kind: 'timeout' }>;

function errorDetail(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** TCP connect with its own deadline. A refused connection is told apart from other socket errors. */
export function connectTcp(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ kind: 'aborted', detail: 'aborted before connecting' });
      return;
    }
    const socket = new net.Socket();
    let done = false;
    const finish = (outcome: ConnectOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      if (outcome.kind !== 'connected') socket.destroy();
      resolve(outcome);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      finish({ kind: error.code === 'ECONNREFUSED' ? 'refused' : 'error', detail: errorDetail(error) });
    };
    const onConnect = (): void => finish({ kind: 'connected', socket });
    const onAbort = (): void => finish({ kind: 'aborted', detail: 'aborted while connecting' });
    // the session attaches its own listener later; this one stays so no error can go unhandled
    socket.on('error', onError);
    socket.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish({ kind: 'timeout', detail: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.connect({ host: address, port, noDelay: true });
  });
}

export class SmtpSession {
  private socket: net.Socket | tls.TLSSocket;
  private parser = new ReplyParser();
  private readonly replies: SmtpReply[] = [];
  private ended: Ended | undefined;
  private waiter: ((outcome: ReadOutcome) => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly sockets: Array<net.Socket | tls.TLSSocket> = [];

  private readonly onData = (chunk: Buffer): void => {
    if (this.ended) return;
    const { replies, error } = this.parser.push(chunk);
    this.replies.push(...replies);
    // replies before the bad bytes are still delivered first (see read)
    if (error) this.end({ kind: 'garbage', detail: error.message });
    else this.wake();
  };
  private readonly onError = (error: Error): void => this.end({ kind: 'closed', detail: errorDetail(error) });
  private readonly onEnd = (): void => this.end({ kind: 'closed', detail: 'connection closed by the server' });
  private readonly onClose = (): void => this.end({ kind: 'closed', detail: 'connection closed' });
  private readonly onAbort = (): void => this.end({ kind: 'aborted' });

  constructor(socket: net.Socket, signal?: AbortSignal) {
    this.socket = socket;
    this.signal = signal;
    this.attach(socket);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.end({ kind: 'aborted' });
  }

  private attach(socket: net.Socket | tls.TLSSocket): void {
    this.sockets.push(socket);
    socket.on('error', this.onError);
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.once('close', this.onClose);
  }

  private end(outcome: Ended): void {
    if (this.ended) return;
    this.ended = outcome;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const next = this.replies.shift();
    if (next) waiter({ kind: 'reply', reply: next });
    else if (this.ended) waiter(this.ended);
  }

  /**
   * Writes one command line; false when the connection can no longer carry it. An aborted session
   * still can (the caller may say QUIT on its way out); a closed, reset or garbled one cannot.
   */
  send(command: string): boolean {
    if ((this.ended && this.ended.kind !== 'aborted') || this.socket.destroyed || !this.socket.writable) return false;
    this.socket.write(`${command}\r\n`);
    return true;
  }

  /** The next reply, or how the wait ended. Replies that arrived before the end are still delivered. */
  read(timeoutMs: number): Promise<ReadOutcome> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve({ kind: 'reply', reply: queued });
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
      const settle = (outcome: ReadOutcome): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(outcome);
      };
      this.waiter = settle;
    });
  }

  /**
   * STARTTLS handshake over the same TCP connection (RFC 3207 §4). Anything the server sent in
   * plaintext after its 220 is discarded (RFC 3207 §6: nothing from before TLS may be trusted), and
   * replies are parsed afresh from the TLS stream. The certificate is not rejected here: the caller
   * judges it from `authorized` / `authorizationError` / the peer certificate.
   */
  upgrade(options: tls.ConnectionOptions, timeoutMs: number): Promise<UpgradeOutcome> {
    // bad bytes after the 220 are plaintext that RFC 3207 §6 says to discard: they do not end the session
    if (this.ended?.kind === 'garbage' && !this.socket.destroyed) this.ended = undefined;
    if (this.ended) return Promise.resolve(this.ended.kind === 'aborted' ? { kind: 'aborted' } : { kind: 'failed', detail: this.ended.kind === 'closed' ? this.ended.detail : 'connection unusable' });
    const plain = this.socket;
    plain.removeListener('data', this.onData);
    plain.removeListener('end', this.onEnd);
    plain.removeListener('close', this.onClose);
    this.replies.length = 0;
    this.parser = new ReplyParser();
    return new Promise((resolve) => {
      let secure: tls.TLSSocket;
      let done = false;
      const finish = (outcome: UpgradeOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', onAbort);
        secure.removeListener('secureConnect', onSecure);
        secure.removeListener('error', onFail);
        secure.removeListener('close', onClosed);
        // a half-done handshake leaves nothing that can carry a command, whatever ended it
        if (outcome.kind !== 'secure') this.ended = { kind: 'closed', detail: 'TLS handshake did not complete' };
        resolve(outcome);
      };
      const onSecure = (): void => {
        this.socket = secure;
        this.attach(secure);
        finish({ kind: 'secure', socket: secure });
      };
      const onFail = (error: Error): void => finish({ kind: 'failed', detail: errorDetail(error) });
      const onClosed = (): void => finish({ kind: 'failed', detail: 'connection closed during the TLS handshake' });
      const onAbort = (): void => finish({ kind: 'aborted' });
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      try {
        secure = tls.connect({ ...options, socket: plain, rejectUnauthorized: false });
      } catch (error) {
        clearTimeout(timer);
        done = true;
        this.end({ kind: 'closed', detail: errorDetail(error) });
        resolve({ kind: 'failed', detail: errorDetail(error) });
        return;
      }
      // a swallowing listener first and for good: errors after the handshake reach onError too
      secure.on('error', () => undefined);
      this.sockets.push(secure);
      secure.once('secureConnect', onSecure);
      secure.once('error', onFail);
      secure.once('close', onClosed);
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Destroys every socket of the session and drops the abort listener. Safe to call twice. */
  destroy(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.end({ kind: 'closed', detail: 'closed by the probe' });
    for (const socket of this.sockets) socket.destroy();
  }
}
