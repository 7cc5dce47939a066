import net from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { CertPair } from './certs.ts';

/**
 * MTAs for tests, on loopback only. `startMta` is a real, well-behaved SMTP server (nodemailer's
 * smtp-server) that accepts all mail and records it; `startScriptedMta` is a raw node:net server
 * that misbehaves on purpose. Both count the TCP connections they saw, how many are still open,
 * and the commands they received, so tests can assert "the client closed its socket" and "the
 * client said QUIT". Any 127.0.0.x address works on Linux loopback without setup: give MTAs
 * distinct addresses when a test needs to tell them apart.
 */

export interface ReceivedMessage {
  from: string;
  to: string[];
  data: string;
  /** Whether the message came over a STARTTLS session. */
  secure: boolean;
}

/** What both kinds of test MTA expose. */
export interface TestMta {
  readonly host: string;
  readonly port: number;
  /** TCP connections accepted since start (across restarts). */
  readonly connections: number;
  /** Connections accepted since start by client address (tells a bound client from the prober). */
  readonly sources: ReadonlyMap<string, number>;
  /** TCP connections currently open. */
  readonly open: number;
  /** Command verbs received, upper-cased, in order, over all sessions (e.g. EHLO, STARTTLS, EHLO, QUIT). */
  readonly commands: readonly string[];
  /** Resolves once no connection is open; rejects after `timeoutMs`. Polls: no fixed sleep. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Closes the listener and destroys open connections. Safe to call twice. */
  stop(): Promise<void>;
}

export interface Mta extends TestMta {
  readonly messages: readonly ReceivedMessage[];
  /** Stops, then listens again on the same address and port (an MTA that comes back). */
  restart(): Promise<void>;
}

export interface StartMtaOptions {
  host?: string;
  port?: number;
  /** Offer STARTTLS with this key and certificate; without it STARTTLS is not advertised. */
  starttls?: CertPair;
  /** Text after `220 <name> ESMTP ` in the greeting. */
  banner?: string;
  /** The server's name in its greeting and EHLO reply. */
  name?: string;
}

async function pollUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Tracks the raw TCP sockets a listener accepts. */
class SocketTracker {
  connections = 0;
  readonly sources = new Map<string, number>();
  readonly sockets = new Set<net.Socket>();

  add(socket: net.Socket): void {
    this.connections += 1;
    const source = socket.remoteAddress ?? '';
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /**
   * A TLS socket layered on one of ours (STARTTLS). Node's wrapped TCP socket emits no 'close' of
   * its own once TLS owns its handle, so the connection counts as closed when the TLS socket closes.
   * They are matched by the client's address and port.
   */
  adopt(upper: net.Socket): void {
    for (const socket of this.sockets) {
      if (socket.remotePort === upper.remotePort && socket.remoteAddress === upper.remoteAddress) {
        this.uppers.add(upper);
        upper.once('close', () => {
          this.uppers.delete(upper);
          this.sockets.delete(socket);
        });
        return;
      }
    }
  }

  private readonly uppers = new Set<net.Socket>();

  destroyAll(): void {
    for (const socket of [...this.uppers, ...this.sockets]) socket.destroy();
  }
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startMta(options: StartMtaOptions = {}): Promise<Mta> {
  const host = options.host ?? '127.0.0.1';
  const name = options.name ?? 'mx.test';
  const tracker = new SocketTracker();
  const commands: string[] = [];
  const messages: ReceivedMessage[] = [];
  let port = options.port ?? 0;
  let server: SMTPServer | undefined;

  const create = (): SMTPServer => {
    const serverOptions: SMTPServerOptions = {
      name,
      banner: options.banner ?? 'test MTA',
      authOptional: true,
      disabledCommands: ['AUTH'],
      // Loopback only: by default smtp-server asks the system resolver (off this machine) for the
      // client's PTR before it greets, and waits up to 1.5 s for it when that resolver is slow,
      // which a probe's banner timeout would count against the MTA. (Its greeting still comes
      // ~100 ms after the connect: smtp-server's fixed early-talker check.)
      disableReverseLookup: true,
      closeTimeout: 100,
      // smtp-server logs each command at debug level: the only public hook that sees every verb,
      // including the ones sent over TLS
      logger: {
        debug: (entry: { tnx?: string; command?: string }) => {
          if (entry.tnx === 'command' && entry.command) commands.push(entry.command.toUpperCase());
        },
      } as unknown as SMTPServerOptions['logger'],
      onSecure(socket, _session, callback) {
        tracker.adopt(socket);
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelope = session.envelope;
          messages.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks).toString('utf8'),
            secure: session.secure,
          });
          callback();
        });
      },
    };
    if (options.starttls) {
      serverOptions.key = options.starttls.key;
      serverOptions.cert = options.starttls.cert;
    } else {
      serverOptions.hideSTARTTLS = true;
    }
    const smtp = new SMTPServer(serverOptions);
    smtp.on('error', () => undefined); // client resets are expected in these tests
    smtp.server.on('connection', (socket: net.Socket) => tracker.add(socket));
    return smtp;
  };

  const begin = async (): Promise<void> => {
    const smtp = create();
    port = await listen(smtp.server, host, port);
    server = smtp;
  };

  const stop = async (): Promise<void> => {
    const smtp = server;
    server = undefined;
    if (!smtp) return;
    await new Promise<void>((resolve) => {
      smtp.close(() => resolve());
      tracker.destroyAll();
    });
  };

  await begin();
  return {
    host,
    get port() {
      return port;
    },
    get connections() {
      return tracker.connections;
    },
    sources: tracker.sources,
    get open() {
      return tracker.sockets.size;
    },
    commands,
    messages,
    waitForIdle: (timeoutMs = 3000) => pollUntil(() => tracker.sockets.size === 0, timeoutMs, `${host}:${port} to be idle`),
    stop,
    restart: async () => {
      await stop();
      await begin();
    },
  };
}

/** How a scripted MTA behaves on each new connection. */
export type ScriptedMode =
  | 'ok'
  | 'silent'
  | 'banner-421'
  | 'banner-554'
  | 'garbage'
  | 'reset-during-ehlo'
  | 'slow-banner'
  | 'ehlo-550'
  | 'multiline-banner'
  /** Greets with 220, then never answers anything. */
  | 'mute-after-banner'
  /** Advertises STARTTLS, then answers it with 454. */
  | 'starttls-refused'
  /** Advertises STARTTLS, answers 220, then sends plaintext instead of a TLS handshake. */
  | 'starttls-broken';

export interface StartScriptedOptions {
  host?: string;
  port?: number;
  mode: ScriptedMode;
  /** Delay of the banner in `slow-banner` mode (default 1000 ms). */
  delayMs?: number;
}

export interface ScriptedMta extends TestMta {
  /** Changes the behaviour for connections accepted from now on. */
  setMode(mode: ScriptedMode, delayMs?: number): void;
}

const OK_EHLO = '250-mx.test greets you\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n';
const TLS_EHLO = '250-mx.test greets you\r\n250-PIPELINING\r\n250 STARTTLS\r\n';
/** The start of a TLS ClientHello and some binary: what a non-SMTP service might send. */
const GARBAGE = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), Buffer.from('\x00\xff\r\n', 'latin1')]);

/** What the server does with one command line: say something, then maybe stop talking or hang up. */
interface Answer {
  say?: string;
  /** `raw`: stop parsing lines; answer the next bytes (a TLS ClientHello) with plaintext. */
  then?: 'end' | 'reset' | 'mute' | 'raw';
}

/** The dialogue after the greeting, by mode. QUIT always gets 221 unless the server went mute. */
function answer(mode: ScriptedMode, verb: string): Answer {
  if (mode === 'silent' || mode === 'banner-421' || mode === 'garbage' || mode === 'mute-after-banner') return { then: 'mute' };
  if (verb === 'QUIT') return { say: '221 2.0.0 mx.test closing\r\n', then: 'end' };
  // RFC 5321 §3.1: after a 554 greeting the server waits for QUIT, answering 503 to anything else
  if (mode === 'banner-554') return { say: '503 5.5.1 Bad sequence of commands\r\n' };
  if (verb === 'EHLO') {
    if (mode === 'reset-during-ehlo') return { then: 'reset' };
    if (mode === 'ehlo-550') return { say: '550 5.7.1 Access denied\r\n' };
    if (mode === 'starttls-refused' || mode === 'starttls-broken') return { say: TLS_EHLO };
    return { say: OK_EHLO };
  }
  if (verb === 'STARTTLS' && mode === 'starttls-refused') return { say: '454 4.7.0 TLS not available\r\n' };
  if (verb === 'STARTTLS' && mode === 'starttls-broken') return { say: '220 2.0.0 Ready to start TLS\r\n', then: 'raw' };
  if (verb === 'HELO' || verb === 'NOOP' || verb === 'RSET') return { say: '250 2.0.0 OK\r\n' };
  return { say: '502 5.5.2 Command not implemented\r\n' };
}

export async function startScriptedMta(options: StartScriptedOptions): Promise<ScriptedMta> {
  const host = options.host ?? '127.0.0.1';
  const tracker = new SocketTracker();
  const commands: string[] = [];
  let mode = options.mode;
  let delayMs = options.delayMs ?? 1000;

  const serve = (socket: net.Socket): void => {
    tracker.add(socket);
    socket.on('error', () => undefined); // clients reset and abort on purpose here
    const connMode = mode;
    const timers: NodeJS.Timeout[] = [];
    socket.once('close', () => timers.forEach(clearTimeout));
    const say = (text: string | Buffer): void => {
      if (!socket.destroyed && socket.writable) socket.write(text);
    };

    switch (connMode) {
      case 'silent':
        break;
      case 'banner-421':
        // RFC 5321 §3.8: the server is shedding load and closes right after saying so
        socket.end('421 4.3.2 mx.test Service not available, closing transmission channel\r\n');
        break;
      case 'banner-554':
        say('554 5.7.1 mx.test No SMTP service here\r\n');
        break;
      case 'garbage':
        say(GARBAGE);
        break;
      case 'slow-banner':
        timers.push(setTimeout(() => say('220 mx.test ESMTP slow\r\n'), delayMs));
        break;
      case 'multiline-banner':
        // split inside a line, so the client must join chunks
        say('220-mx.test ESMTP\r\n220-this greeting spans ');
        timers.push(setTimeout(() => say('three lines\r\n220 ready\r\n'), 20));
        break;
      default:
        say('220 mx.test ESMTP scripted\r\n');
    }

    let muted = false;
    let raw = false;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      if (raw) {
        say('this is not a TLS ServerHello\r\n');
        raw = false;
        muted = true;
        return;
      }
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end).replace(/\r$/, '');
        buffered = buffered.slice(end + 1);
        const verb = (line.split(' ')[0] ?? '').toUpperCase();
        commands.push(verb);
        if (muted) continue;
        const reply = answer(connMode, verb);
        if (reply.then === 'reset') {
          socket.resetAndDestroy();
          return;
        }
        if (reply.then === 'end') {
          socket.end(reply.say ?? '');
          return;
        }
        if (reply.say) say(reply.say);
        if (reply.then === 'mute') muted = true;
        if (reply.then === 'raw') {
          raw = true;
          return;
        }
      }
    });
  };

  const server = net.createServer(serve);
  const port = await listen(server, host, options.port ?? 0);
  let stopped = false;
  return {
    host,
    port,
    get connections() {
      return tracker.connections;
    },
    sources: tracker.sources,
    get open() {
      return tracker.sockets.size;
    },
    commands,
    setMode(next, nextDelayMs) {
      mode = next;
      if (nextDelayMs !== undefined) delayMs = nextDelayMs;
    },
    waitForIdle: (timeoutMs = 3000) => pollUntil(() => tracker.sockets.size === 0, timeoutMs, `${host}:${port} to be idle`),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        tracker.destroyAll();
      });
    },
  };
}
